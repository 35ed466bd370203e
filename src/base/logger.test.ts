import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const loggerUrl = new URL('./logger.js', import.meta.url).href;

/** Runs `body` in a fresh process with createLogger and friends imported; its stderr and stdout. */
function runLogging(body: string, env: NodeJS.ProcessEnv = {}): { stderr: string; stdout: string; status: number | null } {
  const script = `import { createLogger, setLogNodeId, setLogFormat } from ${JSON.stringify(loggerUrl)};\n${body}`;
  const clean = { ...process.env };
  for (const name of ['DCHAT_LOG_FILE', 'DCHAT_LOG_LEVEL', 'DCHAT_TRACE', 'DCHAT_LOG_FORMAT']) delete clean[name];
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...clean, ...env }, encoding: 'utf8' });
  return { stderr: result.stderr, stdout: result.stdout, status: result.status };
}

const jsonLines = (text: string): Record<string, unknown>[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

test('a log line is one JSON object with time, level, module, node and the formatted msg', () => {
  const { stderr } = runLogging(`
    const log = createLogger('server.example');
    log.info('before the node id: %d users', 3);
    setLogNodeId('127.0.0.1:6001');
    log.warn('connection %s closed after %d ms', 'conn-7', 120);`);
  const [first, second] = jsonLines(stderr);
  assert.equal(first?.['level'], 'info');
  assert.equal(first?.['module'], 'server.example');
  assert.equal(first?.['msg'], 'before the node id: 3 users');
  assert.equal('node' in (first ?? {}), false);
  assert.match(String(first?.['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual({ ...second, time: undefined }, { level: 'warn', time: undefined, module: 'server.example', node: '127.0.0.1:6001', msg: 'connection conn-7 closed after 120 ms' });
});

test('lines written just before process.exit are all written (the asynchronous writer flushes on exit)', () => {
  const { stderr, status } = runLogging(`
    const log = createLogger('base.exit');
    for (let i = 0; i < 5000; i++) log.info('line %d of a burst', i);
    process.exit(3);`);
  assert.equal(status, 3);
  const lines = jsonLines(stderr);
  assert.equal(lines.length, 5000);
  assert.equal(lines[4999]?.['msg'], 'line 4999 of a burst');
});

test('DCHAT_LOG_LEVEL sets the threshold and DCHAT_TRACE turns on the debug lines of the loggers it names', () => {
  const { stderr } = runLogging(`
    const traced = createLogger('rpc.channel');
    const quiet = createLogger('net.tcp-server');
    traced.debug('traced debug'); quiet.debug('quiet debug');
    traced.info('traced info'); quiet.info('quiet info');
    quiet.error('quiet error');`, { DCHAT_LOG_LEVEL: 'error', DCHAT_TRACE: 'rpc.*' });
  assert.deepEqual(jsonLines(stderr).map((l) => l['msg']), ['traced debug', 'traced info', 'quiet error']);
});

test('DCHAT_LOG_FILE receives the lines instead of stderr', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dchat-log-'));
  try {
    const file = join(dir, 'nested', 'dchat.log');
    const { stderr } = runLogging(`createLogger('tui.client').info('to the file');`, { DCHAT_LOG_FILE: file });
    assert.equal(stderr, '');
    assert.equal(jsonLines(readFileSync(file, 'utf8'))[0]?.['msg'], 'to the file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--log-format pretty (DCHAT_LOG_FORMAT=pretty) writes lines for people: level, module and message, not JSON', () => {
  const { stderr } = runLogging(`createLogger('server.gateway').warn('a client does not read');`, { DCHAT_LOG_FORMAT: 'pretty' });
  assert.doesNotMatch(stderr, /^\{/);
  assert.match(stderr, /WARN.*server\.gateway a client does not read/);
  const chosen = runLogging(`setLogFormat('pretty'); createLogger('server.gateway').info('chosen by the option');`);
  assert.match(chosen.stderr, /INFO.*server\.gateway chosen by the option/);
});

test('a plain object after the placeholders becomes fields, and a field named like a secret is redacted', () => {
  const { stderr } = runLogging(`
    createLogger('server.login').info('user %d logged in', 42, { peer: '127.0.0.1:5000', password: 'hunter2', resumeToken: 'tok-1' });
    createLogger('server.login').info('an object in a placeholder stays in the message: %j', { a: 1 });`);
  const [withFields, inline] = jsonLines(stderr);
  assert.equal(withFields?.['msg'], 'user 42 logged in');
  assert.equal(withFields?.['peer'], '127.0.0.1:5000');
  assert.equal(withFields?.['password'], '[redacted]');
  assert.equal(withFields?.['resumeToken'], '[redacted]');
  assert.doesNotMatch(stderr, /hunter2|tok-1/);
  assert.equal(inline?.['msg'], 'an object in a placeholder stays in the message: {"a":1}');
});
