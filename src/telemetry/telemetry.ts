// The live telemetry of one proxy (SPEC §12): what the server calls per request (start, before
// forwarding, at the response's close) and what the stages call (StageTelemetry: the rate-limit
// check, webhook calls). Built only when telemetry_config turns something on; otherwise the
// server holds no observer and the stages NO_TELEMETRY, and nothing is created per request.

import type { Attributes } from '@opentelemetry/api';
import type { RequestContext } from '../chain/types.js';
import type { TelemetryParams } from './config.js';
import type { OutgoingCall, RateLimitCheck, StageTelemetry, WebhookCallReport } from './hooks.js';
import { AttributeCache, authReason, bucketDimensions, createInstruments, INSTRUMENTATION, redisErrorType, type Instruments } from './instruments.js';
import { BoundedLabel, KnownNames, methodLabel } from './labels.js';
import { ListNamesObserver } from './listNames.js';
import { listKindOf } from '../mcp/listAnswer.js';
import { TelemetryProviders } from './provider.js';
import { RequestTracer, TracedRequest } from './tracing.js';

export class Telemetry implements StageTelemetry {
  readonly enabled = true;
  readonly providers: TelemetryProviders;
  readonly #i: Instruments;
  readonly #tracer: RequestTracer | null;
  readonly #server: string;
  readonly #transport: string;
  readonly #base: Attributes;
  readonly #rlBase: Attributes;
  readonly #tools: KnownNames;
  readonly #prompts: KnownNames;
  readonly #resources: KnownNames;
  /** Learns the names of list answers into the three above. */
  readonly #listNames: ListNamesObserver;
  readonly #clients: BoundedLabel;
  readonly #webhooks = new BoundedLabel([], 256);
  readonly #attrs = new AttributeCache();
  /** Whether the chain has an authentication stage (its decisions are counted at close). */
  readonly #authenticates: boolean;
  /**
   * Metrics are read by someone (Prometheus or OTLP). Tracing alone (metricsEnabled false, no
   * Prometheus) records none: per request that was ~6 attribute-set lookups nobody collected.
   */
  readonly #metered: boolean;

  constructor(p: TelemetryParams, opts: { authenticates: boolean; env?: NodeJS.ProcessEnv }) {
    this.providers = new TelemetryProviders(p, opts.env);
    this.#i = createInstruments(this.providers.aggregates);
    const tracer = this.providers.tracer(INSTRUMENTATION.telemetry);
    const root = this.providers.rootSampler;
    this.#tracer = tracer === null || root === null ? null : new RequestTracer(tracer, p, root, this.providers.traceIds);
    this.#server = p.serverName;
    this.#transport = p.transport;
    this.#base = Object.freeze({ server: p.serverName, transport: p.transport });
    this.#rlBase = Object.freeze({ namespace: p.namespace, server: p.serverName });
    this.#tools = new KnownNames(p.knownTools);
    this.#prompts = new KnownNames([]);
    this.#resources = new KnownNames([]);
    this.#listNames = new ListNamesObserver(this.#tools, this.#prompts, this.#resources);
    this.#clients = new BoundedLabel([]);
    this.#authenticates = opts.authenticates;
    this.#metered = this.providers.metricsRead;
  }

  /** Start the /metrics listener (exit 3 when its port is taken); resolves to its URL or null. */
  async start(): Promise<string | null> {
    return this.providers.metricsServer?.listen() ?? null;
  }

  get tracing(): boolean {
    return this.#tracer !== null;
  }

  // --- per request, called by the server -------------------------------------------------

  requestStarted(): void {
    if (this.#metered) this.#i.activeConnections.add(1, this.#base);
  }

  /**
   * Before the terminal forwards: list requests get the name observer (their answers are read),
   * and the span exists, so ctx.span carries the upstream traceparent.
   */
  forwarding(ctx: RequestContext): void {
    // A list answer names the server's real tools, prompts, resources: learn them for the labels.
    if (this.#metered && listKindOf(ctx.mcp?.method) !== null) (ctx.listEdits ??= []).push(this.#listNames);
    this.#tracer?.of(ctx);
  }

  requestEnded(ctx: RequestContext, status: number): void {
    if (this.#metered) this.#recordRequest(ctx, status);
    this.#tracer?.end(ctx, status);
  }

  #recordRequest(ctx: RequestContext, status: number): void {
    const seconds = Number(process.hrtime.bigint() - ctx.startNs) / 1e9;
    this.#i.activeConnections.add(-1, this.#base);
    const mcp = ctx.mcp;
    const method = methodLabel(mcp?.method);
    const resource = this.#resourceLabel(method, mcp?.resourceId);
    const ok = status < 400;
    const attrs = this.#attrs.get(`r ${ctx.httpMethod} ${status} ${method} ${resource}`, () => ({
      method: ctx.httpMethod,
      status_code: String(status),
      status: ok ? 'success' : 'error',
      mcp_method: method,
      mcp_resource_id: resource,
      server: this.#server,
      transport: this.#transport,
    }));
    this.#i.requests.add(1, attrs);
    this.#i.requestDuration.record(seconds, attrs);
    if (method !== 'unknown') {
      const version = ctx.req?.httpVersion ?? '1.1';
      this.#i.operationDuration.record(seconds, this.#attrs.get(`o ${method} ${resource} ${version} ${status >= 500 ? status : ''}`, () => this.#operationAttributes(method, resource, version, status)));
    }
    if (method === 'tools/call' && resource !== '') {
      this.#i.toolCalls.add(1, this.#attrs.get(`t ${resource} ${ok}`, () => ({ server: this.#server, tool: resource, status: ok ? 'success' : 'error' })));
    }
    if (this.#authenticates) this.#authDecision(ctx);
  }

