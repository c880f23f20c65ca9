// Ajv's errors turned into what an operator can act on: the JSON pointer of the field and a
// sentence saying what is expected (`/rate_limit_config/shared/maxTokens: must be an integer >= 1`),
// never ajv's raw output.

import type { ErrorObject } from 'ajv';
import type { ConfigProblem } from './types.js';
import { parseDuration } from './duration.js';
import { urlForDisplay } from './urlText.js';

type Schema = {
  type?: string | string[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Schema & { deprecated?: boolean }>;
  $ref?: string;
  /** Our annotations (schema.ts registers them): the sentence for a failed pattern / format. */
  patternMessage?: string;
  formatHint?: string;
};

/** Go's own words for why `text` is not a duration (the schema format only says that it is not). */
function durationProblem(text: unknown): string {
  try {
    parseDuration(String(text));
    return `not a Go duration: ${JSON.stringify(text)}`;
  } catch (err) {
    return (err as Error).message;
  }
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function typeNames(type: string | string[] | undefined): string {
  const list = Array.isArray(type) ? type : type === undefined ? [] : [type];
  return list.map((t) => ARTICLE[t] ?? t).join(' or ');
}

/** "an integer >= 1", "an integer between 0 and 65535", "a number <= 5". */
function rangeText(schema: Schema): string {
  const isInt = schema.type === 'integer' || (Array.isArray(schema.type) && schema.type.includes('integer'));
  const what = isInt ? 'an integer' : 'a number';
  const { minimum: min, maximum: max } = schema;
  if (min !== undefined && max !== undefined) return `${what} between ${min} and ${max}`;
  if (min !== undefined) return `${what} >= ${min}`;
  return `${what} <= ${max}`;
}

function normaliseKey(key: string): string {
  return key.replace(/[_-]/g, '').toLowerCase();
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/** The known field an unknown one was probably meant to be (`max_tokens` -> `maxTokens`). */
function closestField(unknown: string, schema: Schema): string | undefined {
  const known = Object.entries(schema.properties ?? {})
    .filter(([, s]) => s.deprecated !== true)
    .map(([k]) => k);
  const n = normaliseKey(unknown);
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = normaliseKey(k) === n ? 0 : editDistance(unknown, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function message(e: ErrorObject): { suffix: string; text: string } {
  const parent = (e.parentSchema ?? {}) as Schema;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(p.additionalProperty);
      const hint = closestField(field, parent);
      return { suffix: `/${escapePointer(field)}`, text: `unknown field "${field}"${hint ? ` (did you mean "${hint}"?)` : ''}` };
    }
    case 'required': {
      const field = String(p.missingProperty);
      const expected = typeNames(parent.properties?.[field]?.type) || 'an object';
      return { suffix: `/${escapePointer(field)}`, text: `missing required field "${field}" (${expected})` };
    }
    case 'type':
      if (e.instancePath === '') return { suffix: '', text: `the file must hold a JSON object, not ${jsonType(e.data)}` };
      return { suffix: '', text: `must be ${typeNames(p.type as string | string[])}, not ${jsonType(e.data)}` };
    case 'minimum':
    case 'maximum':
      return { suffix: '', text: `must be ${rangeText(parent)}` };
    case 'enum':
      return { suffix: '', text: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { suffix: '', text: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'minLength':
      return { suffix: '', text: p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters` };
    case 'format':
      if (p.format === 'go-duration') return { suffix: '', text: `${durationProblem(e.data)}; ${parent.formatHint ?? 'expected a Go duration such as "1m0s", "30s" or "500ms"'}` };
      return { suffix: '', text: p.format === 'uri' ? 'must be an absolute URL such as "https://host:port/path"' : `must be a valid ${String(p.format)}` };
    case 'pattern':
      return { suffix: '', text: `${parent.patternMessage ?? `must match ${String(p.pattern)}`}, got ${JSON.stringify(typeof e.data === 'string' ? urlForDisplay(e.data) : e.data)}` };
    case 'dependentRequired': {
      const field = String(p.missingProperty);
      return { suffix: `/${escapePointer(field)}`, text: `required when ${String(p.property)} is set (mutual TLS needs both)` };
    }
    default:
      return { suffix: '', text: e.message ?? `fails the schema rule "${e.keyword}"` };
  }
}

export function schemaErrorToProblem(e: ErrorObject): ConfigProblem {
  const { suffix, text } = message(e);
  return { path: e.instancePath + suffix, message: text };
}
