import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPortOption, checkWholeOption, typedValue } from './option-checks.js';

test('typedValue quotes what followed the option on the command line, in either spelling', () => {
  assert.equal(typedValue('--port', Number.NaN, ['node', 'dchat', 'server', '--port', 'abc']), '"abc"');
  assert.equal(typedValue('--port', Number.NaN, ['node', 'dchat', 'server', '--port=6x']), '"6x"');
  assert.equal(typedValue('--port', 70000, ['node', 'dchat']), '70000');
});

test('checkPortOption accepts ports and refuses the rest with the range', () => {
  checkPortOption('--port', 0, true);
  checkPortOption('--port', 65535, false);
  assert.throws(() => checkPortOption('--port', 0, false), /--port 0 is not a port number: give a whole number from 1 to 65535/);
  assert.throws(() => checkPortOption('--port', 70000, true), /from 0 to 65535 \(0 picks a free one\)/);
  assert.throws(() => checkPortOption('--port', 1.5, true), /is not a port number/);
  assert.throws(() => checkPortOption('--port', Number.NaN, true), /is not a port number/);
});

test('checkWholeOption refuses fractions, NaN and values under the minimum, naming what is counted', () => {
  checkWholeOption('--weight', 3, 1, 'a share');
  assert.throws(() => checkWholeOption('--weight', 0, 1, 'a share'), /--weight 0 is not valid: give a share, a whole number of at least 1/);
  assert.throws(() => checkWholeOption('--max-frame-bytes', 63, 64, 'bytes'), /at least 64/);
  assert.throws(() => checkWholeOption('--idle-timeout-ms', Number.NaN, 1, 'milliseconds'), /not valid: give milliseconds/);
});
