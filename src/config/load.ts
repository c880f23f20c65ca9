// The config loader: a pipeline of steps, each of which either passes its result on or adds
// problems. read file -> parse JSON -> JSON Schema -> ToolHive fields (ignored / unenforced) ->
// semantic rules (+ webhook files) -> normalise -> deep-freeze -> warnings about the result. It never throws for bad input: `run`, `validate` and `dry-run`
// all get a LoadResult and decide what to print.

import { ThvError } from '../errors.js';
import { compileChain, rememberPlan } from '../chain/plan.js';
import { Findings, isObject } from './findings.js';
import { deepFreeze } from './freeze.js';
import { parseJsonText } from './jsonText.js';
import { normalise, type LoadOverrides } from './normalise.js';
import { readConfigFile } from './readFile.js';
import { checkRules } from './rules.js';
import { checkSchema, ignoredFieldWarnings } from './schema.js';
import type { ConfigProblem, ProxyConfig, RunConfigFile } from './types.js';
import { checkUnenforced, isUnenforced } from './unenforced.js';
import { checkMiddlewareConfigs } from './middlewareConfigs.js';
import { middlewareBodyLimit } from './middlewareParams.js';
import { exposureWarning } from './exposure.js';
import { resolveWebhookFiles } from './webhookFiles.js';
import { resolveRedisFiles } from './redisFiles.js';

export type { LoadOverrides } from './normalise.js';

/** ToolHive fields its runner feeds into the token validator: not ignored when oidc_config is set. */
function usedWithOidc(field: string, doc: unknown): boolean {
  return (field === 'thv_ca_bundle' || field === 'jwks_auth_token_file') && typeof doc === 'object' && doc !== null && (doc as { oidc_config?: unknown }).oidc_config != null;
}

export type LoadResult =
  | { readonly ok: true; readonly config: ProxyConfig; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly errors: readonly ConfigProblem[]; readonly warnings: readonly string[] };

/** Load and check a RunConfig file. Resolves to errors (never rejects) when the file is bad. */
export async function loadConfig(path: string, overrides: LoadOverrides = {}): Promise<LoadResult> {
  const read = await readConfigFile(path);
  if (!read.ok) return { ok: false, errors: [read.problem], warnings: [] };
  return loadConfigText(read.text, path, overrides, process.env);
}

/** The pipeline after the read step; `env` supplies secrets and the Redis password. */
export function loadConfigText(text: string, source: string, overrides: LoadOverrides, env: NodeJS.ProcessEnv): LoadResult {
  const parsed = parseJsonText(text);
  if (!parsed.ok) return { ok: false, errors: [parsed.problem], warnings: [] };
  const doc = parsed.value;

  const out = new Findings();
  try {
    for (const p of checkSchema(doc)) out.error(p.path, p.message);
    for (const w of ignoredFieldWarnings(doc, (f) => isUnenforced(f) || usedWithOidc(f, doc))) out.warn(w);
    const allow = new Set(overrides.allowUnenforced ?? []);
    checkUnenforced(doc, allow, out);
    checkMiddlewareConfigs(doc, allow, out);
    const ownBodyLimit = overrides.maxBodyBytes ?? (isObject(doc) && typeof doc.max_body_bytes === 'number' ? doc.max_body_bytes : undefined);
    const middlewareMaxBodyBytes = middlewareBodyLimit(doc, ownBodyLimit, out);
    checkRules(doc, { store: overrides.store ?? 'redis' }, out);
    const secrets = resolveWebhookFiles(doc, env, out);
    const redisFiles = resolveRedisFiles(doc, env, overrides.store ?? 'redis', out);
    if (out.errors.length > 0) return { ok: false, errors: out.errors, warnings: out.warnings };

    const config = normalise({ file: doc as RunConfigFile, source, overrides, env, secrets, redisFiles, middlewareMaxBodyBytes });
    const exposed = exposureWarning(config);
    if (exposed !== null) out.warn(exposed);
    const frozen = deepFreeze(config);
    // The last step: each stage compiles its part once (src/chain/plan.ts); what it cannot use
    // is an error here, so `validate` and `run` judge a config identically (SPEC §2).
    const plan = compileChain(frozen, (pointer, message, level) => (level === 'warning' ? out.warn(`${pointer}: ${message}`) : out.error(pointer, message)));
    if (out.errors.length > 0) return { ok: false, errors: out.errors, warnings: out.warnings };
    rememberPlan(frozen, plan);
    return { ok: true, config: frozen, warnings: out.warnings };
  } catch (err) {
    // A bug in a step, not a problem of the file; reported as a problem so the CLI stays calm.
    out.error('', `internal error while checking the config: ${(err as Error).message}`);
    return { ok: false, errors: out.errors, warnings: out.warnings };
  }
}

/** One line per problem: `<file>: <pointer>: <message>` (no pointer for whole-file problems). */
export function formatProblem(source: string, p: ConfigProblem): string {
  return p.path === '' ? `${source}: ${p.message}` : `${source}: ${p.path}: ${p.message}`;
}

/** The ThvError (exit code 1) that `run` and `dry-run` throw for a config that did not load. */
export function configError(source: string, errors: readonly ConfigProblem[]): ThvError {
  const lines = errors.map((p) => formatProblem(source, p));
  const count = errors.length === 1 ? '1 problem' : `${errors.length} problems`;
  return new ThvError('THV_ERR_CONFIG', `${source}: invalid config (${count})`, lines);
}

/** loadConfig for commands that stop on a bad config: the config and its warnings, or a ThvError. */
export async function loadConfigOrThrow(
  path: string,
  overrides: LoadOverrides = {},
): Promise<{ readonly config: ProxyConfig; readonly warnings: readonly string[] }> {
  const result = await loadConfig(path, overrides);
  if (!result.ok) throw configError(path, result.errors);
  return { config: result.config, warnings: result.warnings };
}
