// The Redis token-bucket store (SPEC §4): one EVALSHA per call, Redis TIME as the one clock of
// every replica, ToolHive's key and field layout. It fails fast and never queues: a command
// sent while Redis is away is rejected at once, one in flight is abandoned after
// `commandTimeoutMs` of free event-loop time (src/chain/deadline.ts: a loop blocked by the
// proxy's own work is not Redis being slow); the middleware turns either into fail-open (or 503).
// ioredis reconnects by itself forever. On one connection (a server, a Sentinel master) the
// scripts are loaded with SCRIPT LOAD each time it becomes ready — at start, after a reconnect, on
// a new master after a failover: a restarted or promoted Redis has an empty script cache — and
// every check is an EVALSHA; a NOSCRIPT all the same (SCRIPT FLUSH under a live link) runs that
// check with EVAL, which loads the script again. A Cluster is left to ioredis (see the
// constructor). So limiting resumes alone. The link's drops and returns are logged once per
// transition. The client of each deployment (one server, Cluster, Sentinel; TLS, ACL user) is
// built in redisClient.ts; this store is the same for all of them (SPEC §13).

import type { Writable } from 'node:stream';
import { Command } from 'ioredis';
import type { Logger } from 'pino';
import { ThvError } from '../errors.js';
import { withinLoopDeadline } from '../chain/deadline.js';
import type { RedisConfig } from '../config/types.js';
import { createRedisClient, describeRedis, redisLogAddress, type RedisClient } from './redisClient.js';
import type { ConnectionAdvice } from './connectionAdvice.js';
import type { BucketRef, BucketState, Decision, TokenBucketStore } from './store.js';
import { CONSUME_SCRIPT, PEEK_SCRIPT, type LuaScript } from './scripts.js';

/** A Cluster node's connection, as ioredis's `+node` / `-node` events pass it. */
interface ClusterNode {
  readonly options: { readonly host: string; readonly port: number; readonly readOnly?: boolean };
}

/** On a Cluster the scripts are ioredis commands: `thvConsume(numKeys, ...keysAndArgs)`. */
type ScriptedRedis = RedisClient & {
  thvConsume(numKeys: number, ...args: string[]): Promise<unknown[]>;
  thvPeek(numKeys: number, ...args: string[]): Promise<unknown[]>;
};

export interface RedisStoreOptions {
  /**
   * Bound of one rate-limit check, in time the event loop was free; slower counts as a failure
   * (fail-open). Default 250 ms.
   */
  readonly commandTimeoutMs?: number;
  readonly logger: Logger;
  /** What a lost link means for requests, for the log line: "rate limits fail open" (default). */
  readonly whileDown?: string;
  /**
   * Batching of concurrent checks into one write (default true; see docs/scaling.md): on one
   * connection (a server, a Sentinel master) the socket is corked until the end of the event
   * loop's turn, so the checks of every request that arrived in it leave in one writev; a
   * Cluster uses ioredis's auto-pipelining.
   */
  readonly autoPipelining?: boolean;
}

const ALLOWED: Decision = Object.freeze({ allowed: true, rejectedScope: undefined, retryAfterSeconds: 0, buckets: undefined });
const ERROR_LOG_INTERVAL_MS = 10_000;
const CONNECT_ATTEMPTS = 5;
const AUTH_ERROR = /^(WRONGPASS|NOAUTH|ERR (invalid password|AUTH|Client sent AUTH))/;

/** Script arguments of one bucket list: KEYS then ARGV (see lua/consume.lua), as strings. */
function scriptArgs(buckets: readonly BucketRef[]): string[] {
  const args = buckets.map((b) => b.key);
  args.push(String(buckets.length));
  for (const b of buckets) args.push(String(b.maxTokens));
  // Tokens per second, printed exactly (ToolHive rounds it to 6 decimals).
  for (const b of buckets) args.push(String((b.maxTokens * 1000) / b.refillPeriodMs));
  for (const b of buckets) args.push(String(b.ttlSeconds));
  return args;
}

/** `EVALSHA <sha> <numKeys> ...args` in RESP, the text ioredis would write for that command. */
export function evalshaText(sha: string, numKeys: number, args: readonly string[]): string {
  let text = `*${args.length + 3}\r\n$7\r\nevalsha\r\n$${sha.length}\r\n${sha}\r\n$${String(numKeys).length}\r\n${numKeys}\r\n`;
  for (const a of args) text += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return text;
}

