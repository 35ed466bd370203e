// What `dchat lb` reads from a chat node's znode /dchat/nodes/<node-id>: the JSON a node
// registers ({"nodeId", "clientAddress", "rpcAddress", "startedAtMs", "weight", "connections",
// "users", "updatedAtMs"}). Only the address nginx proxies to and the weight matter here; the
// load figures change every few seconds and must not cause a reload.
import type { StatusOr } from '../base/dchat-error.js';
import { parsePort, parseServerHost } from '../hashring/server-address.js';
import { LbError } from './lb-error.js';

export interface NodeRecord {
  readonly nodeId: string;
  /** "host:port" as nginx writes it in a `server` line. */
  readonly clientAddress: string;
  /** nginx's weight: a positive integer. */
  readonly weight: number;
}

const maxNginxWeight = 1000;

export function parseNodeRecord(nodeId: string, data: Buffer): StatusOr<NodeRecord, LbError> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch {
    return bad(nodeId, `its data is not JSON ("${preview(data)}")`);
  }
  if (typeof parsed !== 'object' || parsed === null) return bad(nodeId, `its data is not a JSON object ("${preview(data)}")`);
  const fields = parsed as Record<string, unknown>;
  const address = fields['clientAddress'] ?? nodeId;
  if (typeof address !== 'string') return bad(nodeId, `clientAddress is ${JSON.stringify(address)}, not a "host:port" string`);
  const checked = checkAddress(address);
  if (!checked.ok) return bad(nodeId, checked.error);
  const weight = fields['weight'] ?? 1;
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1 || weight > maxNginxWeight) {
    return bad(nodeId, `weight is ${JSON.stringify(weight)}: nginx takes an integer from 1 to ${maxNginxWeight}`);
  }
  return { ok: true, value: { nodeId, clientAddress: checked.value, weight } };
}

/** A wildcard listen address is no place to proxy to: nginx would connect to itself. */
function checkAddress(address: string): StatusOr<string, string> {
  const colon = address.lastIndexOf(':');
  if (colon <= 0) return { ok: false, error: `clientAddress "${address}" has no ":port"` };
  const host = parseServerHost(address.slice(0, colon));
  if (!host.ok) return { ok: false, error: `clientAddress "${address}": ${host.error.message}` };
  if (host.value === '0.0.0.0' || host.value === '[::]') {
    return { ok: false, error: `clientAddress "${address}" is a wildcard: the node must register an address nginx can connect to` };
  }
  const port = parsePort(address.slice(colon + 1));
  if (!port.ok) return { ok: false, error: `clientAddress "${address}": ${port.error.message}` };
  return { ok: true, value: `${host.value}:${port.value}` };
}

function preview(data: Buffer): string {
  const text = data.toString('utf8');
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function bad(nodeId: string, why: string): { ok: false; error: LbError } {
  return { ok: false, error: new LbError('DCHAT_LB_BAD_NODE', `node ${nodeId} is left out of the upstream: ${why}`) };
}
