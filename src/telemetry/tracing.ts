// One span per request (SPEC §12), named `<mcp method> <target>` as the OTel MCP semantic
// conventions ask, continuing the client's trace (W3C traceparent in params._meta, which the MCP
// conventions prefer, else the HTTP header), with child spans for the Redis check and each
// webhook call, and its own context sent upstream and to webhooks as traceparent.
//
// The span is created lazily, at the first thing that needs it (a child span, the upstream
// headers, the response's close), with the request's arrival as its start time: by then the
// message is parsed, so its _meta can be read, and requests refused before any of that cost one
// span at the end. No context manager: parents are passed explicitly, nothing per async hop.

import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type TextMapGetter, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { RandomIdGenerator, SamplingDecision, type IdGenerator, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-base';
import type { RequestContext, RequestSpan } from '../chain/types.js';
import type { OutgoingCall } from './hooks.js';
import type { TelemetryParams } from './config.js';

const propagator = new W3CTraceContextPropagator();

const headerGetter: TextMapGetter<RequestContext['headers']> = {
  keys: (h) => Object.keys(h),
  get: (h, key) => h[key],
};

const metaGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (m) => Object.keys(m),
  get: (m, key) => (typeof m[key] === 'string' ? (m[key] as string) : undefined),
};

const setter = {
  set(carrier: Record<string, string>, key: string, value: string): void {
    carrier[key] = value;
  },
};

/** Wall-clock milliseconds of a process.hrtime.bigint() reading (spans carry epoch times). */
class Clock {
  readonly #hrBase = process.hrtime.bigint();
  readonly #epochBase = Date.now();

  epochMs(ns: bigint): number {
    return this.#epochBase + Number(ns - this.#hrBase) / 1e6;
  }
}

/** The traced side of one request: its span, the context children hang under, the headers to send. */
export class TracedRequest implements RequestSpan, OutgoingCall {
  readonly span: Span;
  readonly context: Context;
  readonly traceparent: string;
  readonly tracestate: string | undefined;

  constructor(span: Span, parent: Context) {
    this.span = span;
    this.context = trace.setSpan(parent, span);
    const carrier: Record<string, string> = {};
    propagator.inject(this.context, carrier, setter);
    this.traceparent = carrier.traceparent ?? '';
    this.tracestate = carrier.tracestate;
  }
}

/** The SDK's own random ids (never all zeros); the fast path below draws from it too. */
const randomIds = new RandomIdGenerator();

/**
 * The root sampler of new traces: the trace id's last 8 hex digits against the rate. Deterministic
 * per trace id, so the unsampled fast path below and the SDK (which is given the same id) agree.
 */
export class RatioSampler implements Sampler {
  readonly #threshold: number;

  constructor(readonly rate: number) {
    this.#threshold = rate * 0x100000000;
  }

  sampled(traceId: string): boolean {
    return parseInt(traceId.slice(24), 16) < this.#threshold;
  }

  shouldSample(_context: Context, traceId: string): SamplingResult {
    return { decision: this.sampled(traceId) ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
  }

  toString(): string {
    return `RatioSampler{${this.rate}}`;
  }
}

/** The SDK's ids, except that a root span the fast path decided to sample gets the trace id it drew. */
export class PresetTraceIds implements IdGenerator {
  next: string | null = null;

  generateTraceId(): string {
    const id = this.next;
    this.next = null;
    return id ?? randomIds.generateTraceId();
  }

  generateSpanId(): string {
    return randomIds.generateSpanId();
  }
}

/**
 * A request (or webhook call) in a new trace that is not sampled: no SDK span, no context — its
 * ids and the traceparent it propagates (flags 00), which is all an unsampled span amounts to.
 * Most requests at a low sampling rate take this path: the SDK's sampler, span, context copy and
 * propagator cost ~10 % of a request in pairs (docs/performance.md).
 */
export class UnsampledRequest implements RequestSpan, OutgoingCall {
  readonly traceparent: string;
  readonly tracestate = undefined;

