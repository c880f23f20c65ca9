// What the checking steps of the loader collect: every error (with the JSON pointer of its
// field) and every warning, so one run reports all problems at once, not just the first.

import type { ConfigProblem } from './types.js';

export { isJsonObject as isObject } from '../json.js';

export class Findings {
  readonly errors: ConfigProblem[] = [];
  readonly warnings: string[] = [];

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  /**
   * An error, unless one is already reported at `path`: the semantic rules re-check some values
   * the schema judged too (a URL its "uri" format let through), and one line per field is enough.
   */
  errorOnce(path: string, message: string): void {
    if (!this.errors.some((e) => e.path === path)) this.error(path, message);
  }

  warn(message: string): void {
    this.warnings.push(message);
  }
}


/** Why a file could not be read, in words an operator reads (never a stack trace). */
export function fileErrorCause(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'it is a directory';
  return e.code ?? e.message;
}
