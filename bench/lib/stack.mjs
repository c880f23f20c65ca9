// The servers a benchmark needs, started as child processes on free ports: the upstream, Redis,
// the webhook, the anchors' baselines (P0, P1, F) and thv-proxy in several configs.
import { existsSync, mkdtempSync, writeFileSync, rmSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child, waitServing } from './children.mjs';
import { freePort } from './ports.mjs';
import { startRedis } from './redis.mjs';
import { thvConfig } from './thvConfigs.mjs';

const BENCH = dirname(dirname(fileURLToPath(import.meta.url)));
const ROOT = dirname(BENCH);
const server = (file) => join(BENCH, 'servers', file);
export const THV_BIN = join(ROOT, 'bin', 'thv-proxy');

/**
 * Server specs. `needs` lists what must run first; `thv` marks thv-proxy configs
 * (kind of config, extra CLI flags).
 */
export const SERVERS = {
  upstream: { script: 'upstream.mjs', needs: [] },
  webhook: { script: 'webhook.mjs', needs: [] },
  idp: { script: 'idp.mjs', needs: [] },
  P0: { script: 'proxy.mjs', needs: ['upstream'] },
  P1: { script: 'proxy.mjs', needs: ['upstream', 'redis'], env: { LIMIT: '1' } },
  // P1 with ioredis auto-pipelining (bench/icount.mjs: what auto-pipelining costs per command)
  'P1-autopipe': { script: 'proxy.mjs', needs: ['upstream', 'redis'], env: { LIMIT: '1', AUTOPIPE: '1' } },
  F: { script: 'fastify.mjs', needs: ['upstream', 'redis'] },
  'thv-nolimit': { thv: 'nolimit', needs: ['upstream'] },
  'thv-redis': { thv: 'redis', needs: ['upstream', 'redis'] },
  'thv-reject': { thv: 'reject', needs: ['upstream', 'redis'] },
  'thv-webhook': { thv: 'webhook', needs: ['upstream', 'webhook'] },
  'thv-auth': { thv: 'auth', needs: ['upstream', 'redis', 'idp'] },
  'thv-memory': { thv: 'memory', needs: ['upstream'], flags: ['--store', 'memory'] },
  'thv-redis-warnlog': { thv: 'redis', needs: ['upstream', 'redis'], flags: ['--log-level', 'warn'] },
  'thv-redis-metrics': { thv: 'redis-metrics', needs: ['upstream', 'redis'] },
  'thv-redis-traces': { thv: 'redis-traces', needs: ['upstream', 'redis'] },
  'thv-redis-traces0': { thv: 'redis-traces0', needs: ['upstream', 'redis'] },
};

export class Stack {
  #tmp = mkdtempSync(join(tmpdir(), 'thv-bench-cfg-'));
  /** name -> { port, pid, child } */
  running = new Map();
  redis = null;
  failed = new Map();

  url(name, path = '/mcp') { return `http://127.0.0.1:${this.running.get(name).port}${path}`; }

  async #startOne(name, { nodeArgs = [], env: extraEnv = {} } = {}) {
    const spec = SERVERS[name];
    for (const dep of spec.needs) await this.ensure(dep);
    if (name === 'redis') return;
    const port = await freePort();
    const up = this.running.get('upstream');
    const env = { PORT: String(port), UP: up ? `http://127.0.0.1:${up.port}` : '', REDIS_PORT: String(this.redis?.port ?? ''), ...spec.env };
    let child;
    if (spec.thv) {
      if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/cli/main.js is missing: build first (npx tsc -p tsconfig.json)');
      const file = join(this.#tmp, `${name}.json`);
      const cfg = thvConfig(spec.thv, { name: `bench-${name}`, port, upstreamPort: up.port, redisPort: this.redis?.port, webhookPort: this.running.get('webhook')?.port, metricsPort: await freePort(), idpPort: this.running.get('idp')?.port });
      writeFileSync(file, JSON.stringify(cfg, null, 2));
      // the request log goes to a file in the stack's temporary folder (issue 16: "written to a
      // file or pipe as operators run it, not /dev/null"); THV_BENCH_LOG=null restores /dev/null
      const logFd = process.env.THV_BENCH_LOG === 'null' ? 'ignore' : openSync(join(this.#tmp, `${name}.log`), 'a');
      child = new Child(name, process.execPath, [...nodeArgs, THV_BIN, 'run', '--config', file, ...(spec.flags ?? [])], { cwd: ROOT, env: extraEnv, stdoutFd: logFd });
      if (typeof logFd === 'number') closeSync(logFd); // the child holds its own copy
      await waitServing(child, port, { healthPath: '/health' });
    } else {
      child = new Child(name, process.execPath, [...nodeArgs, server(spec.script)], { env: { ...env, ...extraEnv }, cwd: ROOT });
      await waitServing(child, port);
    }
    this.running.set(name, { port, pid: child.pid, child });
  }

  /**
   * Starts `name` (and what it needs) unless it runs already; a failure is remembered, not thrown
   * twice. `opts`: extra node flags (`nodeArgs`) and environment (`env`) for that process only.
   */
  async ensure(name, opts) {
    if (this.running.has(name) || (name === 'redis' && this.redis)) return;
    if (this.failed.has(name)) throw this.failed.get(name);
    try {
      if (name === 'redis') { this.redis = await startRedis(); return; }
      await this.#startOne(name, opts);
    } catch (err) {
      this.failed.set(name, err);
      throw err;
    }
  }

  /** Headers a scenario's requests carry: a bearer token from the bench IdP when it authenticates. */
  async headers(scenario) {
    if (!scenario.auth) return undefined;
    if (!this.#token) {
      await this.ensure('idp');
      const res = await fetch(`http://127.0.0.1:${this.running.get('idp').port}/token?sub=bench-user`);
      this.#token = (await res.json()).access_token;
    }
    return { Authorization: `Bearer ${this.#token}` };
  }

  #token = null;

  async stop() {
    // proxies first (so they do not log Redis/upstream errors while shutting down), then the rest
    const order = [...this.running.keys()].sort((a, b) => (SERVERS[a].needs.length ? 0 : 1) - (SERVERS[b].needs.length ? 0 : 1));
    for (const name of order) await this.running.get(name).child.stop();
    this.running.clear();
    if (this.redis) await this.redis.stop();
    rmSync(this.#tmp, { recursive: true, force: true });
  }
}
