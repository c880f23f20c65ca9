// Compiles `authz_config` / `authz_config_path` (ToolHive's authz.Config, type `cedarv1`) once, at
// load: the file read, every policy parsed by the Cedar engine (a problem names the policy's
// index), entities_json parsed and checked by the engine, the claim options checked. What
// ToolHive accepts, thv-proxy accepts; what it refuses at startup, `validate` refuses.
//
// As in ToolHive (runner.RunConfigBuilder), a set authz_config_path wins over authz_config. The
// file is JSON; ToolHive's YAML form (.yaml/.yml) is refused with a message (no YAML parser here).

import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { Report } from '../chain/stage.js';
import { isJsonObject } from '../json.js';
import { fileErrorCause } from '../config/findings.js';
import { entitiesProblem, policyProblem, PolicySet, type CedarEntity } from './engine.js';
import type { ClaimSettings } from './principal.js';
import { mergeUses, policyUse, type AttributeUse } from './attributeUse.js';

export interface AuthzSource {
  /** authz_config as written (null when absent). */
  readonly config: unknown;
  /** authz_config_path ("" or absent: null). */
  readonly path: string | null;
}

export interface AuthzParams {
  readonly policies: readonly string[];
  readonly policySet: PolicySet;
  readonly entities: readonly CedarEntity[];
  readonly claims: ClaimSettings;
  /** The attributes the policies can read: only those are sent with a decision. */
  readonly use: AttributeUse;
  /** The same per policy: a request sends what the policies that can apply to it read. */
  readonly uses: readonly AttributeUse[];
  /** Where the policies came from, for `validate`. */
  readonly origin: string;
}

const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Cedar identifiers (group_entity_type); ToolHive checks it with Cedar's parser, as below. */
const CLAIM_OPTIONS = ['group_claim_name', 'role_claim_name', 'group_entity_type'] as const;

/** Reports a problem at a pointer inside the authorization document (inline or in its file). */
type Where = (path: string, message: string) => void;

