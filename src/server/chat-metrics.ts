// A chat node's metrics (docs/operations.md lists them): what the gateway answered, what was
// stored, pushed and acknowledged, and how late. The gateway and the routers call one function
// each; the cells behind them are found once per command and status, so counting a message
// allocates nothing (base/metrics.ts says why).
import { CounterFamily, HistogramFamily, isCounting, scrapedGauge, type CounterCell, type HistogramCell } from '../base/metrics.js';
import { dchat } from '../gen/proto.js';
import type { Reply } from './client-session.js';

const { Status } = dchat;
type Command = NonNullable<dchat.client.Request['body']>;

const requests = new CounterFamily('dchat_requests_total', 'Client requests answered, by command and status', ['command', 'status']);
const requestSeconds = new HistogramFamily(
  'dchat_request_duration_seconds',
  'From a client request read off its connection to its answer (for chat and group_chat: send to the sender\'s "sent" acknowledgement)',
  ['command'],
);
const logins = new CounterFamily('dchat_logins_total', 'Logins answered, by outcome (ok, or the status of the refusal)', ['outcome']);
const registrations = new CounterFamily('dchat_registrations_total', 'Registrations answered, by outcome (ok, or the status of the refusal)', ['outcome']);
const stored = new CounterFamily('dchat_messages_stored_total', 'Messages stored and acknowledged to their sender by this node, by kind (direct, group)', ['kind']);
const pushed = new CounterFamily('dchat_messages_pushed_total', 'Messages pushed to a recipient\'s connection on this node: live as sent, or replayed from the pending backlog at login', ['path']);
const acked = new CounterFamily('dchat_messages_acked_total', 'Pending deliveries removed because the recipient\'s client acknowledged them', []);
const deliverySeconds = new HistogramFamily(
  'dchat_message_delivery_seconds',
  'From a message\'s server time (when it was stored) to its live push onto the recipient\'s connection',
  [],
);

/** Lower-case status names (OK -> ok) for labels. */
const statusNames = new Map<number, string>(Object.entries(Status).map(([name, value]) => [value as number, name.toLowerCase()]));
const statusName = (status: number): string => statusNames.get(status) ?? String(status);

/** The cells of one command; its status cells made when a status first appears. */
class CommandCells {
  readonly seconds: HistogramCell;
  private readonly byStatus = new Map<number, CounterCell>();
  private readonly outcomeFamily: CounterFamily | undefined;
  private readonly outcomes = new Map<number, CounterCell>();

  constructor(readonly command: string) {
    this.seconds = requestSeconds.cell(command);
    this.outcomeFamily = command === 'login' ? logins : command === 'register' ? registrations : undefined;
  }

  count(status: number): void {
    let cell = this.byStatus.get(status);
    if (!cell) this.byStatus.set(status, (cell = requests.cell(this.command, statusName(status))));
    cell.inc();
    if (!this.outcomeFamily) return;
    let outcome = this.outcomes.get(status);
    if (!outcome) this.outcomes.set(status, (outcome = this.outcomeFamily.cell(statusName(status))));
    outcome.inc();
  }
}

const commands = new Map<string, CommandCells>();
const storedDirect = stored.cell('direct');
const storedGroup = stored.cell('group');
const pushedLive = pushed.cell('live');
const pushedReplay = pushed.cell('replay');
const ackedCell = acked.cell();
const deliveryCell = deliverySeconds.cell();

/** snake_case command names for labels, as Prometheus names are written. */
const labelOf = (command: string): string => command.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The gateway calls this once per answered request; startMs is performance.now() at its arrival. */
export function countRequest(command: Command | undefined, reply: Reply, startMs: number): void {
  if (!isCounting) return;
  const key = command ?? 'none';
  let cells = commands.get(key);
  if (!cells) commands.set(key, (cells = new CommandCells(labelOf(key))));
  cells.count(reply.status);
  cells.seconds.observeSince(startMs);
  if (reply.status !== Status.OK) return;
  if (command === 'chat') storedDirect.inc();
  else if (command === 'groupChat') storedGroup.inc();
  else if (command === 'ack') ackedCell.inc(reply.result?.ack?.removed ?? 0);
}

/** A message pushed live onto a recipient's connection here. */
export function countLivePush(message: NonNullable<dchat.client.IEvent['message']>): void {
  if (!isCounting) return;
  pushedLive.inc();
  const sentAtMs = Number(message.sentAtMs ?? 0);
  if (sentAtMs > 0) deliveryCell.observe(Math.max(0, Date.now() - sentAtMs) / 1000);
}

/** A message replayed from the pending backlog. */
export function countReplayedPush(): void {
  if (!isCounting) return;
  pushedReplay.inc();
}

/** What the node's gauges read at scrape time. */
export interface ChatNodeGauges {
  loggedIn(): number;
  anonymous(): number;
}

/** Reads the connection gauges of `node` from now on (the newest node of the process wins). */
export function publishNodeGauges(node: ChatNodeGauges): void {
  scrapedGauge('dchat_connections', 'Client connections open, by state: logged_in, or anonymous (not logged in yet)', ['state'], (set) => {
    set(node.loggedIn(), 'logged_in');
    set(node.anonymous(), 'anonymous');
  });
}
