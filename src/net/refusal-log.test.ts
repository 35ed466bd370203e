import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../base/logger.js';
import { RefusalLog } from './refusal-log.js';

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const record = (message: string, ...args: unknown[]): void => void lines.push([message, ...args].join(' '));
  return { lines, logger: { name: 'test', isTracing: false, debug: record, info: record, warn: record, error: record } };
}

test('refusal log writes one line per source and window, and counts the rest into the next line', (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 0 });
  const { logger, lines } = recordingLogger();
  const refusals = new RefusalLog(logger, 1000);
  for (let i = 0; i < 500; i++) refusals.refused('10.0.0.1', 'cap reached');
  refusals.refused('10.0.0.2', 'cap reached');
  assert.equal(lines.length, 2, 'one line per source');
  t.mock.timers.tick(1000);
  refusals.refused('10.0.0.1', 'cap reached');
  assert.equal(lines.length, 3);
  assert.match(lines[2] ?? '', /10\.0\.0\.1.*and 499 more/);
});
