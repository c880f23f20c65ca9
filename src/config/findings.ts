// What the checking steps of the loader collect: every error (with the JSON pointer of its
// field) and every warning, so one run reports all problems at once, not just the first.

import type { ConfigProblem } from './types.js';

export class Findings {
  readonly errors: ConfigProblem[] = [];
  readonly warnings: string[] = [];

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  warn(message: string): void {
    this.warnings.push(message);
  }
}

/** A plain JSON object (not an array, not null). The checks run on unvalidated input. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
