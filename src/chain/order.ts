// The order of the chain, written once, as data (SPEC: body limit -> host/origin guard ->
// authentication -> MCP parser -> tool filter -> rate limit -> mutating webhooks -> validating
// webhooks -> authorization -> proxy). Adding a stage is one module (src/chain/stage.ts) and one
// line here, with the reason it sits where it does.

import type { StageModule } from './stage.js';
import { authenticationStage } from '../auth/stage.js';
import { authorizationStage } from '../authz/stage.js';
import { bodyLimitStage } from '../guard/bodyLimitStage.js';
import { hostGuardStage } from '../guard/hostGuardStage.js';
import { parserStage } from '../mcp/parserStage.js';
import { stdioEndpointStage } from '../stdio/endpointStage.js';
import { rateLimitStage } from '../ratelimit/stage.js';
import { mutatingWebhookStage } from '../webhook/mutatingStage.js';
import { webhookStage } from '../webhook/stage.js';
import { toolFilterStage } from '../toolfilter/stage.js';

export const STAGE_ORDER: readonly StageModule[] = [
  // First: the HTTP message itself (target, framing) and an oversized body are refused before
  // any other work is spent on them.
  bodyLimitStage,
  // Before parsing: DNS-rebinding protection needs only headers, and behind a proxy the upstream
  // sees our Host, so it cannot protect itself. Only on loopback listeners.
  hostGuardStage,
  // Identity before everything that reads it (per-user buckets, webhooks' principal); after the
  // guards, so a DNS-rebinding page or an oversized message costs no token verification.
  authenticationStage,
  // Every decision after this reads the parsed message; nothing re-parses the body.
  parserStage,
  // Right after the parser, as ToolHive's tool filter sits before its parser: a call to a hidden
  // tool costs nothing more, and a renamed call carries its real name into every later stage
  // (rate-limit tool buckets, webhooks and Cedar judge the real name).
  toolFilterStage,
  // stdio upstreams: a request the endpoint cannot route (path, method, no session named) is
  // refused before it is charged or sent to a webhook, and dry-run and the log name why.
  stdioEndpointStage,
  // Before webhooks: a rejected call costs one Redis round trip instead of N webhook calls.
  rateLimitStage,
  // Before validation (and authorization): policy must judge the request that is forwarded, so
  // the rewriting comes first; after the rate limit, which already charged it by its method.
  mutatingWebhookStage,
  // Last: policy sees only requests that will otherwise be forwarded; config order, first deny wins.
  webhookStage,
  // After the webhooks (ToolHive's order): Cedar judges the request that is actually forwarded,
  // after every mutation; last before the proxy, whose answers it filters.
  authorizationStage,
];
