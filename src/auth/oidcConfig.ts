// The compile step of `oidc_config` (SPEC §9): ToolHive's token-validator settings read once, at
// load, into ready-to-use settings. Keys match case-insensitively, as Go's encoding/json matches
// them — ToolHive's API documents `issuer`, a Go export of the same struct writes `Issuer`, and
// both must work unchanged. Every URL is checked here (absolute, https unless insecureAllowHTTP,
// no private or loopback literal unless allowPrivateIP) and the CA bundle is read and parsed, so
// `validate` refuses what `run` could not use. Host names are checked again when they resolve
// (guardedFetch.ts): a name may point anywhere.

import { accessSync, constants } from 'node:fs';
import type { Report } from '../chain/stage.js';
import type { OidcSource } from '../config/types.js';
import { fileErrorCause } from '../config/findings.js';
import { readCaBundle } from '../config/tlsFiles.js';
import { goFoldKey } from '../config/goJsonKey.js';
import { isObject as isJsonObject } from '../config/findings.js';
import { urlForDisplay } from '../config/urlText.js';
import { literalAddressBlocked } from './addressGuard.js';

/** The keys of ToolHive's TokenValidatorConfig, as its API spells them. */
export const OIDC_KEYS = [
  'issuer',
  'audience',
  'jwksurl',
  'clientID',
  'clientSecret',
  'introspectionURL',
  'cacertPath',
  'authTokenFile',
  'allowPrivateIP',
  'insecureAllowHTTP',
  'resourceURL',
  'scopes',
] as const;

export type OidcKey = (typeof OIDC_KEYS)[number];

/** Environment variable that supplies clientSecret when the config does not (never logged). */
export const CLIENT_SECRET_ENV = 'THV_OIDC_CLIENT_SECRET';

/**
 * Go's case folding of keys (config/goJsonKey.ts): besides upper/lower case, the Kelvin sign
 * folds to "k", the long s to "s", the dotless and dotted i to "i". Lower-cased for reading.
 */
export function foldKey(key: string): string {
  return goFoldKey(key).toLowerCase();
}

const BY_FOLDED: ReadonlyMap<string, OidcKey> = new Map(OIDC_KEYS.map((k) => [foldKey(k), k]));

/** What the authentication stage needs, parsed and checked. */
export interface OidcSettings {
  /** Expected `iss`; also where discovery looks (`<issuer>/.well-known/openid-configuration`). */
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  /** JWKS URL when configured; otherwise discovered from the issuer at startup. */
  readonly jwksUrl: string | undefined;
  readonly clientId: string | undefined;
  /** From the config or THV_OIDC_CLIENT_SECRET; never logged. */
  readonly clientSecret: string | undefined;
  readonly introspectionUrl: string | undefined;
  /** PEM bundle read from cacertPath, trusted besides the system CAs (as ToolHive appends it to its pool). */
  readonly ca: Buffer | undefined;
  /** Bearer token file for discovery and JWKS requests (a Kubernetes service-account token, say). */
  readonly authTokenFile: string | undefined;
  readonly allowPrivateIp: boolean;
  readonly insecureAllowHttp: boolean;
  /** The protected resource's public URL (RFC 9728 `resource`); undefined: the proxy's own URL. */
  readonly resourceUrl: string | undefined;
  readonly scopes: readonly string[];
}


const POINTER = '/oidc_config';


/** The members of the document under their canonical names, with the key actually written. */
function canonical(doc: Readonly<Record<string, unknown>>, report: Report): Map<OidcKey, { key: string; value: unknown }> {
  const out = new Map<OidcKey, { key: string; value: unknown }>();
  for (const [key, value] of Object.entries(doc)) {
    const name = BY_FOLDED.get(foldKey(key));
    if (name === undefined) continue; // the schema step names unknown fields
    const earlier = out.get(name);
    if (earlier !== undefined) {
      // Go would silently keep the later one; two spellings of one field are a mistake to show.
      report(`${POINTER}/${key}`, `"${key}" and "${earlier.key}" are the same field (${name}; keys are case-insensitive): keep one`);
      continue;
    }
    out.set(name, { key, value });
  }
  return out;
}

interface Reader {
  string(name: OidcKey): string | undefined;
  bool(name: OidcKey): boolean;
  pointer(name: OidcKey): string;
}

function reader(fields: Map<OidcKey, { key: string; value: unknown }>): Reader {
  return {
    // "" is Go's zero value: the same as absent. Types were checked by the schema step.
    string: (name) => {
      const v = fields.get(name)?.value;
      return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
    },
    bool: (name) => fields.get(name)?.value === true,
    pointer: (name) => `${POINTER}/${fields.get(name)?.key ?? name}`,
  };
}

