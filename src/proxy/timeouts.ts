// How long the proxy waits for an upstream to start answering (SPEC §6: 504 past it), in one place
// for both terminals: the HTTP proxy's response-head timeout and the stdio bridge's bound on a
// call's answer (src/stdio/bridge.ts).

/** SPEC §6: upstream silent past this -> 504. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000;
