// End to end: ids of 2^53 and more, written as raw protobuf varints (no JavaScript number can
// hold them), sent to a real `dchat server`. Every command that carries an id refuses them the
// same way, INVALID_ARGUMENT naming the field and quoting the value exactly as sent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { RawClient, varint } from './support/raw-client.js';

function varintField(field: number, value: bigint): number[] {
  return [...varint(BigInt(field << 3)), ...varint(value)];
}

function bytesField(field: number, body: number[]): number[] {
  return [...varint(BigInt((field << 3) | 2)), ...varint(BigInt(body.length)), ...body];
}

const text = (field: number, value: string): number[] => bytesField(field, [...Buffer.from(value)]);

const large: readonly bigint[] = [2n ** 53n, 2n ** 53n + 1n, 2n ** 63n + 12345n, 2n ** 64n - 1n];

describe('large ids', () => {
  let server: DchatProcess;
  let ann: ChatUser;
  let raw: RawClient;
  let groupId = 0;

  before(async () => {
    server = await startDchatServer(['--password-cost', 'test']);
    ann = await ChatUser.registered('ann', server.host, server.port);
    await ann.login();
    groupId = (await ann.client.call({ createGroup: { name: 'crew', desc: '' } })).group?.group?.id ?? 0;
    raw = await RawClient.connect(server.host, server.port);
  });
  after(async () => {
    raw?.close();
    ann?.close();
    await server?.stop();
  });

  let nextId = 1;
  // decode() makes class instances all the way down; the field is typed by its interface.
  const send = async (requestId: number, body: number[]): Promise<dchat.client.Response> => (await raw.sendBytes(requestId, body)).frame.response as dchat.client.Response;
  async function expectExactRefusal(body: number[], field: string, id: bigint): Promise<void> {
    const response = await send(nextId++, body);
    assert.equal(dchat.Status[response.status], 'INVALID_ARGUMENT', `${field} = ${id}: ${response.errorText}`);
    assert.equal(
      response.errorText,
      `${field} is ${id}, above 9007199254740991 (2^53-1), the largest id dchat uses: no user, group or message has it; send an id you were given`,
    );
  }

  test('login refuses a user id of 2^53 or more before logging in, quoting it exactly', async () => {
    for (const id of large) await expectExactRefusal(bytesField(3, [...varintField(1, id), ...text(2, 'ann-secret')]), 'login.user_id', id);
  });

  test('every command that carries an id refuses one of 2^53 or more the same way, quoting it exactly', async () => {
    const login = await send(nextId++, bytesField(3, [...varintField(1, BigInt(ann.id)), ...text(2, 'ann-secret')]));
    assert.equal(dchat.Status[login.status], 'OK', login.errorText);
    const safeGroup = BigInt(groupId);
    for (const id of large) {
      await expectExactRefusal(bytesField(5, [...varintField(1, id), ...text(2, 'hi')]), 'chat.to_id', id);
      await expectExactRefusal(bytesField(6, varintField(1, id)), 'add_friend.friend_id', id);
      await expectExactRefusal(bytesField(7, varintField(1, id)), 'del_friend.friend_id', id);
      await expectExactRefusal(bytesField(9, varintField(1, id)), 'add_group.group_id', id);
      await expectExactRefusal(bytesField(10, varintField(1, id)), 'del_group.group_id', id);
      await expectExactRefusal(bytesField(11, [...varintField(1, id), ...text(2, 'hi')]), 'group_chat.group_id', id);
      await expectExactRefusal(bytesField(13, varintField(1, id)), 'history.peer_id', id);
      await expectExactRefusal(bytesField(13, varintField(2, id)), 'history.group_id', id);
      await expectExactRefusal(bytesField(13, [...varintField(2, safeGroup), ...varintField(3, id)]), 'history.before_id', id);
      await expectExactRefusal(bytesField(14, [...varintField(1, 5n), ...varintField(1, id)]), 'ack.message_ids[1]', id);
    }
  });

  test('the largest id dchat uses, 2^53-1, is an ordinary unknown id', async () => {
    const response = await send(nextId++, bytesField(6, varintField(1, 2n ** 53n - 1n)));
    assert.equal(dchat.Status[response.status], 'NOT_FOUND', response.errorText);
    assert.equal(response.errorText, 'there is no user 9007199254740991');
  });
});
