// The store writes each bucket list's EVALSHA as text built once (redisStore.ts): it must be
// byte for byte what ioredis itself writes for the same command, multi-byte user ids included.
import t from 'tap';
import { Command } from 'ioredis';
import { evalshaText } from '../../../src/ratelimit/redisStore.js';
import { CONSUME_SCRIPT } from '../../../src/ratelimit/scripts.js';

t.test('prepared EVALSHA text equals what ioredis writes for the command', async (t) => {
  const lists = [
    ['thv:rl:{default:srv}:shared', '1', '100', '1.6666666666666667', '120'],
    ['thv:rl:{default:srv}:shared', 'thv:rl:{default:srv}:user:Zoë 👩‍💻', '2', '100', '5', '1e-7', '0.5', '120', '3'],
    [],
  ];
  for (const args of lists) {
    const numKeys = args.filter((a) => a.startsWith('thv:')).length;
    const expected = new Command('evalsha', [CONSUME_SCRIPT.sha, numKeys, ...args]).toWritable({});
    t.equal(evalshaText(CONSUME_SCRIPT.sha, numKeys, args), expected, `${args.length} arguments`);
  }
});
