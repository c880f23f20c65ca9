// Profile: thv-proxy + Redis limiter run under `node --cpu-prof`, warmed up, then S seconds of
// tools/call load; stopped with SIGTERM (so V8 writes the profile) and summarised.
import { mkdirSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summariseProfile } from '../lib/profileSummary.mjs';
import { TOOLS_CALL } from '../lib/bodies.mjs';
import { SERVERS } from '../lib/stack.mjs';

const EXIT_ON_SIGTERM = join(dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'exitOnSignal.mjs');


export async function profile(stack, loader, opts, log) {
  const SERVER = opts.target;
  const dir = join(dirname(dirname(fileURLToPath(import.meta.url))), 'results', `profile-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const preload = SERVERS[SERVER].thv ? [] : ['--import', EXIT_ON_SIGTERM];
  await stack.ensure(SERVER, { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, ...preload] });
  const url = stack.url(SERVER);
  log(`profile: ${SERVER} under node --cpu-prof; warm-up ${opts.warmup} s, then ${opts.profile} s of load`);
  // An authenticating target (thv-auth) gets the bench IdP's token, as in the compare mode.
  const headers = await stack.headers({ server: SERVER, auth: SERVERS[SERVER].thv === 'auth' });
  const warm = await loader.run({ url, body: TOOLS_CALL, seconds: opts.warmup, connections: opts.connections, headers });
  const load = await loader.run({ url, body: TOOLS_CALL, seconds: opts.profile, connections: opts.connections, headers });
  const child = stack.running.get(SERVER).child;
  await child.stop();
  stack.running.delete(SERVER);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}: did ${SERVER} exit cleanly on SIGTERM? stderr:\n${child.stderr}`);
  const requests = warm.requests + load.requests;
  const s = summariseProfile(join(dir, file), requests);
  const rows = (list) => list.map((r) => `| ${r.name.replace(/\|/g, '\\|')} | ${r.ms.toFixed(0)} | ${r.usPerReq.toFixed(1)} | ${r.pct.toFixed(1)} % |`).join('\n');
  const markdown = `Profile of ${SERVER} (${file}; start-up and warm-up included), ${requests} requests (${Math.round(load.rps)} req/s after warm-up), ${s.totalBusyMs.toFixed(0)} ms sampled busy = ${s.busyUsPerReq.toFixed(1)} µs/req (idle left out; native time includes time descheduled inside syscalls)

| area (self time) | ms | µs/req | share |
|---|---|---|---|
${rows(s.areas)}

| function (self time) | ms | µs/req | share |
|---|---|---|---|
${rows(s.functions)}`;
  return { file: join(dir, file), load, ...s, markdown };
}
