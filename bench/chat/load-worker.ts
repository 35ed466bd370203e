// A load worker of the chat benchmark: a child process holding a share of the simulated users,
// each its own ChatClient connection with a MessageInbox that acknowledges every arrival, as
// `dchat client` does. The coordinator (chat-bench.ts) drives it over IPC (worker-protocol.ts).
// Several workers, so that the load generator is not one core's worth of JavaScript and no
// process nears the limit of 20,000 open files.
import { errorMessage } from '../../src/base/dchat-error.js';
import { ChatClient, type RequestBody } from '../../src/client/chat-client.js';
import { MessageInbox } from '../../src/client/message-inbox.js';
import { dchat } from '../../src/gen/proto.js';
import { LatencyHistogram } from './latency-histogram.js';
import { latencyKinds, nowUs, type Command, type CommandMessage, type LatencyKind, type Reply, type ReplyMessage, type RunReport, type SendPlan, type Target } from './worker-protocol.js';

const { Status } = dchat;
const loginsInFlight = 64;
const registerConnections = 8;

interface Measurement {
  tag: string;
  fromUs: number;
  untilUs: number;
  arrivals: Record<LatencyKind, LatencyHistogram>;
}

let measurement: Measurement | undefined;
const users = new Map<number, ChatClient>();

function newClient(target: Target, localAddress: string): ChatClient {
  return new ChatClient({ host: target.host, port: target.port, localAddress, pingIntervalMs: 20_000, requestTimeoutMs: 30_000, connectTimeoutMs: 30_000 });
}

/** Every pushed message is acknowledged; those of the run being measured are timed. */
function receiveMessages(client: ChatClient): void {
  const inbox = new MessageInbox((messageIds) => void client.notify({ ack: { messageIds } }), 1_000);
  client.onEvent((event) => {
    if (!event.message) return;
    const arrivedUs = nowUs();
    if (!inbox.accept(event.message) || !measurement) return;
    const [tag, kind, sentUs] = (event.message.text ?? '').split(' ');
    if (tag !== measurement.tag || arrivedUs < measurement.fromUs || arrivedUs > measurement.untilUs) return;
    measurement.arrivals[kind as LatencyKind]?.record(arrivedUs - Number(sentUs));
  });
}

/** Runs task over items with at most `width` in flight. */
async function forEachLimited<T>(items: readonly T[], width: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}

async function register(command: Extract<Command, { op: 'register' }>): Promise<Reply> {
  const clients = Array.from({ length: registerConnections }, () => newClient(command.target, command.localAddress));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const ids: number[] = new Array<number>(command.names.length).fill(0);
    await forEachLimited(command.names, registerConnections * 4, async (name, i) => {
      const client = clients[i % registerConnections] as ChatClient;
      const response = await callWhenAdmitted(client, { register: { name, password: command.password } });
      ids[i] = response.register?.user?.id ?? 0;
    });
    return { op: 'register', ids };
  } finally {
    for (const c of clients) c.destroy();
  }
}

async function login(command: Extract<Command, { op: 'login' }>): Promise<Reply> {
  await forEachLimited(command.userIds, loginsInFlight, async (userId) => {
    const client = newClient(command.target, command.localAddress);
    receiveMessages(client);
    await client.connect();
    users.set(userId, client);
    await callWhenAdmitted(client, { login: { userId, password: command.password } });
  });
  return { op: 'login', loggedIn: users.size };
}

/**
 * Calls body, and while the node answers RESOURCE_EXHAUSTED with a retry-after (its password
 * checks are queued past their limit, docs/rules.md) calls again after that wait plus up to as much
 * again at random, as `dchat client` does (src/client/chat-session.ts); other refusals throw.
 */
async function callWhenAdmitted(client: ChatClient, body: RequestBody): Promise<dchat.client.Response> {
  const giveUpAt = Date.now() + 60_000;
  for (;;) {
    const response = await client.request(body);
    const waitMs = response.retryAfterMs * (1 + Math.random());
    if (response.status === Status.RESOURCE_EXHAUSTED && response.retryAfterMs > 0 && Date.now() + waitMs < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      continue;
    }
    if (response.status !== Status.OK) throw new Error(`${Status[response.status]}: ${response.errorText}`);
    return response;
  }
}

