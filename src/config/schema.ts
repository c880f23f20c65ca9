// The JSON Schema step of the loader. The schema file is the single description of the RunConfig
// shape; it is compiled once, when this module loads, and every run of the loader reuses it.
// Fields marked `deprecated: true` in the schema are ToolHive fields thv-proxy does not act on:
// ignored with a warning, or — the unenforced ones (unenforced.ts) — errors.

import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ConfigProblem } from './types.js';
import { schemaErrorToProblem } from './schemaErrors.js';
import { isJsonObject as isObject } from '../json.js';
import { parseDuration } from './duration.js';

const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

export const SCHEMA_PATH = new URL('../../schemas/runconfig.schema.json', import.meta.url);

/** The parsed schema document (read-only use: tests walk it to compare it with the TS types). */
export const RUNCONFIG_SCHEMA: Readonly<Record<string, unknown>> = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));

const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
addFormats(ajv, ['uri']);
// Go's duration grammar, exactly (duration.ts), so editors and ajv see the same rule as the loader.
ajv.addFormat('go-duration', {
  type: 'string',
  validate: (text: string) => {
    try {
      parseDuration(text);
      return true;
    } catch {
      return false;
    }
  },
});
// Annotations the loader's messages read (schemaErrors.ts); editors ignore them.
ajv.addKeyword({ keyword: 'patternMessage', schemaType: 'string' });
ajv.addKeyword({ keyword: 'formatHint', schemaType: 'string' });
const validate = ajv.compile(RUNCONFIG_SCHEMA);

export function checkSchema(value: unknown): ConfigProblem[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map(schemaErrorToProblem);
}

type SchemaNode = { properties?: Record<string, SchemaNode & { deprecated?: boolean }> };

/** JSON pointers (from the root) of every ToolHive field the schema marks as ignored. */
function ignoredFieldPaths(node: SchemaNode, prefix: string[], out: string[][]): string[][] {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (child.deprecated === true) out.push([...prefix, key]);
    else if (child.properties) ignoredFieldPaths(child, [...prefix, key], out);
  }
  return out;
}

const IGNORED_FIELDS = ignoredFieldPaths(RUNCONFIG_SCHEMA as SchemaNode, [], []);


/**
 * One warning per ToolHive field present in the file: "<field> is a ToolHive field thv-proxy
 * ignores". `judgedElsewhere` names the deprecated fields another step decides on (the
 * unenforced ones, which are errors).
 */
export function ignoredFieldWarnings(value: unknown, judgedElsewhere: (field: string) => boolean = () => false): string[] {
  const warnings: string[] = [];
  for (const path of IGNORED_FIELDS) {
    if (path.length === 1 && judgedElsewhere(path[0] as string)) continue;
    let node: unknown = value;
    for (const key of path.slice(0, -1)) node = isObject(node) ? node[key] : undefined;
    const last = path[path.length - 1] as string;
    if (isObject(node) && Object.hasOwn(node, last)) {
      warnings.push(`${path.join('.')} is a ToolHive field thv-proxy ignores`);
    }
  }
  return warnings;
}
