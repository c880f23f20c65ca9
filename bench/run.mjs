#!/usr/bin/env node
// `npm run bench`: starts everything itself (upstream, Redis, webhook, the anchors' baselines,
// thv-proxy in several configs) on free ports, measures, prints a markdown table and writes the
// raw JSON to bench/results/. Modes: compare (default), --soak S, --streams N, --profile S.
// Method and numbers: docs/performance.md. Baselines copied from ../shared/bench-anchors/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { readArgs } from './lib/args.mjs';
import { pickLoader } from './lib/load.mjs';
import { Stack } from './lib/stack.mjs';
import { stopAll } from './lib/children.mjs';
import { table, ratios } from './lib/report.mjs';
import { compare } from './modes/compare.mjs';
import { soak } from './modes/soak.mjs';
import { streams } from './modes/streams.mjs';
import { profile } from './modes/profile.mjs';

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'results');
const log = (line) => process.stderr.write(`${line}\n`);

function save(mode, data) {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${mode}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2));
  log(`raw results: ${file}`);
}

async function main() {
  const opts = readArgs(process.argv.slice(2));
  const loader = pickLoader(opts.loader);
  const stack = new Stack();
  const env = { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loader: loader.name, date: new Date().toISOString() };
  const stopping = async (sig) => { log(`\n${sig}: stopping children`); await stack.stop().catch(() => {}); await stopAll(); process.exit(130); };
  process.once('SIGINT', stopping);
  process.once('SIGTERM', stopping);
  try {
    if (opts.soak) {
      const r = await soak(stack, loader, opts, log);
      console.log(r.markdown);
      save('soak', { env, opts, ...r });
    } else if (opts.streams) {
      const r = await streams(stack, loader, opts, log);
      console.log(r.markdown);
      save('streams', { env, opts, ...r });
    } else if (opts.profile) {
      const r = await profile(stack, loader, opts, log);
      console.log(r.markdown);
      save('profile', { env, opts, ...r });
    } else {
      log(`compare: ${opts.rounds} rounds x ${opts.duration} s, ${opts.connections} connections, load by ${loader.name}, ${env.cpus} CPUs, node ${env.node}`);
      const rows = await compare(stack, loader, opts, log);
      const checks = ratios(rows);
      const lines = checks.length ? checks.map((c) => `- ${c.text}`).join('\n') : '- none: the selected scenarios pair no baseline';
      console.log(`\n${table(rows)}\n\nRatios (medians, same run):\n${lines}`);
      save('compare', { env, opts, rows, ratios: checks });
    }
  } finally {
    loader.close();
    await stack.stop();
    await stopAll();
  }
}

main().catch(async (err) => {
  log(`bench failed: ${err.stack ?? err}`);
  await stopAll();
  process.exit(1);
});
