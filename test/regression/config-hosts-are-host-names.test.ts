// SPEC §1 §2: host, target_host, the Redis addresses and `run --host` are host names or IP
// literals, checked when the config is loaded. target_host used to be pasted into the upstream
// origin unchecked ("a/b" -> http://a/b:18901, "evil@127.0.0.1" -> another upstream, "a:b" ->
// "internal error: Invalid URL" at run); "host":"999.1.1.1" passed validate and failed at run
// with ENOTFOUND (exit 3); `run --host ''` listened on every interface.
import t from 'tap';
import { main } from '../../src/cli/main.js';
import { load, problems } from '../unit/config/helpers.js';

const http = { name: 'h', transport: 'streamable-http', port: 18910, target_port: 18901 };
const stdio = { name: 'h', transport: 'stdio', command: 'node' };

t.test('§2 target_host must be a host name or an IP literal, at /target_host', async (t) => {
  for (const bad of ['a:b', 'a/b', 'evil@127.0.0.1', '127.0.0.1/foo?', 'a b', '999.1.1.1', '1.2.3', '010.1.1.1', 'x.0x10', '[::1', 'fe80::1%eth0', 'bücher.example', '-a.example']) {
    const lines = problems(load({ ...http, target_host: bad }));
    t.equal(lines.length, 1, `${bad}: ${lines.join('; ')}`);
    t.match(lines[0], /^\/target_host: /, bad);
    t.notMatch(lines[0] ?? '', /internal error/, bad);
  }
  t.match(problems(load({ ...http, target_host: 'a:b' }))[0], /must be a host name or an IP address/);
  t.match(problems(load({ ...http, target_host: '999.1.1.1' }))[0], /not a valid IPv4 address/);
});

t.test('§2 target_host accepts names, IPv4 and IPv6 (bare or bracketed); the origin is what it says', async (t) => {
  const cases: [string, string][] = [
    ['127.0.0.1', 'http://127.0.0.1:18901'],
    ['mcp-server.default.svc.cluster.local', 'http://mcp-server.default.svc.cluster.local:18901'],
    ['localhost.', 'http://localhost.:18901'],
    ['my_host', 'http://my_host:18901'],
    ['::1', 'http://[::1]:18901'],
    ['[::1]', 'http://[::1]:18901'],
  ];
  for (const [host, origin] of cases) {
    const r = load({ ...http, target_host: host });
    t.equal(r.ok, true, `${host}: ${problems(r).join('; ')}`);
    if (r.ok && r.config.upstream.kind === 'http') t.equal(r.config.upstream.origin, origin, host);
  }
});

t.test('§2 host: a dotted all-numeric host must be a valid IPv4 address (syntax only, nothing resolved)', async (t) => {
  t.match(problems(load({ ...stdio, host: '999.1.1.1' })), [/^\/host: .*not a valid IPv4 address/]);
  t.match(problems(load({ ...stdio, host: '127.1' })), [/^\/host: /]);
  t.match(problems(load({ ...stdio, host: 'a/b' })), [/^\/host: must be a host name or an IP address/]);
  for (const ok of ['0.0.0.0', '::', '[::1]', 'fe80::1%lo', 'localhost', 'no-such-host.invalid']) t.equal(load({ ...stdio, host: ok }).ok, true, ok);
  const bracketed = load({ ...stdio, host: '[::1]' });
  t.equal(bracketed.ok && bracketed.config.host, '::1', 'listened on without the brackets');
});

t.test('§13 Redis addresses: the host part is checked the same way', async (t) => {
  const rl = { shared: { maxTokens: 1, refillPeriod: '1s' } };
  t.match(problems(load({ ...stdio, rate_limit_config: rl, scaling_config: { session_redis: { address: 'a/b:6379' } } })), [/^\/scaling_config\/session_redis\/address: /]);
  t.match(problems(load({ ...stdio, rate_limit_config: rl, scaling_config: { session_redis: { address: '999.1.1.1:6379' } } })), [/^\/scaling_config\/session_redis\/address: /]);
  t.equal(load({ ...stdio, rate_limit_config: rl, scaling_config: { session_redis: { address: 'redis.svc:6379' } } }).ok, true);
});

async function cli(...args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await main(['node', 'thv-proxy', ...args], { stdout: () => undefined, stderr: (s) => (stderr += s) });
  return { code, stderr };
}

t.test('§1 run --host with an empty or malformed value is a usage error (exit 2), like other bad flag values', async (t) => {
  for (const bad of ['', 'a/b', '999.1.1.1']) {
    const r = await cli('run', '--config', '/nonexistent.json', '--host', bad, '--port', '0');
    t.equal(r.code, 2, `--host ${JSON.stringify(bad)}: ${r.stderr}`);
    t.match(r.stderr, /--host/, bad);
  }
});
