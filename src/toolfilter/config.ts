// Compiles `tools_filter` and `tools_override` (SPEC §10) once, at load, with ToolHive's rules
// (pkg/mcp/tool_filter.go, runner.RunConfigBuilder): filter names are non-empty; an override
// sets a name or a description (or both). Stricter than ToolHive: two overrides may not give the
// same new name (Go's map order would pick one at random).

import type { Report } from '../chain/stage.js';
import { isJsonObject } from '../json.js';

export interface ToolOverride {
  /** The name the client sees ("" keeps the real one). */
  readonly name: string;
  /** The description the client sees ("" keeps the real one). */
  readonly description: string;
}

export interface ToolFilterParams {
  /** Names as the client sees them (after renaming); empty: every tool is visible. */
  readonly visible: ReadonlySet<string>;
  /** By real name. */
  readonly overrides: ReadonlyMap<string, ToolOverride>;
  /** Client-visible name -> real name, for the overrides that rename. */
  readonly realNames: ReadonlyMap<string, string>;
}

export interface ToolsSource {
  readonly filter: readonly string[];
  readonly override: Readonly<Record<string, unknown>>;
}

export function compileToolFilter(source: ToolsSource | null, report: Report): ToolFilterParams | null {
  if (source === null) return null;
  let ok = true;
  const visible = new Set<string>();
  source.filter.forEach((name, i) => {
    if (name === '') {
      report(`/tools_filter/${i}`, 'tool name cannot be empty');
      ok = false;
    } else visible.add(name);
  });
  const overrides = new Map<string, ToolOverride>();
  const realNames = new Map<string, string>();
  for (const [real, entry] of Object.entries(source.override)) {
    const at = `/tools_override/${real.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (real === '') {
      report(at, 'tool name cannot be empty');
      ok = false;
      continue;
    }
    const e = isJsonObject(entry) ? entry : {};
    const name = typeof e.name === 'string' ? e.name : '';
    const description = typeof e.description === 'string' ? e.description : '';
    if (name === '' && description === '') {
      report(at, `tool override for ${real} must have either name or description set`);
      ok = false;
      continue;
    }
    if (name !== '') {
      const other = realNames.get(name);
      if (other !== undefined) {
        report(`${at}/name`, `${JSON.stringify(name)} is already the new name of ${JSON.stringify(other)}: a call to it could not be mapped back`);
        ok = false;
        continue;
      }
      realNames.set(name, real);
    }
    overrides.set(real, { name, description });
  }
  if (!ok || (visible.size === 0 && overrides.size === 0)) return null;
  return { visible, overrides, realNames };
}