function readAuthzFile(path: string, report: Report): unknown {
  const at = '/authz_config_path';
  const ext = extname(path).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') {
    report(at, `${JSON.stringify(path)}: YAML authorization files are not supported by thv-proxy; write the same document as JSON`);
    return undefined;
  }
  if (ext !== '.json' && ext !== '') {
    report(at, `${JSON.stringify(path)}: unsupported file format ${ext} (ToolHive reads .json, .yaml, .yml; thv-proxy reads JSON)`);
    return undefined;
  }
  let text: string;
  try {
    const info = statSync(path);
    if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
    if (info.size > MAX_FILE_BYTES) {
      report(at, `${JSON.stringify(path)} is larger than 4 MiB`);
      return undefined;
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    report(at, `cannot read ${JSON.stringify(path)}: ${fileErrorCause(err)}`);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    report(at, `${JSON.stringify(path)} is not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
}

function isCedarIdentifier(name: string): boolean {
  return policyProblem(`permit(principal in ${name}::"x", action, resource);`) === undefined;
}

function compileDocument(doc: unknown, where: Where): Omit<AuthzParams, 'origin'> | null {
  const bad = (path: string, message: string): null => {
    where(path, message);
    return null;
  };
  if (!isJsonObject(doc)) return bad('', 'expected an object {"version":"1.0","type":"cedarv1","cedar":{...}}');
  if (typeof doc.version !== 'string' || doc.version === '') return bad('/version', 'version is required (e.g. "1.0")');
  if (doc.type !== 'cedarv1') {
    if (typeof doc.type !== 'string' || doc.type === '') return bad('/type', 'type is required: "cedarv1"');
    return bad('/type', `unsupported authorizer type ${JSON.stringify(doc.type)}: thv-proxy implements "cedarv1" (ToolHive's httpv1 calls an external policy decision point)`);
  }
  const cedar = doc.cedar;
  if (!isJsonObject(cedar)) return bad('/cedar', "cedar configuration is required (missing 'cedar' field)");
  const policies = cedar.policies;
  if (!Array.isArray(policies) || policies.length === 0) return bad('/cedar/policies', 'at least one policy is required for Cedar authorization');
  let ok = true;
  policies.forEach((p: unknown, i) => {
    if (typeof p !== 'string') {
      ok = bad(`/cedar/policies/${i}`, 'a policy is a string of Cedar text') ?? false;
      return;
    }
    const problem = policyProblem(p);
    if (problem !== undefined) ok = bad(`/cedar/policies/${i}`, `policy ${i} does not parse: ${problem}`) ?? false;
  });
  let entities: CedarEntity[] = [];
  const ej = cedar.entities_json;
  if (ej !== undefined && ej !== null && ej !== '') {
    if (typeof ej !== 'string') {
      ok = bad('/cedar/entities_json', 'entities_json is a string holding a JSON array of Cedar entities') ?? false;
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(ej);
      } catch (err) {
        parsed = undefined;
        ok = bad('/cedar/entities_json', `failed to parse entities JSON: ${(err as Error).message}`) ?? false;
      }
      if (parsed !== undefined) {
        const problem = Array.isArray(parsed) ? entitiesProblem(parsed) : 'expected a JSON array of entities';
        if (problem !== undefined) ok = bad('/cedar/entities_json', `failed to parse entities JSON: ${problem}`) ?? false;
        else entities = parsed as CedarEntity[];
      }
    }
  }
  for (const key of CLAIM_OPTIONS) {
    if (cedar[key] !== undefined && typeof cedar[key] !== 'string') ok = bad(`/cedar/${key}`, 'expected a string') ?? false;
  }
  const groupEntityType = typeof cedar.group_entity_type === 'string' && cedar.group_entity_type !== '' ? cedar.group_entity_type : 'THVGroup';
  if (groupEntityType.includes('::')) ok = bad('/cedar/group_entity_type', `group_entity_type ${JSON.stringify(groupEntityType)} contains "::": namespaced entity types are not supported`) ?? false;
  else if (!isCedarIdentifier(groupEntityType)) ok = bad('/cedar/group_entity_type', `group_entity_type ${JSON.stringify(groupEntityType)} is not a valid Cedar identifier`) ?? false;
  const mvc = cedar.multi_valued_claims;
  if (mvc !== undefined && mvc !== null && !(Array.isArray(mvc) && mvc.every((c) => typeof c === 'string'))) ok = bad('/cedar/multi_valued_claims', 'expected an array of claim names') ?? false;
  if (typeof cedar.primary_upstream_provider === 'string' && cedar.primary_upstream_provider !== '') {
    ok = bad('/cedar/primary_upstream_provider', "takes claims from the embedded authorization server's upstream tokens, which thv-proxy does not run; ToolHive denies every request without them") ?? false;
  }
  if (!ok) return null;
  const uses = (policies as string[]).map(policyUse);
  return {
    policies: policies as string[],
    policySet: new PolicySet(policies as string[]),
    use: mergeUses(uses),
    uses,
    entities,
    claims: {
      groupClaimName: typeof cedar.group_claim_name === 'string' ? cedar.group_claim_name : '',
      roleClaimName: typeof cedar.role_claim_name === 'string' ? cedar.role_claim_name : '',
      groupEntityType,
      multiValuedClaims: Array.isArray(mvc) ? (mvc as string[]) : [],
    },
  };
}

/** null when authorization is not configured or the config has problems (reported). */
export function compileAuthz(source: AuthzSource | null, report: Report): AuthzParams | null {
  if (source === null) return null;
  if (source.path !== null) {
    if (source.config !== null) report('/authz_config', 'not used: authz_config_path is set and wins, as in ToolHive', 'warning');
    const doc = readAuthzFile(source.path, report);
    if (doc === undefined) return null;
    const file = source.path;
    const params = compileDocument(doc, (p, message) => report('/authz_config_path', `${JSON.stringify(file)} at ${p === '' ? '/' : p}: ${message}`));
    return params && { ...params, origin: `file ${file}` };
  }
  const params = compileDocument(source.config, (p, message) => report(`/authz_config${p}`, message));
  return params && { ...params, origin: 'authz_config' };
}
