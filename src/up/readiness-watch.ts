// dchat up's watch of what its processes say about themselves: every few seconds it asks each
// chat node's and dchat lb's /readyz (their --metrics address) and reports on its console when
// one stops being ready (with the reasons it gives: ZooKeeper session lost, store unreachable,
// draining) and when it is ready again. The supervisor reports and restarts processes that exit;
// this covers the ones that run but cannot serve.
export const readinessPollMs = 2_000;
/** A /readyz that has not answered within this is asked again at the next poll. */
const requestTimeoutMs = 3_000;

interface Watched {
  name: string;
  url: string;
  isReady: boolean | undefined;
}

export class ReadinessWatch {
  private readonly watched: Watched[] = [];
  private timer: NodeJS.Timeout | undefined;
  private isPolling = false;

  constructor(
    private readonly write: (line: string) => void,
    /** The bearer token the cluster's --metrics addresses ask for; undefined: none asked (a standalone node). */
    private readonly token: string | undefined,
    private readonly pollMs = readinessPollMs,
  ) {}

  /** Watches the process `name` whose operator address is host:port. */
  add(name: string, address: string): void {
    this.watched.push({ name, url: `http://${address}/readyz`, isReady: undefined });
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.isPolling) return;
    this.isPolling = true;
    try {
      await Promise.all(this.watched.map((w) => this.check(w)));
    } finally {
      this.isPolling = false;
    }
  }

  private async check(watched: Watched): Promise<void> {
    let answer: { status: number; text: string };
    try {
      const headers: Record<string, string> = this.token === undefined ? {} : { authorization: `Bearer ${this.token}` };
      const res = await fetch(watched.url, { headers, signal: AbortSignal.timeout(requestTimeoutMs) });
      answer = { status: res.status, text: await res.text() };
    } catch {
      return; // not answering at all: exited (the supervisor reports it) or restarting
    }
    const isReady = answer.status === 200;
    if (isReady === watched.isReady) return;
    const wasKnown = watched.isReady !== undefined;
    watched.isReady = isReady;
    if (!isReady) {
      const reasons = answer.text.split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
      this.write(`${watched.name} is not ready (${watched.url}): ${reasons.join('; ') || `HTTP ${answer.status}`}`);
    } else if (wasKnown) {
      this.write(`${watched.name} is ready again`);
    }
  }
}