const NO_ARGS: string[] = [];

/**
 * An EVALSHA whose wire text was built once for its bucket list. ioredis would copy the
 * arguments and encode each one again for every check (a bucket list with per-user buckets has
 * 18); the text is the same every time, so the check writes the one string. Everything else —
 * queueing, the reply, NOSCRIPT as an error — is ioredis's Command as usual.
 */
class PreparedEvalsha extends Command {
  readonly #text: string;

  constructor(text: string, args: string[]) {
    super('evalsha', NO_ARGS);
    // For ioredis's debug lines and error messages; never written (toWritable is).
    this.args = args;
    this.#text = text;
  }

  override toWritable(): string {
    return this.#text;
  }
}

/** KEYS+ARGV of one bucket list, and the handlers of a consume reply or failure (see #planFor). */
interface CheckPlan {
  readonly consume: string[];
  /** The consume check's EVALSHA as written on the wire (one connection; not a Cluster). */
  readonly consumeText: string;
  readonly withState: string[];
  readonly onReply: (reply: unknown) => Decision;
  readonly onReplyWithState: (reply: unknown) => Decision;
  /** NOSCRIPT: the same check with EVAL; any other failure passes on. */
  readonly onError: (err: unknown) => Promise<Decision>;
  readonly onErrorWithState: (err: unknown) => Promise<Decision>;
}

const SCRIPTS: readonly LuaScript[] = [CONSUME_SCRIPT, PEEK_SCRIPT];

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withinLoopDeadline(promise, ms, new Error(`${what}: no answer within ${ms} ms`));
}

export class RedisStore implements TokenBucketStore {
  readonly kind = 'redis' as const;
  /** The `redis` field of log lines: "host:port" (or "master@sentinels") — never the password. */
  readonly address: string;
  /** How messages name the deployment: `Redis at host:port`, `Redis Cluster at ...`, `Redis master "m" via Sentinel ...`. */
  readonly label: string;
  readonly #client: ScriptedRedis;
  readonly #logger: Logger;
  /** Per bucket list; the middleware passes the same frozen arrays every time. */
  readonly #plans = new WeakMap<readonly BucketRef[], CheckPlan>();
  readonly #boundMs: number;
  /** The failure of every check that outlived its bound: one object, no stack per request. */
  readonly #timedOut: Error;
  readonly #whileDown: string;
  #lastError: Error | undefined;
  #lastErrorLogMs = 0;
  /** True from the first 'ready' on: before it, connect() reports failures (exit 3). */
  #connected = false;
  #lost = false;
  #closing = false;
  /** Batch checks by corking the connection (one connection: not a Cluster). */
  readonly #cork: boolean;
  /** A Cluster: ioredis runs the scripts (defineCommand); otherwise the store does (EVALSHA). */
  readonly #cluster: boolean;
  /** SCRIPT LOAD was refused once (an ACL without it): said once, not at every reconnect. */
  #scriptLoadRefused = false;
  /** Advice on AUTH and the ready check already logged: once each, not at every (re)connection of every node. */
  readonly #adviceSaid = new Set<ConnectionAdvice>();
  /** Who the connections authenticate as, and what a skipped ready check loses (for that advice). */
  readonly #user: string;
  readonly #sentinel: boolean;
  /** The socket corked for the current turn of the event loop, if any. */
  #corked: Writable | null = null;