  #resourceLabel(method: string, id: string | undefined): string {
    if (id === undefined || id === '') return '';
    switch (method) {
      case 'tools/call':
        return this.#tools.value(id);
      case 'prompts/get':
        return this.#prompts.value(id);
      case 'initialize':
        return this.#clients.value(id);
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return this.#resources.value(id);
      default:
        return '';
    }
  }

  #operationAttributes(method: string, resource: string, version: string, status: number): Attributes {
    const a: Attributes = { 'mcp.method.name': method, 'jsonrpc.protocol.version': '2.0' };
    if (this.#transport === 'stdio') a['network.transport'] = 'pipe';
    else {
      a['network.transport'] = 'tcp';
      a['network.protocol.name'] = 'http';
      a['network.protocol.version'] = version;
    }
    if (status >= 500) a['error.type'] = String(status);
    if (method === 'tools/call') {
      a['gen_ai.operation.name'] = 'execute_tool';
      if (resource !== '') a['gen_ai.tool.name'] = resource;
    } else if (method === 'prompts/get' && resource !== '') a['gen_ai.prompt.name'] = resource;
    return a;
  }

  #authDecision(ctx: RequestContext): void {
    let decision: string;
    let reason: string;
    if (ctx.rejectedBy === 'authentication') {
      decision = 'denied';
      reason = authReason(ctx.reason);
    } else if (ctx.principal !== undefined && ctx.principal !== null) {
      decision = 'allowed';
      reason = 'valid_token';
    } else return; // refused before authentication ran (size, Host), or a probe-like path
    this.#i.authDecisions.add(1, this.#attrs.get(`a ${decision} ${reason}`, () => ({ server: this.#server, decision, reason })));
  }

  // --- StageTelemetry --------------------------------------------------------------------

  rateLimitChecked(ctx: RequestContext, c: RateLimitCheck): void {
    const failed = c.outcome === 'failed-open' || c.outcome === 'failed-closed';
    if (this.#metered) this.#recordCheck(c, failed);
    if (this.#tracer !== null && this.#tracer.recording(ctx)) {
      const dims = c.rejectedScope === undefined ? undefined : bucketDimensions(c.rejectedScope);
      const attributes: Attributes = {
        'rate_limit.decision': c.outcome === 'rejected' ? 'rejected' : c.outcome === 'failed-closed' ? 'refused' : 'allowed',
        'rate_limit.rejected_by': dims ? `${dims.scope}_${dims.operation}` : 'none',
        'rate_limit.fail_open': c.outcome === 'failed-open',
        'db.system.name': 'redis',
      };
      (this.#tracer.of(ctx) as TracedRequest).span.setAttributes(attributes);
      this.#tracer.child(ctx, 'rate-limit check', c.startMs, c.endMs, attributes, failed ? redisErrorType(c.error) : undefined);
    }
  }

  #recordCheck(c: RateLimitCheck, failed: boolean): void {
    const i = this.#i;
    i.rateLimitCheckLatency.record((c.endMs - c.startMs) / 1000, this.#rlBase);
    if (failed) {
      const type = redisErrorType(c.error);
      i.rateLimitRedisErrors.add(1, this.#attrs.get(`re ${type}`, () => ({ ...this.#rlBase, error_type: type })));
      if (c.outcome === 'failed-open') i.rateLimitFailOpen.add(1, this.#rlBase);
    } else if (c.outcome === 'allowed') {
      for (const b of c.buckets) i.rateLimitDecisions.add(1, this.#decisionAttrs('allowed', b.scope));
    } else if (c.rejectedScope !== undefined) {
      i.rateLimitDecisions.add(1, this.#decisionAttrs('rejected', c.rejectedScope));
    }
  }

  #decisionAttrs(decision: 'allowed' | 'rejected', scope: string): Attributes {
    const d = bucketDimensions(scope);
    return this.#attrs.get(`d ${decision} ${d.scope} ${d.operation}`, () => ({ ...this.#rlBase, decision, scope: d.scope, operation_type: d.operation }));
  }

  webhookStarting(ctx: RequestContext, webhook: string): OutgoingCall | null {
    if (this.#tracer === null) return null;
    return this.#tracer.startCall(ctx, `webhook ${webhook}`, { 'thv.webhook.name': webhook, 'http.request.method': 'POST' });
  }

  webhookCalled(_ctx: RequestContext, call: OutgoingCall | null, r: WebhookCallReport): void {
    const decision = r.outcome === 'allow' ? 'allowed' : r.outcome === 'deny' ? 'denied' : 'error';
    const policy = r.outcome !== 'error' ? 'none' : r.failurePolicy === 'ignore' ? 'ignored' : 'refused';
    if (this.#metered) {
      const name = this.#webhooks.value(r.webhook);
      const attrs = this.#attrs.get(`w ${name} ${r.kind} ${decision} ${policy}`, () => ({
        server: this.#server,
        webhook: name,
        webhook_type: r.kind,
        decision,
        failure_policy_outcome: policy,
      }));
      this.#i.webhookDecisions.add(1, attrs);
      this.#i.webhookDuration.record((r.endMs - r.startMs) / 1000, attrs);
    }
    if (call instanceof TracedRequest && this.#tracer !== null) {
      const a: Attributes = { 'thv.webhook.type': r.kind, 'thv.webhook.decision': decision, 'thv.webhook.failure_policy_outcome': policy };
      if (r.status !== undefined) a['http.response.status_code'] = r.status;
      this.#tracer.endCall(call, a, r.outcome === 'error' ? 'webhook call failed' : undefined);
    }
  }

  /** SIGTERM: export what is pending, stop the /metrics listener. */
  shutdown(): Promise<void> {
    return this.providers.shutdown();
  }
}
