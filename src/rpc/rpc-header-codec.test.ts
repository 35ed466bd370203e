import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../gen/proto.js';
import { headerBytes, readHeader, writeHeader, type RpcHeader } from './rpc-header-codec.js';

const full: RpcHeader = {
  serviceName: 'UserServiceRpc',
  methodName: 'Login',
  argsSize: 300,
  callId: 0xffffffff,
  kind: dchat.rpc.FrameKind.RESPONSE,
  status: dchat.rpc.RpcStatus.INTERNAL,
  errorText: 'Grüße: the handler threw ✗ '.repeat(5),
  deadlineMs: 2 ** 31,
};

function encode(header: Partial<RpcHeader>): Buffer {
  const bytes = Buffer.alloc(headerBytes(header));
  assert.equal(writeHeader(bytes, 0, header), bytes.length);
  return bytes;
}

test('the header codec writes exactly the bytes protobufjs writes for the same RpcHeader', () => {
  assert.deepEqual(encode(full), Buffer.from(dchat.rpc.RpcHeader.encode(full).finish()));
  assert.deepEqual(encode({ callId: 1 }), Buffer.from(dchat.rpc.RpcHeader.encode({ callId: 1 }).finish()));
  assert.equal(encode({}).length, 0);
});

test('the header codec reads what protobufjs writes, every field included', () => {
  assert.deepEqual(readHeader(dchat.rpc.RpcHeader.encode(full).finish()), full);
});

test('the header codec skips fields it does not know, as protobuf requires of readers', () => {
  const known = Buffer.from(dchat.rpc.RpcHeader.encode({ callId: 9, methodName: 'GetUser' }).finish());
  const unknown = Buffer.from([0x48, 0x96, 0x01, 0x52, 0x02, 0x68, 0x69, 0x5d, 1, 2, 3, 4, 0x61, 1, 2, 3, 4, 5, 6, 7, 8]);
  const header = readHeader(Buffer.concat([unknown, known]));
  assert.equal(typeof header !== 'string' && header.callId, 9);
  assert.equal(typeof header !== 'string' && header.methodName, 'GetUser');
});

test('the header codec reads a negative enum value written as a ten-byte varint by its low 32 bits', () => {
  const header = readHeader(dchat.rpc.RpcHeader.encode({ status: -1 as dchat.rpc.RpcStatus }).finish());
  assert.equal(typeof header !== 'string' && header.status, 0xffffffff);
});

test('the header codec names what is wrong with bytes that are not a header', () => {
  assert.match(String(readHeader(Uint8Array.of(0x0a, 0x05, 0x41))), /string of 5 bytes runs past the end/);
  assert.match(String(readHeader(Uint8Array.of(0x20, 0xff))), /varint runs past the end/);
  assert.match(String(readHeader(Uint8Array.of(0x0f))), /wire type 7 is not allowed/);
  assert.match(String(readHeader(Uint8Array.of(0x02, 0x00))), /field number 0/);
  assert.match(String(readHeader(Uint8Array.of(0x0a, 0x02, 0xc3, 0x28))), /not valid UTF-8/);
  assert.match(String(readHeader(Uint8Array.of(0x20, 0xff, 0xff, 0xff, 0xff, 0x7f))), /exceeds 32 bits/);
});
