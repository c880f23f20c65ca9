// The Lua scripts, read once at module load. The path is resolved relative to this module and
// is the same from src/ratelimit/ and dist/ratelimit/ (both two levels below the package root,
// and package.json ships src/ratelimit/lua), so dist needs no copy step.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface LuaScript {
  readonly lua: string;
  /** SHA1 of the source, as EVALSHA and SCRIPT LOAD name it. */
  readonly sha: string;
}

function read(file: string): string {
  return readFileSync(new URL(`../../src/ratelimit/lua/${file}`, import.meta.url), 'utf8');
}

// Both scripts start with the same refill step, kept once in refill.lua: the dry-run must judge
// with exactly the arithmetic that consumes.
const REFILL = read('refill.lua');

function load(file: string): LuaScript {
  const lua = `${REFILL}\n${read(file)}`;
  return Object.freeze({ lua, sha: createHash('sha1').update(lua).digest('hex') });
}

export const CONSUME_SCRIPT = load('consume.lua');
export const PEEK_SCRIPT = load('peek.lua');
