// Writes the latest comparison into docs/conformance.md, between two markers, so the prose around
// it (what is compared, why, how to reproduce) stays hand-written.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const BEGIN = '<!-- conformance:results:begin (written by scripts/conformance.mjs --record) -->';
const END = '<!-- conformance:results:end -->';

export function record(file, section) {
  const block = `${BEGIN}\n${section.trim()}\n${END}`;
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : `# MCP conformance through thv-proxy\n\n${BEGIN}\n${END}\n`;
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  const next = a >= 0 && b > a ? `${doc.slice(0, a)}${block}${doc.slice(b + END.length)}` : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}
