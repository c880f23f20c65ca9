// Profile: thv-proxy + Redis limiter run under `node --cpu-prof`, warmed up, then S seconds of
// tools/call load; stopped with SIGTERM (so V8 writes the profile) and summarised.
import { mkdirSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summariseProfile } from '../lib/profileSummary.mjs';
import { TOOLS_CALL } from '../lib/bodies.mjs';


export async function profile(stack, loader, opts, log) {
  const SERVER = opts.target;
  const dir = join(dirname(dirname(fileURLToPath(import.meta.url))), 'results', `profile-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  await stack.ensure(SERVER, { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
  const url = stack.url(SERVER);
  log(`profile: ${SERVER} under node --cpu-prof; warm-up ${opts.warmup} s, then ${opts.profile} s of load`);
  await loader.run({ url, body: TOOLS_CALL, seconds: opts.warmup, connections: opts.connections });
  const load = await loader.run({ url, body: TOOLS_CALL, seconds: opts.profile, connections: opts.connections });
  const child = stack.running.get(SERVER).child;
  await child.stop();
  stack.running.delete(SERVER);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}: did thv-proxy exit cleanly on SIGTERM? stderr:\n${child.stderr}`);
  const s = summariseProfile(join(dir, file));
  const rows = (list) => list.map((r) => `| ${r.name.replace(/\|/g, '\\|')} | ${r.ms.toFixed(0)} | ${r.pct.toFixed(1)} % |`).join('\n');
  const markdown = `Profile of thv-proxy + Redis limiter (${file}; includes start-up and warm-up), ${Math.round(load.rps)} req/s during the profiled load, ${s.totalBusyMs.toFixed(0)} ms busy (idle left out)

| area (self time) | ms | share |
|---|---|---|
${rows(s.areas)}

| function (self time) | ms | share |
|---|---|---|
${rows(s.functions)}`;
  return { file: join(dir, file), load, ...s, markdown };
}
