// OfflineServiceRpc: the seed's offline messages grown into the delivery contract. Every message
// is stored, with a pending row for each recipient, before its sender is acknowledged; the
// pending row goes only when the recipient's client acknowledges the message.
import { dchat } from '../gen/proto.js';
import type { ChatRepository, Conversation, MessageRow } from '../store/repository.js';
import { fieldBytes, withinBudget } from './answer-budget.js';
import { checkClientMsgId, checkId, checkText, defaultUsageLimits, limits, pageSize, type UsageLimits } from './limits.js';
import { OK, refuse, type Refusal } from './result.js';
import { messageOf } from './row-mapping.js';
import type { OfflineServiceApi } from './service-api.js';

const { Status } = dchat;

/** How a resend differs from the message its key named first; undefined for a true resend. */
export function describeReuse(stored: MessageRow, resend: { toId: number; groupId: number; text: string }): string | undefined {
  if (stored.toId !== resend.toId || stored.groupId !== resend.groupId) {
    const target = (m: { toId: number; groupId: number }): string => (m.toId !== 0 ? `user ${m.toId}` : `group ${m.groupId}`);
    return `which went to ${target(stored)}, not ${target(resend)}`;
  }
  if (stored.text !== resend.text) return 'which has another text';
  return undefined;
}

const messageBytes = (m: dchat.IChatMessage): number => fieldBytes(dchat.ChatMessage.encode(m));

/** Recipients remembered to exist at most; past it the set starts afresh (a bound, not a policy). */
export const maxKnownRecipients = 100_000;

export class OfflineService implements OfflineServiceApi {
  /**
   * Recipients seen to exist: dchat never deletes a user, so a user found once exists for good,
   * and a conversation's later messages skip that read (a round trip to MySQL in a cluster).
   */
  private readonly knownRecipients = new Set<number>();

  constructor(
    private readonly repo: ChatRepository,
    private readonly now: () => number = Date.now,
    private readonly usage: UsageLimits = defaultUsageLimits,
  ) {}

  async saveMessage(request: dchat.ISaveMessageRequest): Promise<dchat.ISaveMessageResponse> {
    const fromId = request.fromId ?? 0;
    const toId = request.toId ?? 0;
    const groupId = request.groupId ?? 0;
    const text = request.text ?? '';
    const clientMsgId = request.clientMsgId ?? '';
    const problem = checkId('sender id', fromId) ?? checkText(text) ?? checkClientMsgId(clientMsgId);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    if ((toId === 0) === (groupId === 0)) {
      return refuse(Status.INVALID_ARGUMENT, 'a message goes to exactly one of a user (to_id) or a group (group_id)');
    }
    const recipients = toId !== 0 ? await this.directRecipients(fromId, toId) : await this.groupRecipients(fromId, groupId);
    if (!Array.isArray(recipients)) return recipients;
    const key = clientMsgId ? { clientMsgId, ...(request.isResend ? { isResend: true } : {}) } : {};
    const message = { fromId, toId, groupId, text, sentAtMs: this.now(), recipientIds: recipients, ...key };
    // The sender hears that the message was not taken, rather than the recipient losing an old one.
    const max = this.usage.pendingPerRecipient;
    const saved = toId !== 0 ? await this.repo.saveMessageUnlessFull(message, max) : await this.repo.saveMessage(message);
    if (saved === 'recipient-full') {
      return refuse(Status.RESOURCE_EXHAUSTED, `user ${toId} has ${max} messages waiting, the most one user may have; this one was not stored: send it again once they have read theirs`);
    }
    const { row, isRepeat } = saved;
    const reuse = isRepeat ? describeReuse(row, { toId, groupId, text }) : undefined;
    if (reuse) {
      return refuse(Status.INVALID_ARGUMENT, `client_msg_id "${clientMsgId}" already names message ${row.id}, ${reuse}; give every new message a new client_msg_id`);
    }
    // A repeat is answered like the original and pushed again to those who have not acknowledged
    // it yet: the original push may have died with its node, and clients show each message id
    // once. A member who joined the group since the original was sent is not one of them.
    const recipientIds = isRepeat ? await this.repo.listPendingRecipients(row.id) : recipients;
    return { result: OK, message: messageOf(row), recipientIds, isRepeat };
  }

  private async directRecipients(fromId: number, toId: number): Promise<number[] | Refusal> {
    if (toId === fromId) return refuse(Status.INVALID_ARGUMENT, 'you cannot send a message to yourself');
    if (!(await this.recipientExists(toId))) return refuse(Status.NOT_FOUND, `there is no user ${toId}`);
    return [toId];
  }

