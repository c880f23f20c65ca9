// The compile step of audit_config / audit_config_path (SPEC §12, ToolHive's audit.Config): the
// file form is read and schema-checked here, event type names are checked against ToolHive's
// list, and the log file's directory must exist and be writable — all at load, with pointers,
// so `validate` refuses what `run` could not open.

import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Report } from '../chain/stage.js';
import type { AuditConfigFile, ProxyConfig } from '../config/types.js';
import { fileErrorCause } from '../config/findings.js';
import { readConfigFileSync } from './readFile.js';
import { EVENT_TYPES } from './event.js';

/** ToolHive's default maxDataSize (1 KiB). */
export const DEFAULT_MAX_DATA_SIZE = 1024;

export interface AuditParams {
  readonly component: string;
  readonly transport: string;
  /** Only these types are written; null: all. */
  readonly eventTypes: ReadonlySet<string> | null;
  readonly excludeEventTypes: ReadonlySet<string>;
  readonly includeRequestData: boolean;
  readonly includeResponseData: boolean;
  readonly maxDataSize: number;
  /** Absolute path of the log file, or null for stdout. */
  readonly logFile: string | null;
}

function eventTypes(list: readonly string[] | undefined, pointer: string, report: Report): Set<string> {
  const out = new Set<string>();
  (list ?? []).forEach((type, i) => {
    if (EVENT_TYPES.has(type)) out.add(type);
    else report(`${pointer}/${i}`, `unknown audit event type ${JSON.stringify(type)} (known: ${[...EVENT_TYPES].join(', ')})`);
  });
  return out;
}

function checkLogFile(path: string, pointer: string, report: Report): string | null {
  const file = resolve(path);
  try {
    const st = statSync(file, { throwIfNoEntry: false });
    if (st?.isDirectory()) {
      report(pointer, `${JSON.stringify(path)} is a directory; expected a file to append audit events to`);
      return null;
    }
    accessSync(st ? file : dirname(file), constants.W_OK);
  } catch (err) {
    report(pointer, `cannot write audit events to ${JSON.stringify(path)} (${fileErrorCause(err)}); its directory must exist and be writable`);
    return null;
  }
  return file;
}

/** The audit_config object in force: audit_config itself, else the one in audit_config_path. */
function source(config: ProxyConfig, report: Report): { doc: AuditConfigFile; at: string } | null {
  const a = config.audit;
  if (a === null || a === undefined) return null;
  if (a.config !== null) {
    if (a.path !== null) report('/audit_config_path', 'not read: audit_config is set and wins (as in ToolHive)', 'warning');
    return { doc: a.config, at: '/audit_config' };
  }
  if (a.path === null) return null;
  const doc = readConfigFileSync(a.path, '/audit_config_path', report);
  return doc === null ? null : { doc, at: '/audit_config_path' };
}

/** Compile the audit settings; null when auditing is not configured (or the file is bad). */
export function compileAudit(config: ProxyConfig, report: Report): AuditParams | null {
  const src = source(config, report);
  if (src === null) return null;
  const { doc, at } = src;
  const types = eventTypes(doc.eventTypes, `${at}/eventTypes`, report);
  const excluded = eventTypes(doc.excludeEventTypes, `${at}/excludeEventTypes`, report);
  const logFile = doc.logFile === undefined ? null : checkLogFile(doc.logFile, `${at}/logFile`, report);
  return {
    // ToolHive's runner sets the server name when the config names no component.
    component: doc.component || config.name,
    transport: config.transport,
    eventTypes: types.size > 0 ? types : null,
    excludeEventTypes: excluded,
    includeRequestData: doc.includeRequestData === true,
    includeResponseData: doc.includeResponseData === true,
    maxDataSize: doc.maxDataSize === undefined || doc.maxDataSize === 0 ? DEFAULT_MAX_DATA_SIZE : doc.maxDataSize,
    logFile,
  };
}

/** What `validate` prints for auditing: what is written, where. */
export function auditSummary(p: AuditParams): string {
  const data = [p.includeRequestData ? 'request' : '', p.includeResponseData ? 'response' : ''].filter(Boolean).join(' and ');
  const parts = [
    `events to ${p.logFile ?? 'stdout'}`,
    `component ${p.component}`,
    p.eventTypes ? `only ${[...p.eventTypes].join(', ')}` : 'every event type',
  ];
  if (p.excludeEventTypes.size > 0) parts.push(`except ${[...p.excludeEventTypes].join(', ')}`);
  parts.push(data ? `${data} data up to ${p.maxDataSize} bytes` : 'no request/response data');
  return parts.join('; ');
}
