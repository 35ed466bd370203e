// The errors src/net raises. Callers branch on `code`; the message names the address, the
// values seen and the fix.
import { DchatError } from '../base/dchat-error.js';

export type NetErrorCode =
  | 'DCHAT_NET_LISTEN' // TcpServer.start() could not bind host:port
  | 'DCHAT_NET_CONNECT' // TcpClient.connect() could not reach host:port
  | 'DCHAT_NET_FRAME_TOO_LARGE' // a peer announced a frame longer than maxFrameBytes
  | 'DCHAT_NET_CLOSED'; // the connection closed before the operation could complete

export class NetError extends DchatError {
  override name = 'NetError';
  constructor(
    override readonly code: NetErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The errno-style code of a system error (`EADDRINUSE`), or undefined for anything else. */
export function systemErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
