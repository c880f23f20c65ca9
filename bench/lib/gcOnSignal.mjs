// Preloaded (node --expose-gc --import <this file>) into the processes whose RSS the streams mode
// compares: SIGUSR2 runs a full GC, so "before" and "after" are read from a settled heap rather
// than from wherever the collector happened to be.
process.on('SIGUSR2', () => globalThis.gc?.());
