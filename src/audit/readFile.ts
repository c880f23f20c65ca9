// audit_config_path: a JSON file holding an audit_config object (ToolHive's older form). Read at
// load and checked against the same schema entry as an inline audit_config, so both forms are
// judged alike; problems name the file and the field inside it.

import { readFileSync } from 'node:fs';
import type { Report } from '../chain/stage.js';
import type { AuditConfigFile } from '../config/types.js';
import { fileErrorCause } from '../config/findings.js';
import { checkSchema } from '../config/schema.js';
import { isJsonObject } from '../json.js';

export function readConfigFileSync(path: string, pointer: string, report: Report): AuditConfigFile | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    report(pointer, `cannot read ${JSON.stringify(path)} (${fileErrorCause(err)})`);
    return null;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    report(pointer, `${JSON.stringify(path)} is not JSON: ${(err as Error).message}`);
    return null;
  }
  if (!isJsonObject(doc)) {
    report(pointer, `${JSON.stringify(path)} must hold a JSON object (an audit_config)`);
    return null;
  }
  // The schema's audit_config entry, applied through a minimal RunConfig around the file's object.
  const problems = checkSchema({ name: 'audit', audit_config: doc });
  for (const p of problems) report(pointer, `${JSON.stringify(path)}: ${p.path.replace(/^\/audit_config/, '') || '/'}: ${p.message}`);
  return problems.length > 0 ? null : (doc as AuditConfigFile);
}
