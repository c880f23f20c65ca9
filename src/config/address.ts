// "host:port" as written in scaling_config.session_redis.address (IPv6 as "[::1]:6379").

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const BRACKETED = /^\[([^\]\s]+)\]:(\d{1,5})$/;
const PLAIN = /^([^:\s[\]]+):(\d{1,5})$/;

/** The host and port of an address, or null when it is not "host:port" with a port 1..65535. */
export function parseHostPort(address: string): HostPort | null {
  const m = BRACKETED.exec(address) ?? PLAIN.exec(address);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] as string, port };
}
