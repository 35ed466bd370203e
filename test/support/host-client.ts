// The client side of the many-hosts tests, run on a client host (`ip netns exec NS node
// host-client.js`): it holds the connections of any number of people, each a ChatClient with the
// client's own MessageInbox (shown once per message id, every arrival acknowledged), and is driven
// by the test over stdin/stdout, one JSON object a line (test/support/remote-correspondent.ts).
//
//   in:  {"seq": 1, "name": "ann", "op": "connect", "host": "10.213.0.14", "port": 8000, "requestTimeoutMs": 3000}
//        ops: connect, request (with "body"), close
//   out: {"seq": 1, "ok": true, "response": {...}} or {"seq": 1, "ok": false, "error": "..."}
//        {"event": "shown", "name": "ann", "message": {...}}   a message shown for the first time
//        {"event": "arrival", "name": "ann"}                    any message arriving, duplicates too
//        {"event": "closed", "name": "ann"}                     the connection closed
import { createInterface } from 'node:readline';
import { ChatClient, type RequestBody } from '../../src/client/chat-client.js';
import { MessageInbox } from '../../src/client/message-inbox.js';
import { errorMessage } from '../../src/base/dchat-error.js';
import { dchat } from '../../src/gen/proto.js';

interface Command {
  seq: number;
  name: string;
  op: 'connect' | 'request' | 'close';
  host?: string;
  port?: number;
  requestTimeoutMs?: number;
  body?: RequestBody;
}

interface Person {
  client: ChatClient | undefined;
  inbox: MessageInbox;
}

const people = new Map<string, Person>();
const send = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

function personNamed(name: string): Person {
  let person = people.get(name);
  if (!person) {
    const created: Person = { client: undefined, inbox: new MessageInbox((messageIds) => void created.client?.request({ ack: { messageIds } }).catch(() => {})) };
    person = created;
    people.set(name, person);
  }
  return person;
}

async function connect(name: string, host: string, port: number, requestTimeoutMs: number): Promise<void> {
  const person = personNamed(name);
  person.client?.destroy();
  const client = new ChatClient({ host, port, pingIntervalMs: 0, requestTimeoutMs });
  client.onEvent((event) => {
    if (!event.message) return;
    send({ event: 'arrival', name });
    if (person.inbox.accept(event.message)) send({ event: 'shown', name, message: dchat.ChatMessage.toObject(event.message as dchat.ChatMessage, { longs: Number }) });
  });
  // An older connection closing (it was replaced) says nothing about this one.
  client.onClose(() => {
    if (person.client === client) send({ event: 'closed', name });
  });
  person.client = client;
  await client.connect();
}

async function run(command: Command): Promise<object | undefined> {
  const person = personNamed(command.name);
  switch (command.op) {
    case 'connect':
      await connect(command.name, command.host ?? '', command.port ?? 0, command.requestTimeoutMs ?? 15_000);
      return undefined;
    case 'request': {
      if (!person.client) throw new Error(`${command.name} has no connection`);
      const res = await person.client.request(command.body ?? {});
      return dchat.client.Response.toObject(res, { longs: Number });
    }
    case 'close':
      person.client?.destroy();
      person.client = undefined;
      return undefined;
    default: {
      const never: never = command.op;
      throw new Error(`unknown op ${String(never)}`);
    }
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as Command;
  run(command).then(
    (response) => send({ seq: command.seq, ok: true, response }),
    (err: unknown) => send({ seq: command.seq, ok: false, error: errorMessage(err) }),
  );
});
process.stdin.on('end', () => process.exit(0));
send({ event: 'ready' });
