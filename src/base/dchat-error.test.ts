import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DchatError, errorMessage, isDchatError } from './dchat-error.js';

test('isDchatError matches by code and rejects other values', () => {
  const err = new DchatError('DCHAT_NET_FRAME_TOO_LARGE', 'frame length 9 > maxFrameBytes 8');
  assert.equal(isDchatError(err, 'DCHAT_NET_FRAME_TOO_LARGE'), true);
  assert.equal(isDchatError(err, 'DCHAT_NET_OTHER'), false);
  assert.equal(isDchatError(err), true);
  assert.equal(isDchatError(new Error('plain')), false);
  assert.equal(isDchatError('DCHAT_NET_FRAME_TOO_LARGE'), false);
});

test('errorMessage reads errors and other thrown values', () => {
  assert.equal(errorMessage(new Error('boom')), 'boom');
  assert.equal(errorMessage(42), '42');
});
