// Command-line flags of `npm run bench`, validated once.
import { parseArgs } from 'node:util';
import { SERVERS } from './stack.mjs';

const USAGE = `usage: npm run bench -- [--rounds N] [--duration S] [--connections C] [--warmup S]
                       [--only scenario,...] [--loader wrk|autocannon]
       npm run bench -- --soak S        (S seconds at load against thv-proxy + Redis limiter)
       npm run bench -- --streams N     (N concurrent open SSE streams through thv-proxy)
       npm run bench -- --profile S     (node --cpu-prof of thv-proxy + Redis under S s of load)
       --target SERVER                  (soak/streams/profile: another server, default thv-redis;
                                         e.g. thv-memory, thv-nolimit, P1, upstream)`;

function positive(name, text, fallback) {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a number greater than 0, got "${text}"\n${USAGE}`);
  return n;
}

export function readArgs(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string' }, duration: { type: 'string' }, connections: { type: 'string' },
      warmup: { type: 'string' }, only: { type: 'string' }, loader: { type: 'string' },
      soak: { type: 'string' }, streams: { type: 'string' }, profile: { type: 'string' }, target: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  const loader = values.loader ?? 'auto';
  if (values.target !== undefined && !(values.target in SERVERS)) throw new Error(`--target must be one of ${Object.keys(SERVERS).join(', ')}\n${USAGE}`);
  if (!['auto', 'wrk', 'autocannon'].includes(loader)) throw new Error(`--loader must be wrk or autocannon\n${USAGE}`);
  return {
    rounds: Math.round(positive('rounds', values.rounds, 3)),
    duration: positive('duration', values.duration, 8),
    connections: Math.round(positive('connections', values.connections, 50)),
    warmup: positive('warmup', values.warmup, 6),
    only: values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : null,
    loader,
    soak: values.soak === undefined ? null : positive('soak', values.soak),
    streams: values.streams === undefined ? null : Math.round(positive('streams', values.streams)),
    profile: values.profile === undefined ? null : positive('profile', values.profile),
    target: values.target ?? 'thv-redis',
  };
}
