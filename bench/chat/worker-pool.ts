// The coordinator's side of the load workers: forks them, sends each a command and awaits its
// reply. A worker that dies fails every command it owed, with its exit status in the message.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command, CommandMessage, Reply, ReplyMessage } from './worker-protocol.js';

const workerScript = fileURLToPath(new URL('./load-worker.js', import.meta.url));

interface Waiting {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

export class LoadWorker {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private exitReason: string | undefined;

  constructor(
    readonly index: number,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: ReplyMessage) => this.onReply(message));
    child.once('exit', (code, signal) => {
      this.exitReason = `load worker ${index} exited (${code ?? signal})`;
      for (const w of this.waiting.values()) w.reject(new Error(this.exitReason));
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  send<Op extends Command['op']>(command: Extract<Command, { op: Op }>): Promise<Extract<Reply, { op: Op }>> {
    if (this.exitReason) return Promise.reject(new Error(this.exitReason));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: (reply) => resolve(reply as Extract<Reply, { op: Op }>), reject });
      const message: CommandMessage = { ...command, id };
      this.child.send(message);
    });
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private onReply(message: ReplyMessage): void {
    const waiting = this.waiting.get(message.id);
    if (!waiting) return;
    this.waiting.delete(message.id);
    if (message.ok) waiting.resolve(message.reply);
    else waiting.reject(new Error(`load worker ${this.index}: ${message.error}`));
  }
}

export function startWorkers(count: number): LoadWorker[] {
  return Array.from({ length: count }, (_, i) => {
    const child = fork(workerScript, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, DCHAT_LOG_LEVEL: 'warn' } });
    return new LoadWorker(i, child);
  });
}
