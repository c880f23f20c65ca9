// Side-by-side comparison: every scenario measured in the same run, interleaved round by round
// (the order rotates each round), medians across rounds, ratios against the baselines.
import { cpuSeconds, peakRssKb, rssKb } from '../lib/procfs.mjs';
import { selectScenarios } from '../lib/scenarios.mjs';
import { probe } from '../lib/probe.mjs';
import { median } from '../lib/stats.mjs';
import { SERVERS } from '../lib/stack.mjs';

async function measure(stack, loader, scenario, opts) {
  const srv = stack.running.get(scenario.server);
  const redis = stack.redis;
  if (redis) await redis.resetStats();
  const c0 = cpuSeconds(srv.pid), r0 = redis ? cpuSeconds(redis.pid) : 0;
  const load = await loader.run({ url: stack.url(scenario.server), body: scenario.body, seconds: opts.duration, connections: opts.connections, headers: await stack.headers(scenario) });
  const c1 = cpuSeconds(srv.pid), r1 = redis ? cpuSeconds(redis.pid) : 0;
  const calls = redis ? await redis.commandCalls() : {};
  const ops = Object.values(calls).reduce((a, b) => a + b, 0);
  const scripts = (calls.evalsha ?? 0) + (calls.eval ?? 0) + (calls.evalsha_ro ?? 0) + (calls.fcall ?? 0);
  const n = load.requests || NaN;
  return {
    ...load,
    cpuUsPerReq: ((c1 - c0) * 1e6) / n,
    redisCpuUsPerReq: ((r1 - r0) * 1e6) / n,
    redisOpsPerReq: ops / n,
    redisScriptsPerReq: scripts / n,
    redisCalls: calls,
  };
}

export async function compare(stack, loader, opts, log) {
  const wanted = selectScenarios(opts.only);
  const scenarios = [];
  for (const s of wanted) {
    try {
      await stack.ensure(s.server);
      scenarios.push(s);
    } catch (err) {
      log(`! ${s.name}: not measured — ${String(err.message).split('\n').slice(0, 6).join('\n    ')}`);
    }
  }
  const results = new Map(scenarios.map((s) => [s.name, { scenario: s, rounds: [], probe: null }]));

  log(`probing ${scenarios.length} scenarios (20 sequential requests each, Redis MONITOR on)`);
  for (const s of scenarios) {
    const p = await probe(stack.url(s.server), s.body, stack.redis, 20, await stack.headers(s));
    results.get(s.name).probe = p;
    const statuses = Object.entries(p.statuses).map(([k, v]) => `${k}x${v}`).join(' ');
    const bad = Object.keys(p.statuses).some((k) => Number(k) !== s.expect && !(s.expect === 429 && k === '200'));
    log(`  ${s.name.padEnd(18)} statuses ${statuses.padEnd(14)} Redis commands/request ${p.redisCmdsPerReq.toFixed(2)}${bad ? `  UNEXPECTED (want ${s.expect}): ${p.lastResponse?.text.slice(0, 200)}` : ''}`);
  }

  const servers = [...new Set(scenarios.map((s) => s.server))];
  log(`warming up ${servers.length} servers, ${opts.warmup} s each under load`);
  for (const name of servers) {
    const s = scenarios.find((x) => x.server === name);
    await loader.run({ url: stack.url(name), body: s.body, seconds: opts.warmup, connections: opts.connections, headers: await stack.headers(s) });
  }

  for (let r = 0; r < opts.rounds; r++) {
    const order = scenarios.map((_, i) => scenarios[(i + r) % scenarios.length]);
    for (const s of order) {
      const m = await measure(stack, loader, s, opts);
      results.get(s.name).rounds.push(m);
      log(`  round ${r + 1} ${s.name.padEnd(18)} ${Math.round(m.rps).toString().padStart(6)} req/s  p99 ${m.p99Ms.toFixed(2)} ms  CPU ${m.cpuUsPerReq.toFixed(1)} µs/req${m.non2xx ? `  non-2xx ${m.non2xx}` : ''}${m.errors ? `  socket errors ${m.errors}` : ''}`);
    }
  }

  const rows = scenarios.map((s) => {
    const { rounds, probe: p } = results.get(s.name);
    const pick = (k) => median(rounds.map((x) => x[k]));
    const srv = stack.running.get(s.server);
    return {
      name: s.name, label: s.label, server: s.server, expect: s.expect, usesRedis: SERVERS[s.server].needs.includes('redis'),
      rps: pick('rps'), p50Ms: pick('p50Ms'), p99Ms: pick('p99Ms'),
      non2xxShare: median(rounds.map((x) => x.non2xx / x.requests)),
      cpuUsPerReq: pick('cpuUsPerReq'), redisCpuUsPerReq: pick('redisCpuUsPerReq'),
      redisOpsPerReq: pick('redisOpsPerReq'), redisScriptsPerReq: pick('redisScriptsPerReq'),
      redisCmdsPerReq: p.redisCmdsPerReq, probeStatuses: p.statuses,
      peakRssKb: peakRssKb(srv.pid), rssKb: rssKb(srv.pid), rounds,
    };
  });
  return rows;
}
