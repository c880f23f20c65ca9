// What a webhook's answer means (SPEC §5), apart from any I/O so it can be tested as a table:
// 200 with a boolean `allowed` decides; 422 always denies (the webhook says "this request is
// malformed for my policy", which no failure policy should wave through); everything else is a
// failure of the webhook, which its failure_policy resolves. Validating and mutating webhooks
// (SPEC §11) read answers with the same rules; a mutating stage then reads its patch from the
// answer judge() hands back.

import type { CallResult } from './client.js';

export type Verdict =
  | { readonly outcome: 'allow'; readonly status: 200 }
  | {
      readonly outcome: 'deny';
      readonly status: number;
      /** The webhook's own words, for logs only: never sent to the client. */
      readonly message: string | undefined;
      readonly reason: string | undefined;
    }
  | { readonly outcome: 'error'; readonly status: number | undefined; readonly error: string };

const ALLOW: Verdict = Object.freeze({ outcome: 'allow', status: 200 });

/** A short, single-line preview of a response body for logs. */
function preview(body: Buffer): string {
  const text = body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ').trim();
  return body.length > 200 ? `${text}...` : text;
}

function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The answer as an object; null when it is not JSON, undefined when it is JSON but no object. */
function parseObject(body: Buffer): Record<string, unknown> | null | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

/** A verdict, and the answer object behind an allow (where a mutating webhook's patch is). */
export interface Judgement {
  readonly verdict: Verdict;
  /** The parsed 200 answer when the verdict is allow; undefined otherwise. */
  readonly answer: Record<string, unknown> | undefined;
}

function only(verdict: Verdict): Judgement {
  return { verdict, answer: undefined };
}

export function judge(result: CallResult): Judgement {
  if (!result.ok) return only({ outcome: 'error', status: result.status, error: result.detail });
  const { status, body } = result;
  if (status === 422) {
    const answer = parseObject(body);
    const message = answer ? optionalString(answer['message']) : body.length ? preview(body) : undefined;
    return only({ outcome: 'deny', status, message, reason: (answer && optionalString(answer['reason'])) ?? 'HTTP 422' });
  }
  if (status !== 200) {
    return only({ outcome: 'error', status, error: `HTTP ${status}${body.length ? `: ${preview(body)}` : ''}` });
  }
  const answer = parseObject(body);
  if (answer === null) return only({ outcome: 'error', status, error: `invalid JSON in response: ${preview(body)}` });
  if (answer === undefined) return only({ outcome: 'error', status, error: 'response is not a JSON object' });
  const allowed = answer['allowed'];
  if (typeof allowed !== 'boolean') {
    return only({ outcome: 'error', status, error: `response "allowed" is ${allowed === undefined ? 'missing' : 'not a boolean'}` });
  }
  if (allowed) return { verdict: ALLOW, answer };
  return only({ outcome: 'deny', status, message: optionalString(answer['message']), reason: optionalString(answer['reason']) });
}

/** What a validating webhook's answer means. */
export function decide(result: CallResult): Verdict {
  return judge(result).verdict;
}
