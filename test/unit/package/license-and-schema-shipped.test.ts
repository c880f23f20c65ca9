// What the npm package carries: the Apache-2.0 text package.json declares, and the JSON Schema
// at the path a config's "$schema" names (./node_modules/thv-proxy/schemas/runconfig.schema.json).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { RUNCONFIG_SCHEMA } from '../../../src/config/schema.js';

const ROOT = new URL('../../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { name: string; license: string; files: string[] };

t.test('LICENSE is the full Apache License 2.0 text, as package.json declares', async (t) => {
  t.equal(pkg.license, 'Apache-2.0');
  const text = readFileSync(new URL('LICENSE', ROOT), 'utf8');
  t.match(text, /^\s*Apache License\n\s*Version 2\.0, January 2004\n\s*http:\/\/www\.apache\.org\/licenses\/\n/);
  for (const section of ['1. Definitions.', '2. Grant of Copyright License.', '3. Grant of Patent License.', '4. Redistribution.', '9. Accepting Warranty or Additional Liability.', 'END OF TERMS AND CONDITIONS']) {
    t.ok(text.includes(section), section);
  }
});

t.test('the schema ships in the package, with an $id, at the path configs point to', async (t) => {
  t.ok(pkg.files.includes('schemas'), 'package.json files lists schemas/');
  t.equal(pkg.name, 'thv-proxy', 'so the path is node_modules/thv-proxy/schemas/...');
  t.match(RUNCONFIG_SCHEMA.$id, /\/schemas\/runconfig\.schema\.json$/);
  t.equal(RUNCONFIG_SCHEMA.$schema, 'https://json-schema.org/draft/2020-12/schema');
  const props = RUNCONFIG_SCHEMA.properties as Record<string, { type?: string }>;
  t.equal(props.$schema?.type, 'string', 'a config may name the schema in "$schema"');
});
