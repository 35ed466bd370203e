// The clients of one client host in the rolling-restart benchmark (run there with `ip netns exec
// NS node rolling-agent.js`): one ChatSession each (dchat's client library: reconnect at once
// after SHUTTING_DOWN, resume with the login's token, resend with client_msg_id, an inbox that
// shows each message id once), all through nginx. The benchmark drives it over stdin and reads
// what happened on stdout, one JSON object a line, with times from Date.now() (every host of
// the machine shares one clock):
//
//   in:  {"op":"join","entry":{"host":"10.213.0.19","port":8000},"names":["rr-0",…],"width":4}
//        {"op":"roster","ids":[…every user of every host…]}
//        {"op":"chat","ratePerS":25,"seed":7}     start writing: open loop, one send per person at a time
//        {"op":"quiet"}                           stop writing; answered once every send has ended
//   out: {"op":"joined","ids":[…]}  {"op":"quiet"}  {"op":"error","error":"…"}
//        {"e":"ack","id":MSG,"from":USER,"to":USER,"t0":MS,"t1":MS}   a send answered "sent" (t0: started)
//        {"e":"fail","from":USER,"to":USER,"t0":MS,"t1":MS,"why":"…"}  a send that ended otherwise
//        {"e":"show","id":MSG,"to":USER,"t":MS}             a message shown for the first time
//        {"e":"down","user":USER,"t":MS,"why":"…"}         the session lost its connection
//        {"e":"up","user":USER,"t":MS,"kickedAt":MS,"connectedAt":MS,"backoffMs":MS}
//                                       logged in again (resume answered OK): when the kick came
//                                       (0: none), the first backoff, when the new connection opened
//        {"e":"relogin","user":USER,"status":"…"}          a resume that was refused
import { createInterface } from 'node:readline';
import { errorMessage } from '../../src/base/dchat-error.js';
import { ChatSession } from '../../src/client/chat-session.js';
import { dchat } from '../../src/gen/proto.js';
import { SeededRandom } from '../chaos/seeded-random.js';

interface Command {
  op: 'join' | 'roster' | 'chat' | 'quiet';
  entry?: { host: string; port: number };
  names?: string[];
  width?: number;
  ids?: number[];
  ratePerS?: number;
  seed?: number;
}

interface Person {
  session: ChatSession;
  userId: number;
  isDown: boolean;
  /** When the last kick came, and when the cut-off session connected again (0: not yet). */
  kickedAt: number;
  connectedAt: number;
  backoffMs: number;
}

const password = 'rolling-password';
const people: Person[] = [];
let roster: number[] = [];
let sender: NodeJS.Timeout | undefined;
const busy = new Set<number>();
const inFlight = new Set<Promise<void>>();

const say = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

function newPerson(entry: { host: string; port: number }): Person {
  const person: Person = { session: undefined as unknown as ChatSession, userId: 0, isDown: false, kickedAt: 0, connectedAt: 0, backoffMs: 0 };
  person.session = new ChatSession(
    { host: entry.host, port: entry.port, pingIntervalMs: 0 },
    {
      message: (m) => say({ e: 'show', id: Number(m.id ?? 0), to: person.userId, t: Date.now() }),
      event: (event) => {
        if (event.kicked) person.kickedAt = Date.now();
      },
      status: (status, detail) => {
        if (status === 'connected' && person.isDown) person.connectedAt = Date.now();
        if (status !== 'reconnecting' || person.isDown || person.userId === 0) return;
        person.isDown = true;
        person.connectedAt = 0;
        person.backoffMs = Number(/ in (\d+) ms/.exec(detail)?.[1] ?? 0);
        say({ e: 'down', user: person.userId, t: Date.now(), why: detail.replace(/; reconnecting to .*$/, '') });
      },
      relogin: (response) => {
        if (response.status === dchat.Status.OK) {
          person.isDown = false;
          say({ e: 'up', user: person.userId, t: Date.now(), kickedAt: person.kickedAt, connectedAt: person.connectedAt, backoffMs: person.backoffMs });
          person.kickedAt = 0;
        } else say({ e: 'relogin', user: person.userId, status: `${dchat.Status[response.status]}: ${response.errorText}` });
      },
    },
  );
  return person;
}

async function checked(person: Person, body: Parameters<ChatSession['request']>[0]): Promise<dchat.client.Response> {
  const response = await person.session.request(body);
  if (response.status !== dchat.Status.OK) throw new Error(`${Object.keys(body).join(',')} answered ${dchat.Status[response.status]}: ${response.errorText}`);
  return response;
}

async function join(entry: { host: string; port: number }, names: string[], width: number): Promise<number[]> {
  const ids: number[] = new Array<number>(names.length).fill(0);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < names.length) {
      const index = next++;
      const person = newPerson(entry);
      await person.session.connect();
      const registered = await checked(person, { register: { name: names[index], password } });
      person.userId = Number(registered.register?.user?.id ?? 0);
      await checked(person, { login: { userId: person.userId, password } });
      people[index] = person;
      ids[index] = person.userId;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, width) }, lane));
  return ids;
}

/** One send from a person not writing already, to a random other user of the roster. */
function sendOne(random: SeededRandom): void {
  const index = random.below(people.length);
  const person = people[index];
  if (!person || busy.has(index) || roster.length < 2) return;
  let to = person.userId;
  while (to === person.userId) to = roster[random.below(roster.length)] ?? person.userId;
  const from = person.userId;
  busy.add(index);
  const t0 = Date.now();
  const sent = person.session
    .request({ chat: { toId: to, text: `${person.userId}→${to} at ${t0}` } })
    .then(
      (response) => {
        if (response.status === dchat.Status.OK) say({ e: 'ack', id: Number(response.sent?.messageId ?? 0), from, to, t0, t1: Date.now() });
        else say({ e: 'fail', from, to, t0, t1: Date.now(), why: `${dchat.Status[response.status]}: ${response.errorText}` });
      },
      (err: unknown) => say({ e: 'fail', from, to, t0, t1: Date.now(), why: errorMessage(err) }),
    )
    .finally(() => {
      busy.delete(index);
      inFlight.delete(sent);
    });
  inFlight.add(sent);
}

/** Open loop: ratePerS sends a second, started on a 20 ms tick. */
function startChat(ratePerS: number, seed: number): void {
  const random = new SeededRandom(seed);
  const tickMs = 20;
  let owed = 0;
  sender = setInterval(() => {
    owed += (ratePerS * tickMs) / 1000;
    for (; owed >= 1; owed--) sendOne(random);
  }, tickMs);
}

async function quiet(): Promise<void> {
  clearInterval(sender);
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}

async function run(command: Command): Promise<object | undefined> {
  switch (command.op) {
    case 'join':
      return { op: 'joined', ids: await join(command.entry ?? { host: '', port: 0 }, command.names ?? [], command.width ?? 4) };
    case 'roster':
      roster = command.ids ?? [];
      return undefined;
    case 'chat':
      startChat(command.ratePerS ?? 1, command.seed ?? 1);
      return undefined;
    case 'quiet':
      await quiet();
      return { op: 'quiet' };
    default: {
      const never: never = command.op;
      throw new Error(`unknown op ${String(never)}`);
    }
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as Command;
  run(command).then(
    (answer) => answer && say(answer),
    (err: unknown) => say({ op: 'error', error: `${command.op}: ${errorMessage(err)}` }),
  );
});
process.stdin.on('end', () => process.exit(0));
say({ op: 'ready' });