  constructor(cfg: RedisConfig, opts: RedisStoreOptions) {
    this.address = redisLogAddress(cfg);
    this.label = describeRedis(cfg);
    this.#logger = opts.logger;
    this.#boundMs = opts.commandTimeoutMs ?? 250;
    this.#timedOut = new Error(`rate-limit check timed out: ${this.label} did not answer within ${this.#boundMs} ms`);
    this.#whileDown = opts.whileDown ?? 'rate limits fail open';
    const batching = opts.autoPipelining ?? true;
    // ioredis's auto-pipelining builds a Pipeline object, a promise and a nextTick per batch and
    // wraps every command; corking the socket batches the same checks into one write for a
    // fraction of that (bench/icount.mjs, docs/performance.md). A Cluster has a socket per node,
    // which only ioredis knows: there its auto-pipelining does the batching.
    const cluster = cfg.topology === 'cluster';
    this.#cork = batching && !cluster;
    this.#cluster = cluster;
    this.#user = cfg.username ?? 'default';
    this.#sentinel = cfg.topology === 'sentinel';
    this.#client = createRedisClient(cfg, { autoPipelining: batching && cluster, onConnectionAdvice: (a) => this.#onConnectionAdvice(a) }) as ScriptedRedis;
    if (cluster) {
      // A Cluster has a connection per master that only ioredis knows, and it opens, drops and
      // replaces them as slots move: the scripts are left to ioredis's script commands, which send
      // EVAL as the first call on each node connection (loading the script there) and EVALSHA
      // after, NOSCRIPT included — one full EVAL per node connection, not per check.
      this.#client.defineCommand('thvConsume', { lua: CONSUME_SCRIPT.lua });
      this.#client.defineCommand('thvPeek', { lua: PEEK_SCRIPT.lua });
    }
    this.#client.on('error', (err: Error) => this.#onError(err));
    this.#client.on('close', () => this.#onClose());
    this.#client.on('ready', () => this.#onReady());
    // A Cluster stays up while one node is lost: say which, once per loss (its slots fail open
    // until a replica takes them over and ioredis refreshes the slot map).
    this.#client.on('node error', (err: Error, node: string) => this.#onError(new Error(`node ${node}: ${err.message}`)));
    this.#client.on('-node', (node: ClusterNode) => this.#onNode(node, false));
    this.#client.on('+node', (node: ClusterNode) => this.#onNode(node, true));
  }

  #onConnectionAdvice(advice: ConnectionAdvice): void {
    if (this.#adviceSaid.has(advice)) return;
    this.#adviceSaid.add(advice);
    if (advice === 'password-not-needed') {
      this.#logger.warn({ redis: this.address }, `${this.label} does not require a password, but THV_SESSION_REDIS_PASSWORD is set; connected without it`);
    } else if (advice === 'username-not-supported') {
      this.#logger.error({ redis: this.address }, `${this.label} refused AUTH with a username: ACL users need Redis 6 or later; connected without authenticating`);
    } else {
      const lost = this.#sentinel ? 'no wait while Redis loads its data, no check that the node Sentinel named is the master' : 'no wait while Redis loads its data';
      this.#logger.warn(
        { redis: this.address, user: this.#user },
        `${this.label}: the ACL user ${JSON.stringify(this.#user)} may not run INFO, so the client skips its ready check (${lost}); add +info to the user (docs/redis.md)`,
      );
    }
  }

  #onNode(node: ClusterNode, added: boolean): void {
    // Replicas (readOnly) never run a check: their comings and goings change nothing here.
    if (!this.#connected || this.#closing || node.options.readOnly === true) return;
    const where = `${node.options.host}:${node.options.port}`;
    if (added) this.#logger.info({ redis: this.address, node: where }, `${this.label}: connected to node ${where}`);
    else this.#logger.warn({ redis: this.address, node: where }, `${this.label}: lost node ${where}; rate limits of servers on its slots fail open until the cluster moves them`);
  }

  /** Once per drop (reconnect attempts that fail close again: no new line for those). */
  #onClose(): void {
    if (this.#lost || this.#closing || !this.#connected) return;
    this.#lost = true;
    this.#logger.warn({ redis: this.address }, `lost connection to ${this.label}; ${this.#whileDown} until it is back`);
  }

  #onError(err: Error): void {
    this.#lastError = err;
    const now = Date.now();
    if (now - this.#lastErrorLogMs < ERROR_LOG_INTERVAL_MS) return;
    this.#lastErrorLogMs = now;
    this.#logger.debug({ redis: this.address, cause: err.message }, 'Redis connection error');
  }

  #onReady(): void {
    this.#connected = true;
    if (!this.#cluster) this.#loadScripts();
    if (this.#lost) {
      this.#lost = false;
      this.#logger.info({ redis: this.address }, `reconnected to ${this.label}; rate limiting resumed`);
    }
  }

