// A user driving a real chat node through ChatClient, recording what it was pushed, for
// end-to-end tests that read as a conversation.
import assert from 'node:assert/strict';
import { ChatClient } from '../../src/client/chat-client.js';
import { dchat } from '../../src/gen/proto.js';
import { waitFor } from './wait.js';

export class ChatUser {
  readonly client: ChatClient;
  readonly events: dchat.client.Event[] = [];
  id = 0;
  closed = false;

  constructor(
    readonly name: string,
    host: string,
    port: number,
    options: { autoAck?: boolean; localAddress?: string } = {},
  ) {
    this.client = new ChatClient({ host, port, pingIntervalMs: 0, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    this.client.onEvent((event) => {
      this.events.push(event);
      if (event.message && options.autoAck !== false) void this.client.request({ ack: { messageIds: [event.message.id ?? 0] } }).catch(() => {});
    });
    this.client.onClose(() => {
      this.closed = true;
    });
  }

  static async registered(name: string, host: string, port: number, options: { autoAck?: boolean } = {}): Promise<ChatUser> {
    const user = new ChatUser(name, host, port, options);
    await user.client.connect();
    const res = await user.client.call({ register: { name, password: `${name}-secret` } });
    user.id = res.register?.user?.id ?? 0;
    assert.ok(user.id > 0, `register ${name} returned no id`);
    return user;
  }

  async login(): Promise<dchat.client.Response> {
    return this.client.call({ login: { userId: this.id, password: `${this.name}-secret` } });
  }

  messages(): dchat.IChatMessage[] {
    return this.events.flatMap((e) => (e.message ? [e.message] : []));
  }

  async waitForMessage(text: string, timeoutMs = 5000): Promise<dchat.IChatMessage> {
    return waitFor(() => this.messages().find((m) => m.text === text), timeoutMs, `${this.name} to receive "${text}"`);
  }

  async waitForEvent(predicate: (e: dchat.client.Event) => boolean, what: string, timeoutMs = 5000): Promise<dchat.client.Event> {
    return waitFor(() => this.events.find(predicate), timeoutMs, `${this.name} to be pushed ${what}`);
  }

  async expectRefusal(body: Parameters<ChatClient['request']>[0], status: dchat.Status, textPattern?: RegExp): Promise<string> {
    const res = await this.client.request(body);
    assert.equal(dchat.Status[res.status], dchat.Status[status], `expected ${dchat.Status[status]} for ${JSON.stringify(body)}, got ${dchat.Status[res.status]}: ${res.errorText}`);
    assert.ok(res.errorText.length > 0, 'a refusal carries a sentence');
    if (textPattern) assert.match(res.errorText, textPattern);
    return res.errorText;
  }

  close(): void {
    this.client.destroy();
  }
}
