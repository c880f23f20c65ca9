// A real OpenID Provider for the authentication tests: the `oidc-provider` package (node-oidc-
// provider, certified by the OpenID Foundation) on 127.0.0.1, issuing client-credentials access
// tokens — JWTs for the MCP resource (RFC 8707 resource indicators, RFC 9068 access tokens) and
// opaque ones for an introspection-only resource — with discovery, JWKS and RFC 7662
// introspection. It runs behind a small front server that the tests control: take the JWKS
// endpoint down, count its hits, rotate the provider's signing key (a new provider instance with
// a new kid, same issuer and port), and sign tokens a provider would never issue (expired, not
// yet valid, wrong audience, alg none, HS256 with the public key) with the provider's own key.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** The opaque-token resource: tokens for it are introspected, not verified locally. */
export const OPAQUE_RESOURCE = 'urn:thv-proxy:opaque';

export interface TestClient {
  readonly id: string;
  readonly secret: string;
}

export interface OidcProviderOptions {
  /** `aud` of JWT access tokens (the resource clients ask for); default http://mcp.test/mcp. */
  readonly audience?: string;
  /** Signing algorithm: RS256 (default) or ES256. */
  readonly alg?: 'RS256' | 'ES256';
  /** Client-credentials clients; default alice, bob, carol (the sub of their tokens is their id). */
  readonly clients?: readonly TestClient[];
  /**
   * Also the authorization-code flow for MCP clients: dynamic client registration and the
   * provider's development login/consent pages (any login name is the account, i.e. the sub).
   */
  readonly interactive?: boolean;
}

export interface SigningKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: CryptoKey;
  /** The public JWK as the JWKS publishes it. */
  readonly publicJwk: JWK;
}

export interface TestProvider {
  /** http://127.0.0.1:<port> */
  readonly issuer: string;
  readonly audience: string;
  /** The client the proxy introspects with. */
  readonly introspector: TestClient;
  readonly clients: readonly TestClient[];
  /** The key tokens are signed with now. */
  readonly key: SigningKey;
  /** GET /jwks requests served or refused so far. */
  jwksHits: number;
  /** When true, GET /jwks answers 503 (the endpoint is down; the rest of the provider is up). */
  jwksDown: boolean;
  /** A client-credentials access token from the provider's token endpoint. */
  token(client?: TestClient, resource?: string): Promise<string>;
  /** An opaque access token (introspected by the proxy). */
  opaqueToken(client?: TestClient): Promise<string>;
  /** Revoke a token at the provider (introspection then says inactive). */
  revoke(token: string, client: TestClient): Promise<void>;
  /** A JWT signed with the provider's current key (or `key`), with the given claims and header. */
  sign(claims: JWTPayload, opts?: { header?: Record<string, unknown>; key?: SigningKey }): Promise<string>;
  /**
   * New signing key with a new kid: the provider publishes only it from now on — or, with
   * `keepPrevious`, it first and the previous keys after it, as an issuer does mid-rotation.
   */
  rotate(opts?: { keepPrevious?: boolean }): Promise<SigningKey>;
  close(): Promise<void>;
}

let kidCounter = 0;

async function newKey(alg: 'RS256' | 'ES256'): Promise<{ key: SigningKey; privateJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `key-${++kidCounter}-${Date.now().toString(36)}`;
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { key: { kid, alg, privateKey: privateKey as CryptoKey, publicJwk }, privateJwk };
}

const DEFAULT_CLIENTS: readonly TestClient[] = [
  { id: 'alice', secret: 'alice-secret' },
  { id: 'bob', secret: 'bob-secret' },
  { id: 'carol', secret: 'carol-secret' },
];

function basic(c: TestClient): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`).toString('base64')}`;
}

