// The mutating-webhook stage module (src/chain/stage.ts): one stage per entry of
// mutating_webhooks, in config order; its TLS files are read and parsed here, once, exactly as
// for the validating webhooks (tlsMaterial.ts).
import type { StageModule } from '../chain/stage.js';
import { webhookSummary } from './call.js';
import { createMutatingWebhookMiddleware } from './mutatingMiddleware.js';
import { compileWebhookTls } from './tlsMaterial.js';

export const mutatingWebhookStage: StageModule = {
  type: 'mutating-webhook',
  compile(config, report) {
    return config.mutatingWebhooks.map((webhook, i) => {
      const tls = compileWebhookTls(webhook.tls, `/mutating_webhooks/${i}/tls_config`, report);
      const params = { serverName: config.name, transport: config.transport, webhook, tls, maxBodyBytes: config.maxBodyBytes };
      return {
        type: 'mutating-webhook',
        name: `mutating-webhook ${webhook.name}`,
        summary: webhookSummary(webhook),
        create: (deps) => createMutatingWebhookMiddleware({ ...params, kind: 'mutating', telemetry: deps.telemetry }, { logger: deps.logger }),
      };
    });
  },
};
