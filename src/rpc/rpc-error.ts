// Every failure a dchat RPC call reports. The code mirrors the wire status (RpcStatus) so that a
// caller branches on `code` whether the failure happened locally (a deadline, a dead provider)
// or on the provider (an unknown method, a handler that threw).
import { DchatError } from '../base/dchat-error.js';
import { dchat } from '../gen/proto.js';

const { RpcStatus } = dchat.rpc;

export type RpcErrorCode =
  | 'DCHAT_RPC_UNKNOWN_SERVICE'
  | 'DCHAT_RPC_UNKNOWN_METHOD'
  | 'DCHAT_RPC_BAD_REQUEST'
  | 'DCHAT_RPC_INTERNAL'
  | 'DCHAT_RPC_DEADLINE_EXCEEDED'
  | 'DCHAT_RPC_CANCELLED'
  | 'DCHAT_RPC_UNAVAILABLE'
  | 'DCHAT_RPC_UNAUTHENTICATED'
  | 'DCHAT_RPC_SHUTTING_DOWN'
  | 'DCHAT_RPC_BAD_FRAME' // a frame that does not decode: the connection it came on is closed
  | 'DCHAT_RPC_BAD_SERVICE' // notifyService was given something that is not a protobuf service
  | 'DCHAT_RPC_BAD_ADDRESS'; // an address that is not host:port

const codeOfStatus: Record<dchat.rpc.RpcStatus, RpcErrorCode | undefined> = {
  [RpcStatus.OK]: undefined,
  [RpcStatus.UNKNOWN_SERVICE]: 'DCHAT_RPC_UNKNOWN_SERVICE',
  [RpcStatus.UNKNOWN_METHOD]: 'DCHAT_RPC_UNKNOWN_METHOD',
  [RpcStatus.BAD_REQUEST]: 'DCHAT_RPC_BAD_REQUEST',
  [RpcStatus.INTERNAL]: 'DCHAT_RPC_INTERNAL',
  [RpcStatus.DEADLINE_EXCEEDED]: 'DCHAT_RPC_DEADLINE_EXCEEDED',
  [RpcStatus.CANCELLED]: 'DCHAT_RPC_CANCELLED',
  [RpcStatus.UNAVAILABLE]: 'DCHAT_RPC_UNAVAILABLE',
  [RpcStatus.UNAUTHENTICATED]: 'DCHAT_RPC_UNAUTHENTICATED',
  [RpcStatus.SHUTTING_DOWN]: 'DCHAT_RPC_SHUTTING_DOWN',
};

const statusOfCode = new Map<RpcErrorCode, dchat.rpc.RpcStatus>(
  Object.entries(codeOfStatus)
    .filter((entry): entry is [string, RpcErrorCode] => entry[1] !== undefined)
    .map(([status, code]) => [code, Number(status) as dchat.rpc.RpcStatus]),
);

export class RpcError extends DchatError {
  override name = 'RpcError';
  constructor(
    override readonly code: RpcErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }

  /** The wire status that carries this error to a caller (INTERNAL for local-only codes). */
  get status(): dchat.rpc.RpcStatus {
    return statusOfCode.get(this.code) ?? RpcStatus.INTERNAL;
  }

  /** The error a caller raises for a non-OK status received from a provider. */
  static fromStatus(status: dchat.rpc.RpcStatus, errorText: string): RpcError {
    const code = codeOfStatus[status] ?? 'DCHAT_RPC_INTERNAL';
    return new RpcError(code, errorText || `the provider answered with status ${status} and no explanation`);
  }
}