  private async recipientExists(userId: number): Promise<boolean> {
    if (this.knownRecipients.has(userId)) return true;
    if (!(await this.repo.findUserById(userId))) return false;
    if (this.knownRecipients.size >= maxKnownRecipients) this.knownRecipients.clear();
    this.knownRecipients.add(userId);
    return true;
  }

  private async groupRecipients(fromId: number, groupId: number): Promise<number[] | Refusal> {
    // The member ids alone (one index range); the group's row is read only to refuse.
    const memberIds = await this.repo.listGroupMemberIds(groupId);
    if (!memberIds.includes(fromId)) {
      const group = await this.repo.findGroupById(groupId);
      if (!group) return refuse(Status.NOT_FOUND, `there is no group ${groupId}`);
      return refuse(Status.PERMISSION_DENIED, `you are not a member of group ${groupId} (${group.name}); join it with addgroup:${groupId}`);
    }
    const others = memberIds.filter((id) => id !== fromId);
    // A member whose queue is full (who has not been back for a long time) does not hold up the
    // group: the message is not queued for them, and they read it in the group's history.
    const full = new Set(await this.repo.usersWithPendingAtLeast(others, this.usage.pendingPerRecipient));
    return full.size === 0 ? others : others.filter((id) => !full.has(id));
  }

  async pullPending(request: dchat.IPullPendingRequest): Promise<dchat.IPullPendingResponse> {
    const problem = checkId('user id', request.userId);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    const limit = pageSize(request.limit, limits.pendingPageDefault, limits.pendingPageMax);
    const rows = await this.repo.listPending(request.userId ?? 0, request.afterId ?? 0, limit);
    const page = withinBudget(rows.map(messageOf), messageBytes);
    return { result: OK, messages: page.items, hasMore: page.isCut };
  }

  async countPending(request: dchat.ICountPendingRequest): Promise<dchat.ICountPendingResponse> {
    const problem = checkId('user id', request.userId);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    return { result: OK, count: await this.repo.countPending(request.userId ?? 0) };
  }

  async ackDelivered(request: dchat.IAckDeliveredRequest): Promise<dchat.IAckDeliveredResponse> {
    const problem = checkId('user id', request.userId);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    const ids = (request.messageIds ?? []).filter((id) => Number.isSafeInteger(id) && id > 0);
    if (ids.length === 0) return { result: OK, removed: 0 };
    return { result: OK, removed: await this.repo.ackPending(request.userId ?? 0, ids) };
  }

  async history(request: dchat.IHistoryRequest): Promise<dchat.IHistoryResponse> {
    const userId = request.userId ?? 0;
    const peerId = request.peerId ?? 0;
    const groupId = request.groupId ?? 0;
    const problem = checkId('user id', userId);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    const conversation = await this.conversationOf(userId, peerId, groupId);
    if (!('kind' in conversation)) return conversation;
    const limit = pageSize(request.limit, limits.historyPageDefault, limits.historyPageMax);
    // One extra row tells whether an older page exists without a second query.
    const rows = await this.repo.history(conversation, request.beforeId ?? 0, limit + 1);
    const page = withinBudget(rows.slice(0, limit).map(messageOf), messageBytes);
    return { result: OK, messages: page.items, hasMore: page.isCut || rows.length > limit };
  }

  private async conversationOf(userId: number, peerId: number, groupId: number): Promise<Conversation | Refusal> {
    if ((peerId === 0) === (groupId === 0)) {
      return refuse(Status.INVALID_ARGUMENT, 'history is of exactly one conversation: a peer (peer_id) or a group (group_id)');
    }
    if (peerId !== 0) {
      if (!(await this.repo.findUserById(peerId))) return refuse(Status.NOT_FOUND, `there is no user ${peerId}`);
      return { kind: 'direct', userId, peerId };
    }
    const group = await this.repo.findGroupById(groupId);
    if (!group) return refuse(Status.NOT_FOUND, `there is no group ${groupId}`);
    const joinedAfter = await this.repo.memberJoinedAfter(groupId, userId);
    if (joinedAfter === undefined) return refuse(Status.PERMISSION_DENIED, `you are not a member of group ${groupId} (${group.name})`);
    // A member reads what was said since they joined, not what was said before they came in.
    return { kind: 'group', groupId, afterId: joinedAfter };
  }
}
