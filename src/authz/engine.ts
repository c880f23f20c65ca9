// The Cedar engine itself (@cedar-policy/cedar-wasm), never a re-implementation (SPEC §10).
// Loaded on first use with a synchronous require of the package's Node entry
// (`@cedar-policy/cedar-wasm/nodejs`, CommonJS, which compiles its WebAssembly module at require
// time): the package's default ESM entry imports the .wasm file as a module, which Node 20 does not
// support without a flag. A config without authorization never pays the ~40 ms compile.
//
// Policies are parsed once into the engine's own cache (preparsePolicySet); each decision then
// sends only the request, the context and the entities across the WebAssembly boundary.

import { createRequire } from 'node:module';

type CedarValue = unknown;
export interface EntityUid {
  readonly type: string;
  readonly id: string;
}
export interface CedarEntity {
  readonly uid: EntityUid;
  readonly attrs: Record<string, CedarValue>;
  readonly parents: readonly EntityUid[];
}

interface DetailedError {
  message: string;
  sourceLocations?: { start: number; end: number; label: string | null }[];
}
type CheckParseAnswer = { type: 'success' } | { type: 'failure'; errors: DetailedError[] };
type AuthorizationAnswer =
  | { type: 'failure'; errors: DetailedError[] }
  | { type: 'success'; response: { decision: 'allow' | 'deny'; diagnostics: { reason: string[]; errors: { policyId: string; error: DetailedError }[] } } };

interface CedarWasm {
  checkParsePolicySet(policies: { staticPolicies: Record<string, string> }): CheckParseAnswer;
  checkParseEntities(call: { entities: unknown }): CheckParseAnswer;
  preparsePolicySet(id: string, policies: { staticPolicies: Record<string, string> }): CheckParseAnswer;
  statefulIsAuthorized(call: {
    principal: EntityUid;
    action: EntityUid;
    resource: EntityUid;
    context: Record<string, CedarValue>;
    preparsedPolicySetId: string;
    entities: readonly CedarEntity[];
  }): AuthorizationAnswer;
  getCedarVersion(): string;
}

let wasm: CedarWasm | null = null;

function cedar(): CedarWasm {
  wasm ??= createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs') as CedarWasm;
  return wasm;
}

export function cedarVersion(): string {
  return cedar().getCedarVersion();
}

function describe(errors: readonly DetailedError[]): string {
  return errors
    .map((e) => {
      const at = e.sourceLocations?.[0];
      const where = at ? ` (at character ${at.start}${at.label ? `: ${at.label}` : ''})` : '';
      return `${e.message}${where}`;
    })
    .join('; ');
}

/** Why one policy does not parse, or undefined when it does. */
export function policyProblem(text: string): string | undefined {
  const answer = cedar().checkParsePolicySet({ staticPolicies: { policy: text } });
  return answer.type === 'success' ? undefined : describe(answer.errors).replace('failed to parse policy with id `policy` from string: ', '');
}

/** Why a Cedar entities document does not parse, or undefined when it does. */
export function entitiesProblem(entities: unknown): string | undefined {
  const answer = cedar().checkParseEntities({ entities });
  return answer.type === 'success' ? undefined : describe(answer.errors);
}

export interface Decision {
  /** Cedar said allow and no policy failed to evaluate (ToolHive denies on any evaluation error). */
  readonly allowed: boolean;
  /** Cedar's determining policies (`policy0` is the first entry of `policies`). */
  readonly policies: readonly string[];
  /** Policies that failed to evaluate, with why. */
  readonly errors: readonly string[];
}

export interface CedarRequest {
  readonly principal: EntityUid;
  readonly action: EntityUid;
  readonly resource: EntityUid;
  readonly context: Record<string, CedarValue>;
  readonly entities: readonly CedarEntity[];
}

let nextSetId = 0;

/** One compiled policy set: ids `policy0`..`policyN-1` as ToolHive names them. */
export class PolicySet {
  readonly #id: string;

  /** The policies must have passed policyProblem (compile did that). */
  constructor(policies: readonly string[]) {
    const staticPolicies: Record<string, string> = {};
    policies.forEach((p, i) => (staticPolicies[`policy${i}`] = p));
    this.#id = `thv-policy-set-${nextSetId++}`;
    const answer = cedar().preparsePolicySet(this.#id, { staticPolicies });
    if (answer.type !== 'success') throw new Error(`Cedar refused a policy set that parsed: ${describe(answer.errors)}`);
  }

  decide(req: CedarRequest): Decision {
    const answer = cedar().statefulIsAuthorized({ ...req, preparsedPolicySetId: this.#id });
    if (answer.type !== 'success') return { allowed: false, policies: [], errors: [describe(answer.errors)] };
    const { decision, diagnostics } = answer.response;
    const errors = diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`);
    return { allowed: decision === 'allow' && errors.length === 0, policies: diagnostics.reason, errors };
  }
}
