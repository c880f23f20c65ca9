// The validating-webhook stage module (src/chain/stage.ts): one stage per configured webhook, in
// config order; its TLS files are read and parsed here, once (tlsMaterial.ts).
import type { StageModule } from '../chain/stage.js';
import { webhookSummary } from './call.js';
import { createWebhookMiddleware } from './middleware.js';
import { compileWebhookTls } from './tlsMaterial.js';

export const webhookStage: StageModule = {
  type: 'webhook',
  compile(config, report) {
    return config.webhooks.map((webhook, i) => {
      const tls = compileWebhookTls(webhook.tls, `/validating_webhooks/${i}/tls_config`, report);
      const params = { serverName: config.name, transport: config.transport, webhook, tls };
      return {
        type: 'webhook',
        name: `webhook ${webhook.name}`,
        summary: webhookSummary(webhook),
        create: (deps) => createWebhookMiddleware({ ...params, kind: 'validating', telemetry: deps.telemetry }, { logger: deps.logger }),
      };
    });
  },
};
