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

function load(file: string): LuaScript {
  const lua = readFileSync(new URL(`../../src/ratelimit/lua/${file}`, import.meta.url), 'utf8');
  return Object.freeze({ lua, sha: createHash('sha1').update(lua).digest('hex') });
}

export const CONSUME_SCRIPT = load('consume.lua');
export const PEEK_SCRIPT = load('peek.lua');
