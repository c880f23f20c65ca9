// Shared by the config tests: a valid base config to mutate, and a loader that needs no disk.
import { loadConfigText, type LoadOverrides, type LoadResult } from '../../../src/config/load.js';

export function baseConfig(): Record<string, any> {
  return {
    name: 'everything',
    transport: 'stdio',
    command: 'node',
    cmd_args: ['server.js'],
    rate_limit_config: {
      shared: { maxTokens: 100, refillPeriod: '1m0s' },
      tools: [{ name: 'echo', shared: { maxTokens: 10, refillPeriod: '1m0s' } }],
    },
    scaling_config: { session_redis: { address: '127.0.0.1:6379', db: 0 } },
  };
}

export function load(doc: unknown, overrides: LoadOverrides = {}, env: NodeJS.ProcessEnv = {}): LoadResult {
  return loadConfigText(typeof doc === 'string' ? doc : JSON.stringify(doc), 'test.json', overrides, env);
}

/** The "<pointer>: <message>" lines of a failed load (empty when it loaded). */
export function problems(r: LoadResult): string[] {
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}
