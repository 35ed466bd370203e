// Server and client addresses as the ring sees them. nginx hashes the *text* of a `server`
// line, not the address it resolves to, so a ring server is named by that text
// ("127.0.0.1:6000") and host names and IPv4 literals are kept as written once they are known
// to be well formed. A client is hashed by what nginx puts in `$remote_addr`, which is always a
// canonical IP literal (see remote-addr.ts).
import { isIPv4, isIPv6 } from 'node:net';
import type { StatusOr } from '../base/dchat-error.js';
import { HashRingError } from './hashring-error.js';

export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

const hostLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const ipv4Like = /^[0-9.]+$/;

/** A port of a server or client: decimal digits only, 1..65535. */
export function parsePort(text: string): StatusOr<number, HashRingError> {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (port >= 1 && port <= 65535) return { ok: true, value: port };
  if (!/^[0-9]+$/.test(text)) return fail('DCHAT_RING_BAD_PORT', `port "${text}" is not a number: give a decimal number from 1 to 65535`);
  return fail('DCHAT_RING_BAD_PORT', `port "${text}" is out of range: give a decimal number from 1 to 65535`);
}

/**
 * A server host as nginx will see it in `server HOST:PORT`: an IPv4 literal in canonical
 * form, an IPv6 literal (returned in brackets, as nginx needs it before a port), or a DNS name.
 */
export function parseServerHost(text: string): StatusOr<string, HashRingError> {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv6(bare)) return { ok: true, value: `[${bare}]` };
  if (isIPv4(text)) return { ok: true, value: text };
  if (ipv4Like.test(text)) {
    return fail('DCHAT_RING_BAD_ADDRESS', `"${text}" is not an IPv4 address: write four numbers 0-255 without leading zeros, like 10.0.0.1`);
  }
  if (text.length > 0 && text.length <= 253 && text.split('.').every((label) => hostLabel.test(label))) {
    return { ok: true, value: text };
  }
  return fail('DCHAT_RING_BAD_ADDRESS', `"${text}" is not an IP address or host name: give one like 10.0.0.1, [::1] or chat1.example.com`);
}

/** host and port from their command-line words. */
export function parseServerAddress(hostText: string, portText: string): StatusOr<ServerAddress, HashRingError> {
  const host = parseServerHost(hostText);
  if (!host.ok) return host;
  const port = parsePort(portText);
  if (!port.ok) return port;
  return { ok: true, value: { host: host.value, port: port.value } };
}

/** The ring's name of a server: the text of its nginx `server` line. */
export function serverName(address: ServerAddress): string {
  return `${address.host}:${address.port}`;
}

/** Splits "host:port" (or "[v6]:port") back into its parts, validating both. */
export function parseServerName(name: string): StatusOr<ServerAddress, HashRingError> {
  const colon = name.lastIndexOf(':');
  const host = colon > 0 ? name.slice(0, colon) : '';
  if (colon < 0 || (host.includes(':') && !host.startsWith('['))) {
    return fail('DCHAT_RING_BAD_ADDRESS', `"${name}" is not HOST:PORT: write it like 10.0.0.1:6000 or [::1]:6000`);
  }
  return parseServerAddress(host, name.slice(colon + 1));
}

function fail(code: HashRingError['code'], message: string): { ok: false; error: HashRingError } {
  return { ok: false, error: new HashRingError(code, message) };
}