export async function startOidcProvider(opts: OidcProviderOptions = {}): Promise<TestProvider> {
  const alg = opts.alg ?? 'RS256';
  const audience = opts.audience ?? 'http://mcp.test/mcp';
  const clients = opts.clients ?? DEFAULT_CLIENTS;
  const introspector: TestClient = { id: 'thv-proxy', secret: 'proxy-secret' };

  // The front server listens first: the issuer URL needs the port.
  let callback: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const front = http.createServer((req, res) => {
    if (req.url?.startsWith('/jwks')) {
      state.jwksHits++;
      if (state.jwksDown) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
        return;
      }
    }
    callback!(req, res);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;

  const makeProvider = (privateJwks: readonly JWK[]): Provider => {
    const provider = new Provider(issuer, {
      clients: [...clients, introspector].map((c) => ({
        client_id: c.id,
        client_secret: c.secret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        id_token_signed_response_alg: alg,
        introspection_endpoint_auth_method: 'client_secret_basic',
      })),
      jwks: { keys: [...privateJwks] },
      features: {
        devInteractions: { enabled: opts.interactive === true },
        registration: { enabled: opts.interactive === true },
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        revocation: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => audience,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) =>
            resource === OPAQUE_RESOURCE
              ? { scope: 'openid', audience: OPAQUE_RESOURCE, accessTokenFormat: 'opaque' }
              : { scope: 'openid', audience: resource, accessTokenFormat: 'jwt', jwt: { sign: { alg } } },
        },
      },
      ttl: { ClientCredentials: 600 },
    });
    return provider;
  };

  const first = await newKey(alg);
  let published = [first.privateJwk];
  callback = makeProvider(published).callback();

  const tokenRequest = async (client: TestClient, resource: string): Promise<string> => {
    const res = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client) },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'openid', resource }).toString(),
    });
    const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!body.access_token) throw new Error(`token endpoint: ${res.status} ${body.error}: ${body.error_description}`);
    return body.access_token;
  };

  const state: TestProvider = {
    issuer,
    audience,
    introspector,
    clients,
    key: first.key,
    jwksHits: 0,
    jwksDown: false,
    token: (client = clients[0]!, resource = audience) => tokenRequest(client, resource),
    opaqueToken: (client = clients[0]!) => tokenRequest(client, OPAQUE_RESOURCE),
    async revoke(token, client) {
      const res = await fetch(`${issuer}/token/revocation`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client) },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      });
      if (res.status !== 200) throw new Error(`revocation: ${res.status}`);
    },
    async sign(claims, o = {}) {
      const key = o.key ?? state.key;
      const header = { alg: key.alg, kid: key.kid, typ: 'at+jwt', ...o.header };
      return await new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
    },
    async rotate(o = {}) {
      const next = await newKey(alg);
      published = o.keepPrevious === true ? [next.privateJwk, ...published] : [next.privateJwk];
      callback = makeProvider(published).callback();
      (state as { key: SigningKey }).key = next.key;
      return next.key;
    },
    close: () =>
      new Promise<void>((resolve) => {
        front.closeAllConnections();
        front.close(() => resolve());
      }),
  };
  return state;
}

/**
 * A browser for the provider's development login and consent pages: follows redirects from an
 * authorization URL, keeping cookies, signs in as `login`, consents, and returns the redirect to
 * `redirectPrefix` (the client's callback, with the code) without following it.
 */
export async function browserLogin(authorizationUrl: string, login: string, redirectPrefix: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  let body: string | undefined;
  for (let step = 0; step < 20; step++) {
    const headers: Record<string, string> = { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method: body === undefined ? 'GET' : 'POST', headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location')!, url);
      if (next.href.startsWith(redirectPrefix)) return next;
      url = next.href;
      body = undefined;
      continue;
    }
    const html = await res.text();
    const action = /action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (action === undefined || prompt === undefined) throw new Error(`no login or consent form at ${url} (${res.status}): ${html.slice(0, 300)}`);
    body = prompt === 'login' ? new URLSearchParams({ prompt, login, password: 'any' }).toString() : new URLSearchParams({ prompt }).toString();
    url = new URL(action, url).href;
  }
  throw new Error('the login did not reach the callback in 20 steps');
}
