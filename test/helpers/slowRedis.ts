// A TCP relay in front of a real redis-server that answers rate-limit checks late: once a
// connection has sent EVALSHA/EVAL, every reply on it is held back `delayMs` (in order). The
// connect-time PING, INFO and SCRIPT LOAD stay fast, so the proxy starts normally and only the
// checks are slow — what a loaded or distant Redis looks like to the fail-open bound (SPEC §4).

import net from 'node:net';

export interface SlowRedis {
  readonly port: number;
  close(): Promise<void>;
}

export async function startSlowRedis(redisPort: number, delayMs: number): Promise<SlowRedis> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(redisPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let checking = false;
    client.on('data', (chunk: Buffer) => {
      // RESP bulk strings carry the command name as is: ioredis sends it lower-case.
      if (!checking && /\r\neval(sha)?\r\n/i.test(chunk.toString('latin1'))) checking = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      // Equal delays fire in insertion order, so replies stay in order.
      if (checking) setTimeout(() => client.writable && client.write(chunk), delayMs);
      else client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', () => {
        sockets.delete(s);
        end();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
