// Parsing the host:port values of --server and friends.

export type HostPort = { host: string; port: number };

export function parseHostPort(value: string, defaultPort = 6000): { ok: true; value: HostPort } | { ok: false; error: string } {
  const text = value.trim();
  const match = /^(?:\[([^\]]+)\]|([^:\s]+))(?::(\d+))?$/.exec(text);
  if (!match) return { ok: false, error: `"${value}" is not host:port (e.g. 127.0.0.1:6000)` };
  const host = match[1] ?? match[2] ?? '';
  const port = match[3] === undefined ? defaultPort : Number(match[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, error: `port ${match[3] ?? ''} of "${value}" is not in 1..65535` };
  return { ok: true, value: { host, port } };
}
