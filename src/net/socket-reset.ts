// Ending a socket with an RST instead of a FIN: both ends forget the connection at once, and the
// kernel keeps no orphan in FIN-WAIT-2 for a peer that will never answer. Node can do this only
// for a plain TCP handle; a TLS socket's handle wraps the TCP one and resetAndDestroy() throws
// ERR_INVALID_HANDLE_TYPE for it, so a TLS socket is destroyed the ordinary way.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

export function resetSocket(socket: Socket): void {
  if (socket instanceof TLSSocket) socket.destroy();
  else socket.resetAndDestroy();
}