  constructor(readonly traceId: string) {
    this.traceparent = `00-${traceId}-${randomIds.generateSpanId()}-00`;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class RequestTracer {
  readonly #tracer: Tracer;
  readonly #root: RatioSampler;
  readonly #ids: PresetTraceIds;
  readonly #clock = new Clock();
  readonly #legacy: boolean;
  readonly #serverName: string;
  readonly #transport: string;
  /** environment.<NAME> attributes, read once at startup. */
  readonly #environment: Attributes;

  /** `root` and `ids` must be the ones the tracer's provider was built with (provider.ts). */
  constructor(tracer: Tracer, p: TelemetryParams, root: RatioSampler, ids: PresetTraceIds) {
    this.#tracer = tracer;
    this.#root = root;
    this.#ids = ids;
    this.#legacy = p.useLegacyAttributes;
    this.#serverName = p.serverName;
    this.#transport = p.transport;
    const env: Attributes = {};
    for (const name of p.environmentVariables) env[`environment.${name}`] = process.env[name] ?? '';
    this.#environment = env;
  }

  /** The request's span, created on first use. */
  of(ctx: RequestContext): TracedRequest | UnsampledRequest {
    const existing = ctx.span;
    if (existing instanceof TracedRequest || existing instanceof UnsampledRequest) return existing;
    const meta = ctx.mcp?.meta;
    const metaParent = isRecord(meta) && typeof meta.traceparent === 'string';
    if (ctx.headers.traceparent === undefined && !metaParent) {
      // A new trace: decide here; only a sampled one costs an SDK span (with the id drawn here).
      const traceId = randomIds.generateTraceId();
      if (!this.#root.sampled(traceId)) {
        const unsampled = new UnsampledRequest(traceId);
        ctx.span = unsampled;
        return unsampled;
      }
      this.#ids.next = traceId;
    }
    let parent = propagator.extract(ROOT_CONTEXT, ctx.headers, headerGetter);
    if (metaParent) parent = propagator.extract(parent, meta, metaGetter);
    const span = this.#tracer.startSpan(
      ctx.mcp?.method ?? `${ctx.httpMethod} ${pathOf(ctx.url)}`,
      { kind: SpanKind.SERVER, startTime: this.#clock.epochMs(ctx.startNs) },
      parent,
    );
    this.#ids.next = null;
    const traced = new TracedRequest(span, parent);
    ctx.span = traced;
    return traced;
  }

  /** The request's span is recorded (sampled): attributes and child spans are worth building. */
  recording(ctx: RequestContext): boolean {
    const traced = this.of(ctx);
    return traced instanceof TracedRequest && traced.span.isRecording();
  }

  /** A finished child span (the Redis check) with its times from performance.now(). */
  child(ctx: RequestContext, name: string, startMs: number, endMs: number, attributes: Attributes, error: string | undefined): void {
    const parent = this.of(ctx);
    if (!(parent instanceof TracedRequest) || !parent.span.isRecording()) return;
    const span = this.#tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: perfToEpoch(startMs), attributes }, parent.context);
    if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    span.end(perfToEpoch(endMs));
  }

  /** A child span started now (a webhook call), ended by endCall. */
  startCall(ctx: RequestContext, name: string, attributes: Attributes): TracedRequest | UnsampledRequest {
    const parent = this.of(ctx);
    // The child of an unsampled span is unsampled (parent-based): same trace, its own span id.
    if (parent instanceof UnsampledRequest) return new UnsampledRequest(parent.traceId);
    const span = this.#tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent.context);
    return new TracedRequest(span, parent.context);
  }

  endCall(call: TracedRequest, attributes: Attributes, error: string | undefined): void {
    call.span.setAttributes(attributes);
    if (error !== undefined) call.span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    call.span.end();
  }

  /** At the response's close: name, attributes and status of the request span, then end it. */
  end(ctx: RequestContext, status: number): void {
    const traced = this.of(ctx);
    if (traced instanceof UnsampledRequest) return;
    const span = traced.span;
    if (span.isRecording()) {
      const mcp = ctx.mcp;
      if (mcp?.method !== undefined) span.updateName(mcp.resourceId ? `${mcp.method} ${mcp.resourceId}` : mcp.method);
      span.setAttributes(this.#attributes(ctx, status));
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
      else if (status < 400) span.setStatus({ code: SpanStatusCode.OK });
    }
    span.end();
  }

  #attributes(ctx: RequestContext, status: number): Attributes {
    const a: Attributes = { ...this.#environment };
    const path = pathOf(ctx.url);
    const net = this.#transport === 'stdio' ? 'pipe' : 'tcp';
    a['http.request.method'] = ctx.httpMethod;
    a['url.path'] = path;
    a['url.scheme'] = 'http';
    // The query string is left out: it may carry tokens (SPEC §12: no secrets in attributes).
    const ua = ctx.headers['user-agent'];
    if (ua !== undefined) a['user_agent.original'] = ua;
    if (ctx.headers.host !== undefined) a['server.address'] = ctx.headers.host;
    a['client.address'] = ctx.clientIp;
    a['http.response.status_code'] = status;
    a['network.transport'] = net;
    if (net === 'tcp') a['network.protocol.name'] = 'http';
    if (ctx.req?.httpVersion) a['network.protocol.version'] = ctx.req.httpVersion;
    a['mcp.server.name'] = this.#serverName;
    const protocolVersion = ctx.headers['mcp-protocol-version'];
    if (typeof protocolVersion === 'string') a['mcp.protocol.version'] = protocolVersion;
    if (status >= 500) a['error.type'] = String(status);
    if (ctx.rejectedBy !== undefined) a['thv.rejected_by'] = ctx.rejectedBy;
    const mcp = ctx.mcp;
    if (mcp !== null && mcp.method !== undefined) {
      a['mcp.method.name'] = mcp.method;
      a['rpc.system.name'] = 'jsonrpc';
      a['jsonrpc.protocol.version'] = '2.0';
      if (mcp.id !== undefined && mcp.id !== null) a['jsonrpc.request.id'] = String(mcp.id);
      const rid = mcp.resourceId;
      if (rid !== undefined && rid !== '') {
        if (mcp.method === 'tools/call') {
          a['gen_ai.tool.name'] = rid;
          a['gen_ai.operation.name'] = 'execute_tool';
        } else if (mcp.method === 'prompts/get') a['gen_ai.prompt.name'] = rid;
        else if (mcp.method === 'initialize') a['mcp.client.name'] = rid;
        else if (mcp.method.startsWith('resources/')) a['mcp.resource.uri'] = rid;
      }
      if (this.#legacy) {
        a['mcp.method'] = mcp.method;
        a['rpc.system'] = 'jsonrpc';
        a['rpc.service'] = 'mcp';
        a['mcp.transport'] = this.#transport;
        if (mcp.id !== undefined && mcp.id !== null) a['mcp.request.id'] = String(mcp.id);
        if (rid !== undefined && rid !== '') {
          a['mcp.resource.id'] = rid;
          if (mcp.method === 'tools/call') a['mcp.tool.name'] = rid;
          if (mcp.method === 'prompts/get') a['mcp.prompt.name'] = rid;
        }
      }
    }
    if (this.#legacy) {
      a['http.method'] = ctx.httpMethod;
      a['http.target'] = path;
      a['http.status_code'] = status;
      if (ua !== undefined) a['http.user_agent'] = ua;
    }
    return a;
  }
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** performance.now() -> epoch milliseconds. */
function perfToEpoch(ms: number): number {
  return performance.timeOrigin + ms;
}