  /**
   * SCRIPT LOAD on a connection that just became ready (SPEC §4: loaded once, run with EVALSHA).
   * Sent from the 'ready' listener, so before any check can be sent on that connection, and one
   * connection runs its commands in order: even the first check finds the scripts. Not awaited: a
   * failure only costs the NOSCRIPT -> EVAL fallback of the first check.
   */
  #loadScripts(): void {
    for (const script of SCRIPTS) this.#client.script('LOAD', script.lua).then(undefined, this.#onScriptLoadFailed);
  }

  readonly #onScriptLoadFailed = (err: unknown): void => {
    // A link that dropped again says so through 'close'; a refusal (NOPERM: an ACL without
    // SCRIPT) is said once — checks still work, the first one per connection through EVAL.
    if (this.#scriptLoadRefused || !(err instanceof Error) || this.#client.status !== 'ready') return;
    this.#scriptLoadRefused = true;
    this.#logger.warn({ redis: this.address, cause: err.message }, `${this.label} refused SCRIPT LOAD; the first check on each connection sends the script with EVAL`);
  };

  /** NOSCRIPT (SCRIPT FLUSH, or a Redis that lost its cache under a live link): EVAL runs the script and loads it again. */
  #evalOnNoScript(err: unknown, script: LuaScript, numKeys: number, args: string[]): Promise<unknown> {
    if (!isNoScript(err)) return Promise.reject(err);
    return this.#client.eval(script.lua, numKeys, ...args);
  }

  /**
   * Everything a bucket list's checks need, built on its first check and reused: the script
   * arguments and the reply handlers, so that a check allocates no closure.
   */
  #planFor(buckets: readonly BucketRef[]): CheckPlan {
    let plan = this.#plans.get(buckets);
    if (!plan) {
      const consume = scriptArgs(buckets);
      const withState = [...consume, '1'];
      const n = buckets.length;
      const onReply = (reply: unknown): Decision => ((reply as unknown[])[0] === 0 ? ALLOWED : decision(buckets, reply as unknown[], false));
      const onReplyWithState = (reply: unknown): Decision => decision(buckets, reply as unknown[], true);
      plan = {
        consume,
        consumeText: evalshaText(CONSUME_SCRIPT.sha, n, consume),
        withState,
        onReply,
        onReplyWithState,
        onError: (err: unknown) => this.#evalOnNoScript(err, CONSUME_SCRIPT, n, consume).then(onReply),
        onErrorWithState: (err: unknown) => this.#evalOnNoScript(err, CONSUME_SCRIPT, n, withState).then(onReplyWithState),
      };
      this.#plans.set(buckets, plan);
    }
    return plan;
  }

  // Hot path: one EVALSHA (on a Cluster ioredis's script command) and one .then with prebuilt
  // handlers — no async function around it — inside the loop-aware bound.
  consume(buckets: readonly BucketRef[], withState = false): Promise<Decision> {
    const plan = this.#planFor(buckets);
    if (this.#cork && this.#corked === null) this.#corkForTurn();
    const args = withState ? plan.withState : plan.consume;
    const sent = this.#cluster
      ? this.#client.thvConsume(buckets.length, ...args)
      : withState
        ? this.#client.evalsha(CONSUME_SCRIPT.sha, buckets.length, ...args)
        : this.#sendPrepared(plan);
    const check = withState ? sent.then(plan.onReplyWithState, plan.onErrorWithState) : sent.then(plan.onReply, plan.onError);
    return withinLoopDeadline(check, this.#boundMs, this.#timedOut);
  }

  #sendPrepared(plan: CheckPlan): Promise<unknown> {
    const command = new PreparedEvalsha(plan.consumeText, plan.consume);
    this.#client.sendCommand(command);
    return command.promise;
  }

  /**
   * Cork the connection until the end of this turn of the event loop (setImmediate: after the
   * poll phase has run the callbacks of every socket that was ready): every check issued before
   * then (ioredis writes a command to the socket at once when connected) leaves in one writev —
   * one write for Redis to read and one reply read for us, as auto-pipelining gives, without its
   * per-command wrapping. Per turn, not per tick: each client socket's data is its own tick, so a
   * tick holds one request's check; a turn holds those of every request that arrived together.
   * A check waits at most for the rest of the turn; the loop does not sleep while it is corked.
   */
  #corkForTurn(): void {
    const stream = (this.#client as { stream?: Writable }).stream;
    if (stream === undefined || this.#client.status !== 'ready' || stream.writableCorked > 0) return;
    stream.cork();
    this.#corked = stream;
    setImmediate(this.#uncork);
  }

  readonly #uncork = (): void => {
    const stream = this.#corked;
    this.#corked = null;
    stream?.uncork();
  };

  peek(buckets: readonly BucketRef[]): Promise<Decision> {
    return withinLoopDeadline(this.#peek(buckets), this.#boundMs, this.#timedOut);
  }

  async #peek(buckets: readonly BucketRef[]): Promise<Decision> {
    const args = this.#planFor(buckets).consume;
    const n = buckets.length;
    let reply: unknown;
    if (this.#cluster) {
      reply = await this.#client.thvPeek(n, ...args);
    } else {
      try {
        reply = await this.#client.evalsha(PEEK_SCRIPT.sha, n, ...args);
      } catch (err) {
        reply = await this.#evalOnNoScript(err, PEEK_SCRIPT, n, args);
      }
    }
    return decision(buckets, reply as unknown[], true);
  }

  async connect(timeoutMs = 5000): Promise<void> {
    try {
      await bounded(this.#readyAndPing(), timeoutMs, 'connect');
    } catch (err) {
      const cause = describeCause(this.#lastError ?? err);
      this.#client.disconnect();
      throw new ThvError('THV_ERR_REDIS_UNREACHABLE', `${this.label} is unreachable: ${cause}`, undefined, {
        cause: err,
      });
    }
  }

  async #readyAndPing(): Promise<void> {
    if (this.#client.status === 'wait') {
      // Rejections of connect() are reported through 'error'; retries go on until our bound.
      this.#client.connect().catch(() => undefined);
    }
    if (this.#client.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        const onReady = (): void => {
          this.#client.off('error', onError);
          resolve();
        };
        // Retrying cannot fix a wrong password: give up at once. A refused or failed connection
        // is retried a few times (~1 s of backoff, as ToolHive's client does) within the bound.
        let failures = 0;
        const onError = (err: Error): void => {
          if (!AUTH_ERROR.test(err.message) && ++failures < CONNECT_ATTEMPTS) return;
          this.#client.off('ready', onReady);
          this.#client.off('error', onError);
          reject(err);
        };
        this.#client.once('ready', onReady);
        this.#client.on('error', onError);
      });
    }
    // A wrong password or NOAUTH shows here, with Redis's own message.
    await this.#client.ping();
  }

  async healthy(timeoutMs: number): Promise<boolean> {
    if (this.#client.status !== 'ready') return false;
    try {
      await bounded(this.#client.ping(), timeoutMs, 'ping');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (this.#client.status === 'ready') {
      await bounded(this.#client.quit(), 1000, 'quit').catch(() => undefined);
    }
    this.#client.disconnect();
  }
}

/** OpenSSL's "<id>:error:<code>:SSL routines:<function>:<reason>:<source file>:..." */
const OPENSSL_ERROR = /^[0-9A-F]+:error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):/;

/**
 * An error's message for an operator: OpenSSL's reason without its source location, and the
 * last node's error that a Cluster keeps beside "Failed to refresh slots cache.".
 */
function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const ssl = OPENSSL_ERROR.exec(err.message);
  // ioredis's Sentinel retry note is about its own loop, not the cause.
  const message = ssl === null ? err.message.replace(/ Retrying from scratch after \d+ms\./, '') : `TLS handshake failed: ${ssl[1]}`;
  const last = (err as Error & { lastNodeError?: Error }).lastNodeError;
  return last === undefined ? message : `${message} (last node error: ${describeCause(last)})`;
}

function decision(buckets: readonly BucketRef[], reply: unknown[], withState: boolean): Decision {
  const reject = reply[0] as number;
  let states: BucketState[] | undefined;
  if (withState) {
    states = buckets.map((b, i) => ({ key: b.key, scope: b.scope, tokens: Number(reply[2 + i]), capacity: b.maxTokens }));
  }
  return {
    allowed: reject === 0,
    rejectedScope: reject === 0 ? undefined : buckets[reject - 1]!.scope,
    retryAfterSeconds: reply[1] as number,
    buckets: states,
  };
}

export function createRedisStore(cfg: RedisConfig, opts: RedisStoreOptions): RedisStore {
  return new RedisStore(cfg, opts);
}
