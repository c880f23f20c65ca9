// Real Redis deployments for the SPEC §13 tests, built from redis-server processes on free ports
// (never 6379): a Sentinel setup (one master, replicas, sentinels via `redis-server <conf>
// --sentinel`) and a Redis Cluster (`redis-cli --cluster create`). Every process is stopped by
// the handle's `stop()` (register it with t.teardown) and killed at process exit otherwise.
// Plus the small pieces the topology tests share: a config with one limited tool, a call, and
// `run` in-process for its exit code and stderr.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { RunConfigFile, SessionRedisFile } from '../../src/config/types.js';
import { httpConfig, writeConfigFile } from './proxy.js';
import { postJson } from './http.js';
import { freePort } from './ports.js';
import { exited, spawnRedisProcess, startRedis, waitForPing, type RedisHandle, type RedisTlsFiles } from './redis.js';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function redisCli(args: readonly string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', [...args], { timeout: timeoutMs }, (err, stdout, stderr) =>
      err ? reject(new Error(`redis-cli ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout.trim()),
    );
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * Full syncs start at once: Redis 7 waits 5 s (repl-diskless-sync-delay) for more replicas, and a
 * replica that never synced refuses to be promoted ("disconnected from master for longer than
 * allowed").
 */
const NO_SYNC_DELAY = ['--repl-diskless-sync-delay', '0'];

async function replicaInSync(replica: RedisHandle): Promise<void> {
  await until('replica in sync', 15_000, async () => ((await replica.cli('INFO', 'replication')).includes('master_link_status:up') ? true : undefined));
}

// ---------------------------------------------------------------------------------------------
// Sentinel

export interface SentinelSetup {
  readonly masterName: string;
  /** The servers, master first (index 0) at start. */
  readonly servers: readonly RedisHandle[];
  readonly sentinelPorts: readonly number[];
  /** "127.0.0.1:<port>" of each sentinel, as sentinel_addrs. */
  readonly sentinelAddrs: readonly string[];
  /** The port the sentinels currently name as master. */
  masterPort(): Promise<number>;
  /** Wait until the sentinels name a master other than `oldPort`; resolves with its port. */
  waitForNewMaster(oldPort: number, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * One master, `replicas` replicas, `sentinels` sentinels (quorum: a majority), fast timeouts.
 * With `tls`, every server and sentinel also listens on a TLS port, replication and the sentinels'
 * own links use TLS, the sentinels watch the master's TLS port (so they name it to clients), and
 * `sentinelAddrs` are the sentinels' TLS ports; the plaintext ports stay for redis-cli. With
 * `sentinelPassword` the sentinels require it (requirepass; one sentinel only: they would need
 * sentinel-pass to talk to each other).
 */
export async function startSentinelSetup(
  opts: { replicas?: number; sentinels?: number; downAfterMs?: number; tls?: RedisTlsFiles; sentinelPassword?: string } = {},
): Promise<SentinelSetup> {
  const masterName = 'thvmaster';
  const dir = mkdtempSync(join(tmpdir(), 'thv-sentinel-'));
  const servers: RedisHandle[] = [];
  const sentinels: { port: number; clientPort: number; stop: () => Promise<void> }[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all([...sentinels.map((s) => s.stop()), ...servers.map((s) => s.stop())]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const tls = opts.tls;
    const serverArgs = tls === undefined ? NO_SYNC_DELAY : [...NO_SYNC_DELAY, '--tls-replication', 'yes'];
    const master = await startRedis({ args: serverArgs, ...(tls === undefined ? {} : { tls }) });
    const monitoredPort = tls === undefined ? master.port : master.tlsPort!;
    servers.push(master);
    for (let i = 0; i < (opts.replicas ?? 1); i++) {
      servers.push(await startRedis({ args: [...serverArgs, '--replicaof', '127.0.0.1', String(monitoredPort)], ...(tls === undefined ? {} : { tls }) }));
    }
    // Replicas in sync before the sentinels watch: a failover then has someone to promote.
    for (const replica of servers.slice(1)) await replicaInSync(replica);
    const count = opts.sentinels ?? 3;
    const quorum = Math.floor(count / 2) + 1;
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const tlsPort = tls === undefined ? undefined : await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      const tlsLines =
        tls === undefined
          ? []
          : [`tls-port ${tlsPort}`, `tls-cert-file ${tls.cert}`, `tls-key-file ${tls.key}`, `tls-ca-cert-file ${tls.ca}`, 'tls-auth-clients no', 'tls-replication yes'];
      writeFileSync(
        conf,
        [
          `port ${port}`,
          ...tlsLines,
          'bind 127.0.0.1',
          ...(opts.sentinelPassword === undefined ? [] : [`requirepass ${opts.sentinelPassword}`]),
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${monitoredPort} ${quorum}`,
          `sentinel down-after-milliseconds ${masterName} ${opts.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${masterName} 10000`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      const child = spawnRedisProcess([conf, '--sentinel']);
      await waitForPing(port, opts.sentinelPassword, child);
      sentinels.push({
        port,
        clientPort: tlsPort ?? port,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited(child);
        },
      });
    }
    const auth = opts.sentinelPassword === undefined ? [] : ['-a', opts.sentinelPassword, '--no-auth-warning'];
    const masterPort = async (): Promise<number> => {
      const reply = await redisCli(['-p', String(sentinels[0]!.port), ...auth, 'SENTINEL', 'get-master-addr-by-name', masterName]);
      return Number(reply.split('\n')[1]);
    };
    // Every sentinel has found the others (and the replicas): a failover can get its quorum.
    for (const s of sentinels) {
      await until('sentinels know each other', 15_000, async () => {
        const info = await redisCli(['-p', String(s.port), ...auth, 'SENTINEL', 'master', masterName]);
        const lines = info.split('\n');
        const field = (name: string): number => Number(lines[lines.indexOf(name) + 1]);
        return field('num-other-sentinels') === count - 1 && field('num-slaves') === servers.length - 1 ? true : undefined;
      });
    }
    return {
      masterName,
      servers,
      sentinelPorts: sentinels.map((s) => s.port),
      sentinelAddrs: sentinels.map((s) => `127.0.0.1:${s.clientPort}`),
      masterPort,
      waitForNewMaster: (oldPort, timeoutMs) =>
        until('a new master', timeoutMs, async () => {
          const port = await masterPort();
          return port !== oldPort ? port : undefined;
        }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Cluster

export interface ClusterSetup {
  /** Every node; the masters first after creation (by `redis-cli --cluster create`'s order). */
  readonly nodes: readonly RedisHandle[];
  /** The node serving `key`'s slot now (asks CLUSTER SLOTS). */
  masterFor(key: string): Promise<RedisHandle>;
  /** CLUSTER KEYSLOT key. */
  slot(key: string): Promise<number>;
  /** Wait until every node reports cluster_state:ok. */
  waitOk(timeoutMs: number): Promise<void>;
  /**
   * Move one slot (and its keys) to another master, as a resharding does: IMPORTING/MIGRATING,
   * MIGRATE the keys, then SETSLOT NODE on every master. Clients that knew the old owner get MOVED.
   */
  moveSlot(slot: number, to: RedisHandle): Promise<void>;
  stop(): Promise<void>;
}

/** `masters` masters with `replicasPerMaster` replicas each; require-full-coverage off (see docs/redis.md). */
export async function startCluster(opts: { masters?: number; replicasPerMaster?: number; nodeTimeoutMs?: number } = {}): Promise<ClusterSetup> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicasPerMaster ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 'thv-cluster-'));
  const nodes: RedisHandle[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const startNode = async (): Promise<RedisHandle> => {
      const port = await freePort();
      return await startRedis({
        port,
        args: [
          ...NO_SYNC_DELAY,
          '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir,
          // The bus port defaults to port + 10000, which does not exist for ports above 55535.
          '--cluster-port', String(await freePort()),
          '--cluster-node-timeout', String(opts.nodeTimeoutMs ?? 1000),
          // One shard down must not stop the others (the default stops every shard).
          '--cluster-require-full-coverage', 'no',
        ],
      });
    };
    for (let i = 0; i < masters * (1 + replicas); i++) {
      // Two ports picked free a moment ago: a parallel test file may have taken one meanwhile
      // (redis-server then exits 1). Picked again, up to three times.
      for (let attempt = 1; ; attempt++) {
        try {
          nodes.push(await startNode());
          break;
        } catch (err) {
          if (attempt >= 3 || !/exited with/.test(String(err))) throw err;
        }
      }
    }
    await redisCli(['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'], 30_000);
    const waitOk = async (timeoutMs: number): Promise<void> => {
      for (const n of nodes) {
        await until('cluster_state:ok', timeoutMs, async () => ((await n.cli('CLUSTER', 'INFO')).includes('cluster_state:ok') ? true : undefined));
      }
    };
    await waitOk(20_000);
    for (const n of nodes) if ((await n.cli('ROLE')).startsWith('slave')) await replicaInSync(n);
    const slot = async (key: string): Promise<number> => Number(await nodes[0]!.cli('CLUSTER', 'KEYSLOT', key));
    // The master whose own CLUSTER NODES line ("myself,master") lists a range holding the slot.
    const masterOfSlot = async (s: number): Promise<RedisHandle> => {
      for (const n of nodes) {
        const info = await n.cli('CLUSTER', 'NODES').catch(() => ''); // a stopped node: ask the next
        const mine = info.split('\n').find((line) => line.split(' ')[2]?.includes('myself'));
        const f = mine?.split(' ') ?? [];
        if (!f[2]?.includes('master')) continue;
        for (const range of f.slice(8)) {
          const [lo, hi] = range.split('-').map(Number);
          if (s >= lo! && s <= (hi ?? lo)!) return n;
        }
      }
      throw new Error(`no master serves slot ${s}`);
    };
    return {
      nodes,
      slot,
      masterFor: async (key) => masterOfSlot(await slot(key)),
      waitOk,
      async moveSlot(slotNumber, to) {
        const from = await masterOfSlot(slotNumber);
        const id = async (n: RedisHandle): Promise<string> => n.cli('CLUSTER', 'MYID');
        const [fromId, toId] = [await id(from), await id(to)];
        await to.cli('CLUSTER', 'SETSLOT', String(slotNumber), 'IMPORTING', fromId);
        await from.cli('CLUSTER', 'SETSLOT', String(slotNumber), 'MIGRATING', toId);
        const keys = (await from.cli('CLUSTER', 'GETKEYSINSLOT', String(slotNumber), '1000')).split('\n').filter((k) => k !== '');
        if (keys.length > 0) await from.cli('MIGRATE', '127.0.0.1', String(to.port), '', '0', '5000', 'KEYS', ...keys);
        for (const n of nodes) {
          if ((await n.cli('ROLE')).startsWith('master')) await n.cli('CLUSTER', 'SETSLOT', String(slotNumber), 'NODE', toId);
        }
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// The proxy side

/** A config whose tool `search` holds `tokens` calls per hour, in Redis as `redis` says. */
export function limitedToolConfig(upstreamPort: number, name: string, redis: SessionRedisFile, tokens: number): RunConfigFile {
  return httpConfig(upstreamPort, {
    name,
    rate_limit_config: { tools: [{ name: 'search', shared: { maxTokens: tokens, refillPeriod: '1h' } }] },
    scaling_config: { session_redis: redis },
  });
}

let callId = 0;

/** One tools/call of `search`; resolves with the HTTP status. */
export async function callTool(proxyUrl: string): Promise<number> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: ++callId, method: 'tools/call', params: { name: 'search', arguments: {} } });
  return (await postJson(`${proxyUrl}/mcp`, body)).status;
}

/** process.env.THV_SESSION_REDIS_PASSWORD for the length of one test (the loader reads it there). */
export function withRedisPassword(t: { teardown(fn: () => void): void }, value: string): void {
  const saved = process.env.THV_SESSION_REDIS_PASSWORD;
  process.env.THV_SESSION_REDIS_PASSWORD = value;
  t.teardown(() => {
    if (saved === undefined) delete process.env.THV_SESSION_REDIS_PASSWORD;
    else process.env.THV_SESSION_REDIS_PASSWORD = saved;
  });
}

/**
 * `thv-proxy run --config <file>` in-process, for configs that must fail at startup: the exit
 * code and stderr. `env` is set in process.env for the call (the loader reads the password there).
 */
export async function runExpectingFailure(file: RunConfigFile, env: Record<string, string> = {}): Promise<{ code: number; stderr: string; stdout: string }> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  let stdout = '';
  let stderr = '';
  try {
    const code = await main(['node', 'thv-proxy', 'run', '--config', writeConfigFile(file), '--log-level', 'info'], {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
    });
    return { code, stderr, stdout };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
