import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { runInteractiveShell, type ShellLineOutcome } from './interactive-shell.js';

const dir = mkdtempSync(join(tmpdir(), 'dchat-shell-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A stream that says it is a terminal, as process.stdin and process.stdout do on one. */
function fakeTerminal(): PassThrough & { isTTY: boolean } {
  return Object.assign(new PassThrough(), { isTTY: true });
}

function recorder(outcomes: Record<string, ShellLineOutcome>): { lines: string[]; runLine: (line: string) => Promise<ShellLineOutcome> } {
  const lines: string[] = [];
  return { lines, runLine: async (line) => (lines.push(line), outcomes[line] ?? 'ok') };
}

describe('runInteractiveShell', () => {
  it('fed by a pipe runs every line, greets nobody and exits 1 when a line failed', async () => {
    const input = new PassThrough();
    const { lines, runLine } = recorder({ bad: 'failed' });
    let greetings = 0;
    input.end('one\nbad\nthree\n');
    const status = await runInteractiveShell({ prompt: '> ', historyFile: join(dir, 'unused'), greet: () => greetings++, runLine, input, terminal: new PassThrough() });
    assert.deepEqual(lines, ['one', 'bad', 'three']);
    assert.equal(status, 1);
    assert.equal(greetings, 0);
  });

  it('stops at the line that quits and leaves the rest unread', async () => {
    const input = new PassThrough();
    const { lines, runLine } = recorder({ quit: 'quit' });
    input.end('one\nquit\nnever\n');
    const status = await runInteractiveShell({ prompt: '> ', historyFile: join(dir, 'unused'), greet: () => {}, runLine, input, terminal: new PassThrough() });
    assert.deepEqual(lines, ['one', 'quit']);
    assert.equal(status, 0);
  });

  it('on a terminal greets, prompts, and keeps the history newest first across runs', async () => {
    const historyFile = join(dir, 'nested', 'history');
    const run = async (text: string): Promise<string> => {
      const input = fakeTerminal();
      const terminal = fakeTerminal();
      let shown = '';
      terminal.on('data', (chunk: Buffer) => (shown += chunk.toString()));
      const { runLine } = recorder({ bad: 'failed' });
      input.end(text);
      const status = await runInteractiveShell({ prompt: 'ring> ', historyFile, greet: () => (shown += 'hello\n'), runLine, input, terminal });
      assert.equal(status, 0, 'a terminal session exits 0 even after a failed line');
      return shown;
    };
    const shown = await run('first\rbad\r');
    assert.match(shown, /^hello\n.*ring> /s);
    assert.equal(readFileSync(historyFile, 'utf8'), 'bad\nfirst\n');
    await run('third\r');
    assert.equal(readFileSync(historyFile, 'utf8'), 'third\nbad\nfirst\n');
  });
});
