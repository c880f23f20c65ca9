// SPEC §4/§8: a Redis with requirepass works with the configured password, a wrong one fails
// startup with Redis's own cause, and the password appears in no log line and no message.
import t from 'tap';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ThvError } from '../../src/errors.js';
import { createRedisStore } from '../../src/ratelimit/redisStore.js';
import { startRedis } from '../helpers/redis.js';
import { fixture, redisConfig } from '../unit/ratelimit/storeBehaviour.js';

const PASSWORD = 'pw-7f3a9c-do-not-log';

function capture(): { logger: pino.Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _e, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), text: () => chunks.join('') };
}

t.test('§4 requirepass: the configured password authenticates, and is never logged', async (t) => {
  const redis = await startRedis({ password: PASSWORD });
  t.teardown(() => redis.stop());
  const log = capture();
  const store = createRedisStore(redisConfig(redis.port, PASSWORD), { logger: log.logger });
  t.teardown(() => store.close());
  await store.connect(5000);
  const f = fixture([1, 60_000], {});
  t.equal((await store.consume(f.shared)).allowed, true);
  t.equal((await store.consume(f.shared)).allowed, false, 'limits enforced through the authenticated connection');
  // An outage and a reconnect log lines; none may carry the password.
  await redis.restart();
  const deadline = Date.now() + 10_000;
  while (!(await store.healthy(200)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.equal(await store.healthy(500), true, 'reconnects and re-authenticates by itself');
  t.match(log.text(), new RegExp(`reconnected to Redis at 127\\.0\\.0\\.1:${redis.port}; rate limiting resumed`));
  t.notMatch(log.text(), PASSWORD);
});

t.test('§1 startup with a wrong or missing password: ThvError naming the cause, not the password', async (t) => {
  const redis = await startRedis({ password: PASSWORD });
  t.teardown(() => redis.stop());
  for (const password of ['wrong-password-123', undefined]) {
    const log = capture();
    const store = createRedisStore(redisConfig(redis.port, password), { logger: log.logger });
    t.teardown(() => store.close());
    const err = (await store.connect(5000).then(() => null, (e: unknown) => e)) as ThvError;
    t.ok(err instanceof ThvError, `password ${password === undefined ? 'missing' : 'wrong'}`);
    t.equal(err.code, 'THV_ERR_REDIS_UNREACHABLE');
    t.match(err.message, new RegExp(`^Redis at 127\\.0\\.0\\.1:${redis.port} is unreachable: (WRONGPASS|NOAUTH)`));
    t.notMatch(err.message, /wrong-password-123/);
    t.notMatch(log.text(), /wrong-password-123/);
  }
});
