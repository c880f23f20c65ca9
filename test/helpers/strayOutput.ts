// Libraries print past the proxy's logger (ioredis uses console.warn). Tests that prove nothing
// strays: console.warn captured in this process, a child's stdout read as JSON lines only.

import type { ChildProxy, LogLine } from './proxy.js';

interface Teardown {
  teardown(fn: () => void): void;
}

/** What console.warn is called with for the rest of the test (restored at teardown). */
export function captureConsoleWarn(t: Teardown): unknown[] {
  const printed: unknown[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void printed.push(args);
  t.teardown(() => void (console.warn = warn));
  return printed;
}

/** Every non-empty stdout line of `proxy`, parsed; a line that is not JSON fails the test. */
export function jsonLogLines(t: { fail(message: string): void }, proxy: ChildProxy): LogLine[] {
  return proxy.stdoutLines
    .filter((l) => l !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        t.fail(`not a JSON log line: ${l}`);
        return {};
      }
    });
}

/** True once `proxy` logged that rate limiting resumed (after its Redis came back), within `timeoutMs`. */
export async function resumedLimiting(proxy: ChildProxy, timeoutMs = 10_000): Promise<boolean> {
  const resumed = (): boolean => proxy.stdoutLines.some((l) => l.includes('rate limiting resumed'));
  const deadline = Date.now() + timeoutMs;
  while (!resumed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return resumed();
}
