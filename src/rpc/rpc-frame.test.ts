import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer as NetBuffer } from '../net/buffer.js';
import { dchat } from '../gen/proto.js';
import { decodeFrameBody, drainFrames, encodeFrame, type RpcFrame } from './rpc-frame.js';

const { FrameKind, RpcStatus } = dchat.rpc;

function sampleFrames(): Uint8Array[] {
  return [
    encodeFrame({ kind: FrameKind.REQUEST, callId: 1, serviceName: 'UserServiceRpc', methodName: 'Login', deadlineMs: 250 }, Uint8Array.of(8, 42, 18, 3, 97, 98, 99)),
    encodeFrame({ kind: FrameKind.RESPONSE, callId: 1, status: RpcStatus.INTERNAL, errorText: 'boom' }, new Uint8Array(0)),
    encodeFrame({ kind: FrameKind.CANCEL, callId: 4294967295 }, new Uint8Array(0)),
  ];
}

function summary(frame: RpcFrame): string {
  const h = frame.header;
  return `${h.kind}/${h.callId}/${h.serviceName}/${h.methodName}/${h.status}/${h.errorText}/${h.deadlineMs}/${Buffer.from(frame.args).toString('hex')}`;
}

const expected = [
  '0/1/UserServiceRpc/Login/0//250/082a1203616263',
  '1/1///4/boom/0/',
  '2/4294967295///0//0/',
];

test('encodeFrame writes the frame length, the header length, the header and the arguments', () => {
  const frame = encodeFrame({ kind: FrameKind.REQUEST, callId: 7, serviceName: 'S', methodName: 'M' }, Uint8Array.of(1, 2, 3));
  const view = Buffer.from(frame);
  assert.equal(view.readUInt32BE(0), frame.length - 4);
  const headerLength = view.readUInt32BE(4);
  const header = dchat.rpc.RpcHeader.decode(frame.subarray(8, 8 + headerLength));
  assert.equal(header.argsSize, 3);
  assert.equal(header.callId, 7);
  assert.deepEqual([...frame.subarray(8 + headerLength)], [1, 2, 3]);
});

test('drainFrames yields the same frames when the stream is split at every byte offset', () => {
  const stream = Buffer.concat(sampleFrames());
  for (let cut = 0; cut <= stream.length; cut++) {
    const buffer = new NetBuffer(16);
    const seen: string[] = [];
    for (const part of [stream.subarray(0, cut), stream.subarray(cut)]) {
      buffer.append(part);
      assert.equal(drainFrames(buffer, 1 << 20, (header, bytes, start) => seen.push(summary({ header, args: bytes.subarray(start, start + header.argsSize) }))), undefined, `cut at ${cut}`);
    }
    assert.deepEqual(seen, expected, `cut at ${cut}`);
    assert.equal(buffer.readableBytes(), 0);
  }
});

test('drainFrames yields the same frames when the stream arrives one byte at a time', () => {
  const stream = Buffer.concat(sampleFrames());
  const buffer = new NetBuffer(4);
  const seen: string[] = [];
  for (const byte of stream) {
    buffer.appendOwned(Uint8Array.of(byte));
    assert.equal(drainFrames(buffer, 1 << 20, (header, bytes, start) => seen.push(summary({ header, args: bytes.subarray(start, start + header.argsSize) }))), undefined);
  }
  assert.deepEqual(seen, expected);
});

test('drainFrames leaves a partial frame in the buffer until its rest arrives', () => {
  const frame = sampleFrames()[0]!;
  const buffer = new NetBuffer();
  buffer.append(frame.subarray(0, frame.length - 1));
  let count = 0;
  assert.equal(drainFrames(buffer, 1 << 20, () => count++), undefined);
  assert.equal(count, 0);
  assert.equal(buffer.readableBytes(), frame.length - 1);
});

test('drainFrames rejects a frame length over maxFrameBytes before its body arrives', () => {
  const buffer = new NetBuffer();
  buffer.append(Uint8Array.of(0x7f, 0xff, 0xff, 0xff));
  const error = drainFrames(buffer, 1024, () => assert.fail('no frame expected'));
  assert.equal(error?.code, 'DCHAT_RPC_BAD_FRAME');
  assert.match(error?.message ?? '', /frame length 2147483647 > maxFrameBytes 1024/);
});

test('decodeFrameBody rejects a body shorter than the header length field', () => {
  const result = decodeFrameBody(Uint8Array.of(0, 0));
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.error.code, 'DCHAT_RPC_BAD_FRAME');
});

test('decodeFrameBody rejects a header length beyond the frame', () => {
  const result = decodeFrameBody(Uint8Array.of(0, 0, 0, 9, 1, 2));
  assert.equal(!result.ok && result.error.message.includes('header length 9 exceeds the 2 bytes'), true);
});

test('decodeFrameBody rejects a header that is not an RpcHeader', () => {
  const result = decodeFrameBody(Uint8Array.of(0, 0, 0, 2, 0xff, 0xff));
  assert.equal(!result.ok && result.error.code, 'DCHAT_RPC_BAD_FRAME');
});

test('decodeFrameBody rejects args_size that disagrees with the bytes present', () => {
  const header = dchat.rpc.RpcHeader.encode({ argsSize: 5, callId: 1 }).finish();
  const body = Buffer.concat([Buffer.from([0, 0, 0, header.length]), header, Buffer.from([1, 2])]);
  const result = decodeFrameBody(body);
  assert.equal(!result.ok && result.error.message.includes('args_size 5 but the frame holds 2'), true);
});
