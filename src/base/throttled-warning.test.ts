import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from './logger.js';
import { ThrottledWarning } from './throttled-warning.js';

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const format = (message: string, args: unknown[]): string => {
    let i = 0;
    return message.replace(/%[sd]/g, () => String(args[i++]));
  };
  const logger: Logger = {
    name: 'test',
    isTracing: false,
    debug: () => undefined,
    info: () => undefined,
    warn: (message, ...args) => void lines.push(format(message, args)),
    error: () => undefined,
  };
  return { logger, lines };
}

test('one line per key and window; the next line tells how many were held back', async () => {
  const { logger, lines } = recordingLogger();
  const warning = new ThrottledWarning(logger, 40);
  for (let i = 0; i < 500; i++) warning.warn('10.0.0.1:7000', `could not ask node 10.0.0.1:7000 to end user ${i}'s session`);
  warning.warn('10.0.0.2:7000', 'could not ask node 10.0.0.2:7000 to end user 9\'s session');
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0]!, /^could not ask node 10\.0\.0\.1:7000 to end user 0's session; more like it about 10\.0\.0\.1:7000 are counted, not logged, for 0 s$/);
  const windowEnd = Date.now() + 60;
  while (Date.now() < windowEnd) await new Promise((resolve) => setImmediate(resolve));
  warning.warn('10.0.0.1:7000', 'could not ask node 10.0.0.1:7000 to end user 500\'s session');
  assert.equal(lines.length, 3);
  assert.match(lines[2]!, /user 500's session \(and 499 more like it since the last such line\)/);
});

test('a flood from many keys costs one line per key up to the bound, then one line for all the others', () => {
  const { logger, lines } = recordingLogger();
  const warning = new ThrottledWarning(logger, 60_000, { maxKeys: 8, overflowKey: 'other sources' });
  for (let i = 0; i < 5_000; i++) warning.warn(`10.0.${i >> 8}.${i & 255}`, `refused a connection from 10.0.${i >> 8}.${i & 255}: cap reached`);
  assert.equal(lines.length, 9, `8 sources with a line each, then one for the 4,992 others:\n${lines.slice(0, 12).join('\n')}`);
  assert.match(lines[8]!, /from 10\.0\.0\.8: cap reached; more like it about other sources are counted/);
});
