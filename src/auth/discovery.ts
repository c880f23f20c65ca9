// OIDC discovery (SPEC §9): where the issuer publishes its keys, from
// `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4). The document must
// name the identical issuer (§4.3: a mismatch means the document is not this issuer's), and its
// jwks_uri passes the same guards as a configured one when it is fetched (idpClient.ts).

import type { IdpClient } from './idpClient.js';

export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/** The jwks_uri of the issuer's discovery document; rejects with a sentence naming what failed. */
export async function discoverJwksUri(client: IdpClient, issuer: string): Promise<string> {
  const url = discoveryUrl(issuer);
  const doc = (await client.getJson(url)) as Record<string, unknown> | undefined;
  if (typeof doc !== 'object' || doc === null) throw new Error(`${url} is not a JSON object`);
  // Identical, trailing slash included: tokens carry this exact string as `iss`, and a near miss
  // accepted here would refuse every token later (the check compared without slashes once).
  if (doc.issuer !== issuer) {
    const slash = typeof doc.issuer === 'string' && doc.issuer.replace(/\/+$/, '') === issuer.replace(/\/+$/, '');
    const hint = slash ? `; they differ only by a trailing slash, and tokens carry the provider's spelling: set oidc_config.issuer to ${JSON.stringify(doc.issuer)}` : '';
    throw new Error(`${url} names issuer ${JSON.stringify(doc.issuer ?? null)}, not ${JSON.stringify(issuer)}${hint}`);
  }
  if (typeof doc.jwks_uri !== 'string' || !URL.canParse(doc.jwks_uri)) throw new Error(`${url} has no jwks_uri`);
  return doc.jwks_uri;
}
