// The bare reference of the chat benchmark: the least a chat server can do for a one-to-one
// message, on raw node:net in one process. It reads the same length-prefixed dchat.client.Request
// frames as a chat node, keeps logged-in users in a map, and forwards a chat to its recipient as
// the same Event a node pushes, answering the sender with a bare OK. Nothing is stored, nothing
// waits for an ack, and there are no limits, ids that survive a restart, or sessions: what dchat
// costs beyond this is the price of its guarantees, which is why the benchmark reports the ratio.
//
//   node dist/bench/chat/bare-forwarder.js PORT   (prints "bare forwarder listening on 127.0.0.1:PORT")
import { createServer, type Socket } from 'node:net';
import { dchat } from '../../src/gen/proto.js';

const headerBytes = 4;
const online = new Map<number, Socket>();
let nextUserId = 1;
let nextMessageId = 1;

function frameOf(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(headerBytes + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, headerBytes);
  return out;
}

function respond(socket: Socket, response: dchat.client.IResponse): void {
  socket.write(frameOf(dchat.client.ServerFrame.encode({ response }).finish()));
}

function handle(socket: Socket, request: dchat.client.Request): void {
  const requestId = request.requestId;
  switch (request.body) {
    case 'register':
      return respond(socket, { requestId, register: { user: { id: nextUserId++, name: request.register?.name ?? '' } } });
    case 'login': {
      const userId = Number(request.login?.userId ?? 0);
      online.set(userId, socket);
      socket.once('close', () => online.get(userId) === socket && online.delete(userId));
      return respond(socket, { requestId, login: { user: { id: userId } } });
    }
    case 'chat': {
      const chat = request.chat;
      const to = online.get(Number(chat?.toId ?? 0));
      const message = { id: nextMessageId++, toId: chat?.toId ?? 0, text: chat?.text ?? '' };
      to?.write(frameOf(dchat.client.ServerFrame.encode({ event: { message } }).finish()));
      return respond(socket, { requestId });
    }
    case 'ack':
      // A one-way ack (request_id 0) needs no answer; an old client's ack gets a bare OK.
      if (requestId !== 0) respond(socket, { requestId });
      return;
    default:
      return respond(socket, { requestId });
  }
}

/** Hands every whole frame of `pending` to handle; returns the bytes of a frame not yet complete. */
function consume(socket: Socket, pending: Buffer): Buffer {
  let offset = 0;
  while (pending.length - offset >= headerBytes) {
    const length = pending.readUInt32BE(offset);
    if (pending.length - offset - headerBytes < length) break;
    handle(socket, dchat.client.Request.decode(pending.subarray(offset + headerBytes, offset + headerBytes + length)));
    offset += headerBytes + length;
  }
  return pending.subarray(offset);
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = consume(socket, pending.length === 0 ? chunk : Buffer.concat([pending, chunk]));
  });
  socket.on('error', () => socket.destroy());
});

const port = Number(process.argv[2] ?? 0);
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(`bare forwarder listening on 127.0.0.1:${bound}\n`);
});