/** An absolute http(s) URL that the proxy may fetch, or undefined after reporting why not. */
function checkFetchUrl(value: string | undefined, pointer: string, settings: { insecureAllowHttp: boolean; allowPrivateIp: boolean }, report: Report): string | undefined {
  if (value === undefined) return undefined;
  if (!URL.canParse(value)) {
    report(pointer, `must be an absolute URL such as "https://idp.example.com/realms/mcp", got ${JSON.stringify(urlForDisplay(value))}`);
    return undefined;
  }
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    report(pointer, `must be an https URL, got ${JSON.stringify(url.protocol)}`);
    return undefined;
  }
  if (url.protocol === 'http:' && !settings.insecureAllowHttp) {
    report(pointer, `must be https (tokens are judged by what this URL serves); set insecureAllowHTTP: true only for a local test provider`);
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    report(pointer, 'must not carry credentials in the URL');
    return undefined;
  }
  if (!settings.allowPrivateIp && literalAddressBlocked(url.hostname)) {
    report(pointer, `${url.hostname} is a private, loopback or link-local address; set allowPrivateIP: true if the identity provider really runs there`);
    return undefined;
  }
  return value;
}


function checkReadable(path: string | undefined, pointer: string, report: Report): void {
  if (path === undefined) return;
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    report(pointer, `cannot read ${JSON.stringify(path)} (${fileErrorCause(err)})`);
  }
}

/** Parse oidc_config; problems go to `report` with their pointers. Null only when unusable. */
export function compileOidcConfig(source: OidcSource, report: Report): OidcSettings | null {
  if (!isJsonObject(source.document)) return null; // the schema step reports the type
  const before = { count: 0 };
  const counting: Report = (p, m) => {
    before.count++;
    report(p, m);
  };
  const fields = canonical(source.document, counting);
  const r = reader(fields);
  const guards = { insecureAllowHttp: r.bool('insecureAllowHTTP'), allowPrivateIp: r.bool('allowPrivateIP') };

  const issuer = checkFetchUrl(r.string('issuer'), r.pointer('issuer'), guards, counting);
  const jwksUrl = checkFetchUrl(r.string('jwksurl'), r.pointer('jwksurl'), guards, counting);
  const introspectionUrl = checkFetchUrl(r.string('introspectionURL'), r.pointer('introspectionURL'), guards, counting);
  if (r.string('issuer') === undefined && r.string('jwksurl') === undefined) {
    counting(POINTER, 'needs issuer (the keys are then discovered from <issuer>/.well-known/openid-configuration) or jwksurl');
  }
  const resourceUrl = r.string('resourceURL');
  if (resourceUrl !== undefined && !(URL.canParse(resourceUrl) && /^https?:$/.test(new URL(resourceUrl).protocol))) {
    counting(r.pointer('resourceURL'), `must be the absolute http(s) URL clients use for this server, such as "https://mcp.example.com/mcp", got ${JSON.stringify(urlForDisplay(resourceUrl))}`);
  }
  // ToolHive's runner fills CACertPath and AuthTokenFile from the top-level thv_ca_bundle and
  // jwks_auth_token_file; a file written for it keeps them there.
  const caPath = r.string('cacertPath') ?? source.toolhiveCaBundle;
  const ca = caPath === undefined ? undefined : readCaBundle({ path: caPath, pointer: r.string('cacertPath') !== undefined ? r.pointer('cacertPath') : '/thv_ca_bundle' }, counting);
  const authTokenFile = r.string('authTokenFile') ?? source.toolhiveAuthTokenFile;
  checkReadable(authTokenFile, r.string('authTokenFile') !== undefined ? r.pointer('authTokenFile') : '/jwks_auth_token_file', counting);

  const envSecret = source.envClientSecret === '' ? undefined : source.envClientSecret;
  const clientId = r.string('clientID');
  const clientSecret = r.string('clientSecret') ?? envSecret;
  if (introspectionUrl !== undefined && clientId !== undefined && clientSecret === undefined) {
    counting(r.pointer('clientSecret'), `introspection as client ${JSON.stringify(clientId)} needs its secret: set clientSecret or ${CLIENT_SECRET_ENV}`);
  }
  const rawScopes = fields.get('scopes')?.value;
  const scopes = Array.isArray(rawScopes) ? rawScopes.filter((s): s is string => typeof s === 'string' && s !== '') : [];

  if (before.count > 0) return null;
  return {
    issuer,
    audience: r.string('audience'),
    jwksUrl,
    clientId,
    clientSecret,
    introspectionUrl,
    ca,
    authTokenFile,
    allowPrivateIp: guards.allowPrivateIp,
    insecureAllowHttp: guards.insecureAllowHttp,
    resourceUrl,
    scopes: scopes.length > 0 ? scopes : ['openid'],
  };
}
