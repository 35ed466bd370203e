// "host:port" as registries, znode names and command lines spell a provider's address.
import type { StatusOr } from '../base/dchat-error.js';
import { RpcError } from './rpc-error.js';

export interface HostPort {
  host: string;
  port: number;
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function parseHostPort(text: string): StatusOr<HostPort, RpcError> {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) {
    return { ok: false, error: new RpcError('DCHAT_RPC_BAD_ADDRESS', `"${text}" is not a provider address; write host:port, e.g. 127.0.0.1:6000`) };
  }
  return { ok: true, value: { host: match[1] ?? match[2] ?? '', port } };
}
