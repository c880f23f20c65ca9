#!/usr/bin/env node
// `npm run conformance`: runs the MCP conformance suite's server scenarios against the reference
// server server-everything directly, then through thv-proxy (streamable HTTP upstream, and
// server-everything over stdio), and fails when any scenario's result through the proxy differs
// from the direct one. Prints the comparison table; --record also writes it into
// docs/conformance.md (without it, no tracked file changes).
//
// Flags: --record (update docs/conformance.md), --no-build (use dist/ as it is), --strict (also
// fail on the documented expected differences), --keep (keep the raw results directory).
// --no-record, the old opt-out, is accepted and changes nothing.
// Not part of `npm test`: it downloads the suite and a Node 22 binary (cached) and starts servers.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, stopAll } from './conformance/processes.mjs';
import { ensureSuite, listServerScenarios, runServerSuite } from './conformance/suite.mjs';
import { targets } from './conformance/stack.mjs';
import { EXPECTED, explain, table, verdict } from './conformance/compare.mjs';
import { record } from './conformance/record.mjs';
import { parseArgs } from './conformance/args.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SUITE_TIMEOUT_MS = 240_000;
let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`conformance: ${err.message}\n`);
  process.exit(2);
}
const log = (line) => process.stderr.write(`${line}\n`);
/** The raw results directory while a run is under way (removed on Ctrl-C too, unless --keep). */
let work = null;

function removeWork() {
  if (!work) return;
  if (args.keep) log(`raw results kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
  work = null;
}

function version(pkgDir) {
  return JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
}

async function build() {
  if (!args.build) return;
  log('building dist/ (tsc -p tsconfig.json)');
  const r = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
    cwd: ROOT,
    label: 'tsc',
    timeoutMs: 300_000,
  });
  // tsc emits even with type errors elsewhere; what matters is that the CLI is there.
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error(`build failed:\n${r.output.slice(-3_000)}`);
}

async function gitCommit() {
  const r = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, label: 'git', timeoutMs: 10_000 });
  return r.code === 0 ? r.output.trim() : 'unknown';
}

async function main() {
  await build();
  const suite = await ensureSuite(log);
  const scenarios = await listServerScenarios(suite);
  if (scenarios.length === 0) throw new Error('conformance list named no server scenario');
  work = mkdtempSync(join(tmpdir(), 'thv-conformance-'));
  const runs = [];
  try {
    for (const target of targets(ROOT, work)) {
      log(`${target.label}: starting`);
      const t = await target.open();
      try {
        log(`${target.label}: ${scenarios.length} scenarios against ${t.url}`);
        const started = Date.now();
        const r = await runServerSuite(suite, t.url, join(work, target.name), SUITE_TIMEOUT_MS);
        if (r.timedOut) log(`${target.label}: the suite timed out after ${SUITE_TIMEOUT_MS} ms`);
        log(`${target.label}: ${r.results.size} results in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        runs.push({ ...target, results: r.results });
      } finally {
        await t.close();
      }
    }
  } finally {
    removeWork();
  }

  const [direct, ...proxied] = runs;
  const verdicts = new Map();
  const differences = [];
  const expected = [];
  for (const r of proxied) {
    for (const s of scenarios) {
      const v = verdict(s, r.name, direct.results.get(s), r.results.get(s));
      verdicts.set(`${r.name}:${s}`, v);
      if (v.kind === 'different') differences.push({ run: r, scenario: s, lines: explain(direct.results.get(s), r.results.get(s)) });
      if (v.kind === 'expected') expected.push({ run: r, scenario: s, reason: v.expectation.reason });
    }
  }

  const everythingDir = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything');
  const date = new Date().toISOString().slice(0, 10);
  const facts = [
    `- date: ${date}; thv-proxy ${version(ROOT)} at commit ${await gitCommit()}, run on Node ${process.version}`,
    `- suite: @modelcontextprotocol/conformance ${suite.suiteVersion} (\`server --suite all\`, ${scenarios.length} scenarios), on Node ${suite.nodeVersion}`,
    `- server: @modelcontextprotocol/server-everything ${version(everythingDir)}`,
  ];
  const tableText = table(scenarios, runs, verdicts);
  const notes = expected.map((e) => `- ${e.scenario} (${e.run.name}): ${e.reason}`);
  const diffs = differences.map((d) => `- ${d.scenario} (${d.run.name}):\n${d.lines.map((l) => `  - ${l}`).join('\n')}`);
  const section = [
    facts.join('\n'),
    '',
    '✓ passed checks, ✗ failed checks, ⚠ warnings (the suite\'s own counts, per scenario).',
    '',
    tableText,
    '',
    `Expected differences (${expected.length}):`,
    '',
    notes.length ? notes.join('\n') : '- none',
    '',
    `Unexpected differences (${differences.length}):`,
    '',
    diffs.length ? diffs.join('\n') : '- none',
  ].join('\n');

  console.log(`\n${section}\n`);
  if (args.record) {
    record(join(ROOT, 'docs', 'conformance.md'), section);
    log('recorded in docs/conformance.md');
  } else {
    log('not recorded (npm run conformance -- --record updates docs/conformance.md)');
  }
  const failing = differences.length + (args.strict ? expected.length : 0);
  if (failing > 0) {
    log(`conformance: ${failing} scenario result(s) differ through thv-proxy`);
    return 1;
  }
  log(`conformance: every scenario has the same result through thv-proxy (${EXPECTED.length} documented expectations, ${expected.length} met)`);
  return 0;
}

let stopping = false;
async function stopOn(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping every child`);
  await stopAll();
  removeWork();
  process.exit(130);
}
process.once('SIGINT', () => void stopOn('SIGINT'));
process.once('SIGTERM', () => void stopOn('SIGTERM'));

main().then(
  async (code) => {
    await stopAll();
    process.exitCode = code;
  },
  async (err) => {
    log(`conformance: ${err instanceof Error ? err.message : String(err)}`);
    await stopAll();
    process.exitCode = 2;
  },
);
