import t from 'tap';
import { decide } from '../../../src/webhook/decision.js';

const ok = (status: number, body: string) => ({ ok: true as const, status, body: Buffer.from(body) });

t.test('§5 200 with allowed:true allows; allowed:false denies with the webhook message kept for logs', async (t) => {
  t.same(decide(ok(200, '{"version":"v0.1.0","uid":"u","allowed":true}')), { outcome: 'allow', status: 200 });
  t.same(decide(ok(200, '{"allowed":false,"message":"no rm","reason":"Forbidden","code":403}')), {
    outcome: 'deny', status: 200, message: 'no rm', reason: 'Forbidden',
  });
  t.same(decide(ok(200, '{"allowed":false}')), { outcome: 'deny', status: 200, message: undefined, reason: undefined });
});

t.test('§5 HTTP 422 denies whatever the body says', async (t) => {
  for (const body of ['{"allowed":true}', '', 'not json']) {
    const v = decide(ok(422, body));
    t.equal(v.outcome, 'deny', `422 with ${JSON.stringify(body)}`);
    t.equal(v.status, 422);
  }
  t.same(decide(ok(422, '{"allowed":false,"message":"bad path","reason":"Invalid"}')), { outcome: 'deny', status: 422, message: 'bad path', reason: 'Invalid' });
  t.same(decide(ok(422, 'plain words')), { outcome: 'deny', status: 422, message: 'plain words', reason: 'HTTP 422' });
});

t.test('§5 other statuses, invalid JSON, and a missing or non-boolean "allowed" are failures', async (t) => {
  const failures: Array<[number, string]> = [
    [500, '{"allowed":true}'],
    [503, ''],
    [404, 'not found'],
    [201, '{"allowed":true}'],
    [204, ''],
    [302, ''],
    [400, '{"allowed":false}'],
    [200, '{"allowed": tru'],
    [200, ''],
    [200, '[true]'],
    [200, 'null'],
    [200, '{"allowed":"true"}'],
    [200, '{"allowed":1}'],
    [200, '{"message":"ok"}'],
  ];
  for (const [status, body] of failures) {
    const v = decide(ok(status, body));
    t.equal(v.outcome, 'error', `${status} ${JSON.stringify(body)}`);
  }
});

t.test('§5 transport failures stay failures, with their detail', async (t) => {
  const v = decide({ ok: false, failure: 'timeout', status: undefined, detail: 'timeout after 1000 ms' });
  t.same(v, { outcome: 'error', status: undefined, error: 'timeout after 1000 ms' });
  t.equal(decide({ ok: false, failure: 'too-large', status: 200, detail: 'x' }).outcome, 'error');
});
