// SPEC §1 dry-run's request: the body bytes from inline/@file, and the simulated client's headers.
// Problems are usage errors (exit 2).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { EXIT, ThvError } from '../../../src/errors.js';
import { buildHeaders, readRequestSource } from '../../../src/dryrun/request.js';

const dir = mkdtempSync(join(tmpdir(), 'thv-dryrun-unit-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function usageError(t: Test, p: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(err, ThvError);
  t.equal((err as ThvError).exitCode, EXIT.USAGE);
  t.match((err as ThvError).message, message);
}

t.test('§1 inline JSON is taken as its UTF-8 bytes, unparsed', async (t) => {
  const text = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"größe"}}';
  const body = await readRequestSource(text);
  t.same(body, Buffer.from(text, 'utf8'));
  t.same(await readRequestSource('not json'), Buffer.from('not json'), 'judging is the parser\'s job');
});

t.test('§1 @file is read byte for byte (BOM, CRLF, invalid UTF-8 kept)', async (t) => {
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\r\n'), Buffer.from([0xff])]);
  const path = join(dir, 'req.bin');
  writeFileSync(path, bytes);
  t.same(await readRequestSource(`@${path}`), bytes);
});

t.test('§1 a missing @file, no --request or an empty one is a usage error naming the problem', async (t) => {
  await usageError(t, readRequestSource(`@${join(dir, 'absent.json')}`), /absent\.json.*ENOENT/);
  await usageError(t, readRequestSource(`@${dir}`), /EISDIR/);
  await usageError(t, readRequestSource(undefined), /--request/);
  await usageError(t, readRequestSource(''), /--request/);
});

t.test('§1 the default headers are those of a streamable-HTTP client of this config', async (t) => {
  t.same(buildHeaders([], '127.0.0.1', 8080, 42), {
    host: '127.0.0.1:8080',
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'content-length': '42',
  });
  t.equal(buildHeaders([], '::1', 9000, 0).host, '[::1]:9000', 'IPv6 hosts are bracketed');
});

t.test('§1 --header adds or replaces, names case-insensitive, value trimmed, colons in values kept', async (t) => {
  const h = buildHeaders(['Origin: http://evil.example:8080', 'CONTENT-TYPE:text/plain', 'X-Empty:', 'Host: attacker.test'], '127.0.0.1', 8080, 1);
  t.equal(h.origin, 'http://evil.example:8080');
  t.equal(h['content-type'], 'text/plain');
  t.equal(h['x-empty'], '');
  t.equal(h.host, 'attacker.test');
  t.equal(h.accept, 'application/json, text/event-stream', 'untouched defaults stay');
  t.same(buildHeaders(['a: 1', 'A: 2'], 'localhost', 1, 0).a, '2', 'the last one wins');
});

t.test('§1 a --header that is not "Name: value" is a usage error', async (t) => {
  for (const bad of ['no-colon', ': value', 'bad name: x', 'naïve: x']) {
    const err = (() => {
      try {
        buildHeaders([bad], '127.0.0.1', 8080, 0);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    t.type(err, ThvError, bad);
    t.equal((err as ThvError).exitCode, EXIT.USAGE, bad);
  }
});
