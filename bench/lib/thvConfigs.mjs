// RunConfig files (SPEC §2) for the thv-proxy scenarios. Each server gets its own `name`, hence
// its own Redis keys, so that the rejecting server's bucket never shares state with the others.
const NEVER = { maxTokens: 1_000_000_000, refillPeriod: '1s' };

export function thvConfig(kind, { name, port, upstreamPort, redisPort, webhookPort, metricsPort, idpPort }) {
  const base = { name, transport: 'streamable-http', host: '127.0.0.1', port, target_host: '127.0.0.1', target_port: upstreamPort };
  const redis = { scaling_config: { session_redis: { address: `127.0.0.1:${redisPort}` } } };
  switch (kind) {
    case 'nolimit': return base;
    case 'redis': return { ...base, rate_limit_config: { shared: NEVER, tools: [{ name: 'echo', shared: NEVER }] }, ...redis };
    // one token, refilled once an hour: after the first call every tools/call takes the 429 path
    case 'reject': return { ...base, rate_limit_config: { shared: { maxTokens: 1, refillPeriod: '1h' }, tools: [{ name: 'echo', shared: NEVER }] }, ...redis };
    // SPEC §12 overhead: metrics on (Prometheus reader, no tracing); tracing at 0.01 to a closed port.
    case 'redis-metrics': return { ...thvConfig('redis', { name, port, upstreamPort, redisPort }), telemetry_config: { enablePrometheusMetricsPath: true, prometheusPort: metricsPort } };
    // diagnostic (bench/paired.mjs): the tracing path of an unsampled request, nothing exported
    case 'redis-traces0': return { ...thvConfig('redis', { name, port, upstreamPort, redisPort }), telemetry_config: { endpoint: '127.0.0.1:9', insecure: true, tracingEnabled: true, samplingRate: '0' } };
    case 'redis-traces': return { ...thvConfig('redis', { name, port, upstreamPort, redisPort }), telemetry_config: { endpoint: '127.0.0.1:9', insecure: true, tracingEnabled: true, samplingRate: '0.01' } };
    // SPEC §9 + §4: every request carries a bearer token verified against the bench IdP's keys
    // (RS256), and every tools/call passes shared and per-user buckets in the one script call.
    case 'auth': return {
      ...base,
      oidc_config: { issuer: `http://127.0.0.1:${idpPort}`, audience: 'bench', insecureAllowHTTP: true, allowPrivateIP: true },
      rate_limit_config: { shared: NEVER, perUser: NEVER, tools: [{ name: 'echo', shared: NEVER, perUser: NEVER }] },
      ...redis,
    };
    case 'memory': return { ...base, rate_limit_config: { shared: NEVER, tools: [{ name: 'echo', shared: NEVER }] } };
    case 'webhook': return {
      ...base,
      validating_webhooks: [{ name: 'fast', url: `http://127.0.0.1:${webhookPort}/`, failure_policy: 'fail', tls_config: { insecure_skip_verify: true } }],
    };
    default: throw new Error(`unknown thv-proxy config kind ${kind}`);
  }
}
