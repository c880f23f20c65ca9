// Preloaded (node --import) into the baselines when profiled: they have no SIGTERM handler, and
// V8 writes a --cpu-prof profile only on a normal exit.
process.once('SIGTERM', () => process.exit(0));