function clientOf(userId: number): ChatClient {
  const client = users.get(userId);
  if (!client) throw new Error(`user ${userId} is not logged in on this worker`);
  return client;
}

async function createGroups(command: Extract<Command, { op: 'create-groups' }>): Promise<Reply> {
  const groupIds = new Array<number>(command.creators.length).fill(0);
  await forEachLimited(command.creators, loginsInFlight, async ({ userId, name }, i) => {
    const response = await clientOf(userId).call({ createGroup: { name, desc: 'chat benchmark' } });
    groupIds[i] = response.group?.group?.id ?? 0;
  });
  return { op: 'create-groups', groupIds };
}

async function joinGroups(command: Extract<Command, { op: 'join-groups' }>): Promise<Reply> {
  await forEachLimited(command.joins, loginsInFlight, async ({ userId, groupId }) => {
    await clientOf(userId).call({ addGroup: { groupId } });
  });
  return { op: 'join-groups', joined: command.joins.length };
}

function bodyOf(plan: SendPlan, tag: string): RequestBody {
  const text = `${tag} ${plan.kind} ${nowUs()}`;
  return plan.groupId !== 0 ? { groupChat: { groupId: plan.groupId, text } } : { chat: { toId: plan.toId, text } };
}

/** A closed loop per window slot: send, await the node's acknowledgement, send the next. */
async function run(command: Extract<Command, { op: 'run' }>): Promise<Reply> {
  const arrivals = Object.fromEntries(latencyKinds.map((k) => [k, new LatencyHistogram()])) as Record<LatencyKind, LatencyHistogram>;
  measurement = { tag: command.tag, fromUs: command.measureFromUs, untilUs: command.measureUntilUs, arrivals };
  const senders = { acked: 0, refused: 0, firstRefusal: undefined as string | undefined };
  const refuse = (why: string): void => {
    senders.refused++;
    senders.firstRefusal ??= why;
  };
  const plans = command.plans;
  const slot = async (first: number): Promise<void> => {
    let nextStartMs = performance.now() + Math.random() * command.slotIntervalMs;
    for (let i = first; nowUs() < command.measureUntilUs; i += command.window) {
      if (command.slotIntervalMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextStartMs - performance.now())));
        nextStartMs += command.slotIntervalMs;
      }
      const plan = plans[i % plans.length] as SendPlan;
      try {
        const response = await clientOf(plan.senderId).request(bodyOf(plan, command.tag));
        const at = nowUs();
        if (response.status !== Status.OK) refuse(`${Status[response.status]}: ${response.errorText}`);
        else if (at >= command.measureFromUs && at <= command.measureUntilUs) senders.acked++;
      } catch (err) {
        refuse(errorMessage(err));
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  };
  if (plans.length > 0) await Promise.all(Array.from({ length: Math.min(command.window, plans.length) }, (_, i) => slot(i)));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, (command.measureUntilUs - nowUs()) / 1000) + command.drainMs));
  measurement = undefined;
  const report: RunReport = {
    ...senders,
    arrivals: Object.fromEntries(latencyKinds.map((k) => [k, { count: arrivals[k].total, histogram: arrivals[k].counts }])) as RunReport['arrivals'],
  };
  return { op: 'run', report };
}

function close(): Reply {
  for (const client of users.values()) client.destroy();
  const closed = users.size;
  users.clear();
  return { op: 'close', closed };
}

function execute(command: Command): Promise<Reply> | Reply {
  switch (command.op) {
    case 'register': return register(command);
    case 'login': return login(command);
    case 'create-groups': return createGroups(command);
    case 'join-groups': return joinGroups(command);
    case 'run': return run(command);
    case 'close': return close();
    default: {
      const unreachable: never = command;
      throw new Error(`unknown command ${JSON.stringify(unreachable)}`);
    }
  }
}

process.on('message', (message: CommandMessage) => {
  const send = (reply: ReplyMessage): void => void process.send?.(reply);
  Promise.resolve()
    .then(() => execute(message))
    .then((reply) => send({ id: message.id, ok: true, reply }))
    .catch((err: unknown) => send({ id: message.id, ok: false, error: errorMessage(err) }));
});
process.on('disconnect', () => process.exit(0));
