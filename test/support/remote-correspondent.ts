// People whose client runs on another host: a host-client.js process on that host holds their
// connections, and each RemoteCorrespondent here mirrors what it reports (what was shown, what
// arrived, whether the connection is up), so that a DeliveryLedger counts them like local people.
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RequestBody } from '../../src/client/chat-client.js';
import { dchat } from '../../src/gen/proto.js';
import type { Endpoint, Person } from './delivery-ledger.js';
import type { Host, HostNet } from './hosts.js';
import { waitFor } from './wait.js';

const agentScript = fileURLToPath(new URL('./host-client.js', import.meta.url));

interface AgentLine {
  seq?: number;
  ok?: boolean;
  response?: Record<string, unknown>;
  error?: string;
  event?: 'ready' | 'shown' | 'arrival' | 'closed';
  name?: string;
  message?: Record<string, unknown>;
}

export class RemoteCorrespondent implements Person {
  id = 0;
  arrivals = 0;
  readonly shown: dchat.IChatMessage[] = [];
  /** When each message of `shown` reached the test (Date.now()), in the same order. */
  readonly shownAtMs: number[] = [];
  connections = 0;
  private isOpen = false;

  constructor(
    readonly name: string,
    readonly clients: HostClients,
    /** How long a request waits for its answer before it fails (the client's requestTimeoutMs). */
    readonly requestTimeoutMs = 15_000,
    readonly password = `${name}-secret`,
  ) {}

  async connect(endpoint: Endpoint): Promise<void> {
    this.isOpen = false;
    await this.clients.send({ name: this.name, op: 'connect', host: endpoint.host, port: endpoint.port, requestTimeoutMs: this.requestTimeoutMs });
    this.isOpen = true;
    this.connections++;
  }

  isConnected(): boolean {
    return this.isOpen;
  }

  async register(): Promise<number> {
    const res = await this.call({ register: { name: this.name, password: this.password } });
    this.id = res.register?.user?.id ?? 0;
    assert.ok(this.id > 0, `register ${this.name} returned no id`);
    return this.id;
  }

  login(): Promise<dchat.client.Response> {
    return this.call({ login: { userId: this.id, password: this.password } });
  }

  async request(body: RequestBody): Promise<dchat.client.Response> {
    const response = await this.clients.send({ name: this.name, op: 'request', body });
    return dchat.client.Response.fromObject(response ?? {});
  }

  async call(body: RequestBody): Promise<dchat.client.Response> {
    const res = await this.request(body);
    assert.equal(res.status, dchat.Status.OK, `${this.name}: ${JSON.stringify(body)} answered ${dchat.Status[res.status]}: ${res.errorText}`);
    return res;
  }

  close(): void {
    this.isOpen = false;
    void this.clients.send({ name: this.name, op: 'close' }).catch(() => {});
  }

  /** What host-client.js reported about this person. */
  onEvent(line: AgentLine): void {
    if (line.event === 'arrival') this.arrivals++;
    if (line.event === 'shown') {
      this.shown.push(dchat.ChatMessage.fromObject(line.message ?? {}));
      this.shownAtMs.push(Date.now());
    }
    if (line.event === 'closed') this.isOpen = false;
  }
}

/** The host-client.js process of one client host, and the people it holds. */
export class HostClients {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (r: Record<string, unknown> | undefined) => void; reject: (e: Error) => void }>();
  private readonly people = new Map<string, RemoteCorrespondent>();
  private isReady = false;
  private exitReason: string | undefined;

  private constructor(
    readonly host: Host,
    private readonly child: ChildProcess,
  ) {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code, signal) => {
      this.exitReason = `host-client.js on ${host.name} exited (${code ?? signal}): ${stderr.trim()}`;
      for (const p of this.pending.values()) p.reject(new Error(this.exitReason));
      this.pending.clear();
    });
    createInterface({ input: child.stdout ?? process.stdin }).on('line', (text) => this.onLine(JSON.parse(text) as AgentLine));
  }

  static async start(net: HostNet, host: Host): Promise<HostClients> {
    const child = net.spawnOn(host, process.execPath, ['--enable-source-maps', agentScript], { stdio: ['pipe', 'pipe', 'pipe'] });
    const clients = new HostClients(host, child);
    await waitFor(() => {
      if (clients.exitReason) throw new Error(clients.exitReason);
      return clients.isReady;
    }, 10_000, `host-client.js on ${host.name} to say it is ready`);
    return clients;
  }

  person(name: string, requestTimeoutMs?: number): RemoteCorrespondent {
    const person = new RemoteCorrespondent(name, this, requestTimeoutMs);
    this.people.set(name, person);
    return person;
  }

  send(command: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    if (this.exitReason) return Promise.reject(new Error(this.exitReason));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.child.stdin?.write(`${JSON.stringify({ seq, ...command })}\n`);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }

  private onLine(line: AgentLine): void {
    if (line.event === 'ready') this.isReady = true;
    else if (line.event !== undefined) this.people.get(line.name ?? '')?.onEvent(line);
    else if (line.seq !== undefined) {
      const waiter = this.pending.get(line.seq);
      this.pending.delete(line.seq);
      if (line.ok) waiter?.resolve(line.response);
      else waiter?.reject(new Error(line.error ?? 'host-client.js failed without a reason'));
    }
  }
}
