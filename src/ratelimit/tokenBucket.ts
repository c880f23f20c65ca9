// The token-bucket arithmetic of SPEC §4, for the in-process store. It mirrors lua/consume.lua
// line for line (same clamping, same cap, same Retry-After rounding), so both stores decide alike.

/** Tokens per microsecond for a bucket of `maxTokens` refilled every `refillPeriodMs`. */
export function ratePerMicro(maxTokens: number, refillPeriodMs: number): number {
  return maxTokens / (refillPeriodMs * 1000);
}

/** Tokens after refilling from `lastUs` to `nowUs`; elapsed is clamped at >= 0, the result at capacity. */
export function refill(tokens: number, lastUs: number, nowUs: number, capacity: number, perMicro: number): number {
  const elapsed = Math.max(0, nowUs - lastUs);
  return Math.min(capacity, tokens + elapsed * perMicro);
}

/**
 * Whole seconds until a bucket holding `tokens` (< 1) holds one, at least 1. The 1e-9 absorbs
 * float noise so that exactly 2 s does not become 3.
 */
export function retryAfterSeconds(tokens: number, perMicro: number): number {
  return Math.max(1, Math.ceil((1 - tokens) / (perMicro * 1e6) - 1e-9));
}
