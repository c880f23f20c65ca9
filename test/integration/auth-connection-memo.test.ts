// The authentication stage remembers each connection's last verified Authorization header
// (src/auth/middleware.ts): the memo must answer exactly as the verifier's cache would — never
// past the token's exp (with its 60 s of skew) or the cache's 5 min, never for another header,
// and never across connections' headers. Driven with the stage itself against a real provider,
// and a clock the test moves.
import t from 'tap';
import type { Socket } from 'node:net';
import { AuthenticationStage } from '../../src/auth/middleware.js';
import { compileOidcConfig } from '../../src/auth/oidcConfig.js';
import { Rejection } from '../../src/errors.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { RequestContext } from '../../src/chain/types.js';
import { startOidcProvider, type TestProvider } from '../helpers/oidcProvider.js';
import { toolsCallContext } from '../helpers/requestContext.js';

let provider: TestProvider;
let stage: AuthenticationStage;
let clockMs = Date.now();

t.before(async () => {
  provider = await startOidcProvider();
  const settings = compileOidcConfig(
    { document: { issuer: provider.issuer, audience: provider.audience, insecureAllowHTTP: true, allowPrivateIP: true }, envClientSecret: undefined },
    (p, m) => t.fail(`${p}: ${m}`),
  )!;
  stage = new AuthenticationStage(
    { settings, resource: { trustProxyHeaders: false, endpointPath: '/mcp', listenAuthority: '127.0.0.1:1' } },
    { logger: silentLogger(), now: () => clockMs },
  );
  await stage.start();
});
t.teardown(async () => {
  await stage?.close();
  await provider?.close();
});

/** A request on `socket` with this Authorization header, through the stage: 'ok' (with its sub) or the 401's reason. */
async function judge(socket: object, authorization: string): Promise<string> {
  const ctx = { ...toolsCallContext({ authorization }), req: { socket: socket as Socket }, trace: null, note: null } as unknown as RequestContext;
  const result = await stage.handle(ctx);
  if (result instanceof Rejection) return `401 ${result.reason}`;
  return `ok ${ctx.principal?.sub}`;
}

async function token(sub: string, expInS: number): Promise<string> {
  const nowS = Math.floor(clockMs / 1000);
  return provider.sign({ iss: provider.issuer, aud: provider.audience, sub, iat: nowS, exp: nowS + expInS });
}

t.test('a connection is answered from its memo only while the verifier would answer the same', async (t) => {
  const conn = {};
  const alice = `Bearer ${await token('alice', 10)}`;
  t.equal(await judge(conn, alice), 'ok alice');
  t.equal(await judge(conn, alice), 'ok alice', 'the same header again');
  // Another header on the same connection is judged for itself, not by the last one's verdict.
  t.equal(await judge(conn, `Bearer ${await token('bob', 10)}`), 'ok bob');
  t.match(await judge(conn, 'Bearer not.a.token'), /^401 /);
  t.equal(await judge(conn, alice), 'ok alice');
  // exp was 10 s ahead; 60 s of skew: accepted until 70 s, refused after — memo or not.
  clockMs += 69_000;
  t.equal(await judge(conn, alice), 'ok alice', 'within the skew');
  clockMs += 2_000;
  t.match(await judge(conn, alice), /^401 authentication: .*expired/, 'past exp + skew on the same connection');
  t.match(await judge({}, alice), /^401 authentication: .*expired/, 'and on a new one');
});

t.test('a token that stays valid is verified again after the cache deadline (5 min), memo included', async (t) => {
  const conn = {};
  const carol = `Bearer ${await token('carol', 3600)}`;
  t.equal(await judge(conn, carol), 'ok carol');
  // The issuer stops publishing carol's key. The verified token is answered from the cache for
  // up to 5 min, as before the memo existed; the key set itself is refreshed once 10 min old.
  await provider.rotate();
  const fetches = stage.jwksFetches;
  clockMs += 11 * 60_000;
  t.equal(await judge(conn, carol), 'ok carol', 'verified again with the keys still held; their refresh starts');
  t.ok(stage.jwksFetches > fetches, 'the key set is being fetched again');
  // A token of the new key waits for that fetch (an unknown kid joins the fetch in flight).
  t.equal(await judge({}, `Bearer ${await token('dave', 3600)}`), 'ok dave', 'the new key is held');
  t.equal(await judge(conn, carol), 'ok carol', 'within 5 min of that verification');
  clockMs += 6 * 60_000;
  t.match(await judge(conn, carol), /^401 authentication: .*no key/, 'past it: verified again, and its key is gone — on the same connection');
});
