import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs/minimal.js';
import { dchat } from '../gen/proto.js';
import { decodeShared, encodeShared } from './message-io.js';

const ids = [0, 1, 127, 128, 16_383, 16_384, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER];

test('the shared writer writes the bytes protobufjs writes, for 64-bit ids on both sides of every varint length', () => {
  for (const id of ids) {
    const message = { result: { code: dchat.Status.OK }, user: { id, name: `user ${id}`, online: true } };
    const writer = encodeShared(dchat.GetUserResponse, message);
    const ours = Buffer.from(writer.buf.subarray(0, writer.pos));
    assert.deepEqual(ours, Buffer.from(dchat.GetUserResponse.encode(message).finish()), `id ${id}`);
  }
});

test('the shared reader reads back every id that protobufjs writes, from the middle of a larger buffer', () => {
  for (const id of ids) {
    const bytes = dchat.GetUserResponse.encode({ user: { id, name: 'x' } }).finish();
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 5);
    const decoded = decodeShared(dchat.GetUserResponse, padded, 5, 5 + bytes.length) as dchat.GetUserResponse;
    assert.equal(decoded.user?.id, id);
    assert.deepEqual(decoded, dchat.GetUserResponse.decode(bytes), `id ${id}`);
  }
});

test('a message decoded by the shared reader keeps no view of the buffer it came from (kept unknown fields are copies)', () => {
  // Field 15 is unknown to GetUserRequest: protobufjs keeps it as raw bytes when told to keep unknown fields.
  const bytes = Uint8Array.of(0x08, 0x07, 0x7a, 0x03, 0x61, 0x62, 0x63);
  const discardUnknown = protobuf.Reader.discardUnknown;
  protobuf.Reader.discardUnknown = false;
  try {
    const decoded = decodeShared(dchat.GetUserRequest, bytes) as dchat.GetUserRequest & { $unknowns?: Uint8Array[] };
    bytes.fill(0);
    assert.equal(decoded.id, 7);
    assert.deepEqual([...(decoded.$unknowns?.[0] ?? [])], [0x7a, 0x03, 0x61, 0x62, 0x63]);
  } finally {
    protobuf.Reader.discardUnknown = discardUnknown;
  }
  assert.equal(Object.hasOwn(decodeShared(dchat.GetUserRequest, Uint8Array.of(0x08, 0x07, 0x7a, 0x00)), '$unknowns'), false);
});

test('the shared reader fails on a truncated 64-bit varint as protobufjs does', () => {
  assert.throws(() => decodeShared(dchat.GetUserRequest, Uint8Array.of(0x08, 0xff, 0xff)), /index out of range/);
});
