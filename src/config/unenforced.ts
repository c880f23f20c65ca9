// SPEC §2 "never silently weaker than ToolHive": a ToolHive RunConfig field that makes a ToolHive
// replica enforce something thv-proxy does not is an error naming the field — a replica of the
// same config must never serve what a ToolHive replica would refuse — unless the operator names
// it in `--allow-unenforced`, which turns it into a warning.
//
// UNENFORCED_FIELDS is the one list of such fields. The stage that implements one removes its row
// (and gives the field its real schema); nothing else in the loader names these fields.
// Fields that only concern how ToolHive deploys a server (image, permission_profile, ...) are
// not here: the schema marks them `deprecated`, and they are warnings (schema.ts).

import { Findings, isObject } from './findings.js';
import { RUNCONFIG_SCHEMA } from './schema.js';
import { goField } from './goJsonKey.js';

export interface UnenforcedField {
  /** Top-level RunConfig field. */
  readonly field: string;
  /** What a ToolHive replica does because of it, completing "a ToolHive replica ...". */
  readonly does: string;
  /** When ToolHive acts on the value, if narrower than isSet (its own conditions, from pkg/runner). */
  readonly acts?: (value: unknown, doc: Record<string, unknown>) => boolean;
}

const hasEntries = (v: unknown): boolean => isObject(v) && Object.keys(v).length > 0;

export const UNENFORCED_FIELDS: readonly UnenforcedField[] = [
  { field: 'token_exchange_config', does: "exchanges the client's token for an upstream token (RFC 8693)" },
  { field: 'aws_sts_config', does: "exchanges the client's token for AWS credentials and signs upstream requests (SigV4)" },
  { field: 'upstream_swap_config', does: "swaps the client's token for the upstream identity provider's token" },
  { field: 'embedded_auth_server_config', does: "runs an OAuth authorization server and swaps or strips the client's credentials" },
  {
    field: 'header_forward',
    does: 'adds these headers to every upstream request',
    // addHeaderForwardMiddleware: only for a remote_url, and only when there are headers. Go
    // reads "Add_Plaintext_Headers" as add_plaintext_headers (goJsonKey.ts).
    acts: (v, doc) =>
      isSet(doc.remote_url) && isObject(v) && (hasEntries(goField(v, 'add_plaintext_headers')) || hasEntries(goField(v, 'add_headers_from_secret'))),
  },
  { field: 'remote_auth_config', does: 'authenticates to the remote server with OAuth' },
  { field: 'additional_middleware_configs', does: 'runs these extra middleware on every request' },
];

const BY_FIELD: ReadonlyMap<string, UnenforcedField> = new Map(UNENFORCED_FIELDS.map((f) => [f.field, f]));

export function isUnenforced(field: string): boolean {
  return BY_FIELD.has(field);
}

/**
 * Whether a value makes ToolHive act: Go skips a nil pointer and an empty slice, map or string.
 * An empty object counts (a non-nil pointer to an empty struct): ToolHive would act on it, or
 * refuse to start.
 */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  return !(Array.isArray(value) && value.length === 0);
}

/** Names `--allow-unenforced` accepts: the top-level fields of the schema ("$schema" aside). */
const TOP_LEVEL_FIELDS: ReadonlySet<string> = new Set(
  Object.keys((RUNCONFIG_SCHEMA as { properties?: Record<string, unknown> }).properties ?? {}).filter((k) => k !== '$schema'),
);

/**
 * One `--allow-unenforced` value (comma-separated field names) as a list. Throws an Error whose
 * message the CLI prints for a name that is no RunConfig field — a typo must not pass silently.
 * A field thv-proxy enforces (or ignores) is accepted, so a script keeps working once a later
 * version implements the field; the loader warns that naming it has no effect.
 */
export function parseAllowUnenforced(value: string): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new Error('expected one or more RunConfig field names, comma-separated.');
  const unknown = names.filter((n) => !TOP_LEVEL_FIELDS.has(n));
  if (unknown.length > 0) {
    const list = [...UNENFORCED_FIELDS.map((f) => f.field), 'middleware_configs'].join(', ');
    throw new Error(`not a RunConfig field: ${unknown.join(', ')} (fields thv-proxy does not enforce: ${list}).`);
  }
  return names;
}

/** Errors (or, when allowed, warnings) for every unenforced field the document sets. */
export function checkUnenforced(doc: unknown, allow: ReadonlySet<string>, out: Findings): void {
  if (!isObject(doc)) return;
  for (const { field, does, acts } of UNENFORCED_FIELDS) {
    // null, "" and [] make ToolHive do nothing either (nil pointer, empty slice or string).
    if (!isSet(doc[field]) || (acts !== undefined && !acts(doc[field], doc))) continue;
    if (allow.has(field)) {
      out.warn(`${field} is not enforced (--allow-unenforced): a ToolHive replica ${does}, this one does not`);
    } else {
      out.error(`/${field}`, `not enforced by thv-proxy: a ToolHive replica ${does}; remove the field, or pass --allow-unenforced ${field} to run without it`);
    }
  }
  for (const name of allow) {
    if (!isUnenforced(name) && name !== 'middleware_configs') out.warn(`--allow-unenforced ${name} has no effect: thv-proxy does not refuse ${name}`);
  }
}
