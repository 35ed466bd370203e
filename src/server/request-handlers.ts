// The client protocol's requests, each mapped onto the business services. A handler returns
// the Reply for its request; the gateway sends it. Rules that concern the connection (logged
// in or not) live here; rules that concern the data live in the services.
import { describeUnsafeUint64, unsafeUint64In } from '../base/exact-uint64.js';
import { dchat } from '../gen/proto.js';
import { limits } from '../services/limits.js';
import type { Services } from '../services/service-api.js';
import type { ClientSession, Reply } from './client-session.js';
import { announceMemberChange } from './group-member-events.js';
import type { AdmissionKind, LoginAdmission } from './login-admission.js';
import type { LoginGate } from './login-gate.js';
import type { MessageRouter } from './message-router.js';
import type { PendingReplay } from './pending-replay.js';
import type { SendRateLimiter } from './send-rate.js';
import type { SessionRegistry } from './session-registry.js';

const { Status } = dchat;
type Body = NonNullable<dchat.client.Request['body']>;

/** What the handlers need of the node. */
export interface HandlerContext {
  services: Services;
  sessions: SessionRegistry;
  router: MessageRouter;
  replay: PendingReplay;
  /** Called when a session becomes, or stops being, the place where its user is logged in. */
  presence: {
    loggedIn(session: ClientSession): Promise<void>;
    loggedOut(userId: number): Promise<void>;
    /** Why a login cannot be claimed now (this node has lost ZooKeeper); undefined when it can. */
    unavailable?(): string | undefined;
  };
  /** Token buckets on register, login and resume; absent: no limits. */
  admission?: LoginAdmission;
  /** How many resumes are worked on at once; absent: all of them. */
  loginGate?: LoginGate;
  /** How fast each user may send; none: no limit. */
  sendRate?: SendRateLimiter;
}

const ok = (result?: Reply['result']): Reply => (result ? { status: Status.OK, result } : { status: Status.OK });

/** A service's non-OK result as the client's Reply; undefined when the result is OK. */
function refusalOf(response: { result?: dchat.IResult | null }): Reply | undefined {
  const code = response.result?.code ?? Status.OK;
  if (code === Status.OK) return undefined;
  const retryAfterMs = response.result?.retryAfterMs ?? 0;
  return { status: code, errorText: response.result?.message ?? '', ...(retryAfterMs > 0 ? { result: { retryAfterMs } } : {}) };
}

const openBeforeLogin: ReadonlySet<Body> = new Set<Body>(['register', 'login', 'resume', 'ping']);

/** How soon a login refused by a node without ZooKeeper is told to try again. */
const presenceRetryAfterMs = 1_000;

/** Runs work when the admission buckets let the attempt in; its token comes back unless it failed. */
async function admitted(ctx: HandlerContext, session: ClientSession, kind: AdmissionKind, accountId: number, login: () => Promise<Reply>): Promise<Reply> {
  // Resumes take turns at the gate; password logins and registrations at the password queue
  // (services/kdf-queue.ts), whose lanes per source keep a guessing flood from holding the gate.
  const work = (): Promise<Reply> => (ctx.loginGate && kind === 'resume' ? inTurn(ctx.loginGate, session, login) : login());
  // A login here would wait for ZooKeeper to claim the presence, up to the client's timeout.
  // Refused at once, before it takes a token or a turn, the client connects again, and through
  // the load balancer reaches another node.
  const unavailable = kind === 'register' ? undefined : ctx.presence.unavailable?.();
  if (unavailable) return { status: Status.UNAVAILABLE, errorText: unavailable, result: { retryAfterMs: presenceRetryAfterMs } };
  if (!ctx.admission) return work();
  await ctx.admission.waitTurn(session);
  const admission = ctx.admission.admit(kind, session.conn.peerAddress, accountId);
  if (!admission.ok) {
    ctx.admission.toldToWait(session, admission.retryAfterMs);
    return { status: Status.RESOURCE_EXHAUSTED, errorText: admission.why, result: { retryAfterMs: admission.retryAfterMs } };
  }
  const reply = await work();
  if (reply.status === Status.OK || reply.status === Status.RESOURCE_EXHAUSTED) admission.succeeded();
  if (reply.result?.retryAfterMs) ctx.admission.toldToWait(session, reply.result.retryAfterMs);
  return reply;
}

/** Runs a login when the gate gives it its turn; a login that waited too long is told when to come back. */
async function inTurn(gate: LoginGate, session: ClientSession, login: () => Promise<Reply>): Promise<Reply> {
  const outcome = await gate.run(() => session.isOpen(), login);
  if (outcome.ok) return outcome.value;
  return { status: Status.RESOURCE_EXHAUSTED, errorText: outcome.why, result: { retryAfterMs: outcome.retryAfterMs } };
}

export async function handleRequest(ctx: HandlerContext, session: ClientSession, request: dchat.client.Request): Promise<Reply> {
  const body = request.body;
  if (body === undefined) return { status: Status.INVALID_ARGUMENT, errorText: 'the request carries no command' };
  // Before any rule: every command refuses an id no number can hold the same way, quoting it exactly.
  const unsafeId = unsafeUint64In(request);
  if (unsafeId) return { status: Status.INVALID_ARGUMENT, errorText: describeUnsafeUint64(unsafeId) };
  if (!session.isLoggedIn() && !openBeforeLogin.has(body)) {
    return { status: Status.UNAUTHENTICATED, errorText: `log in first (login:<userid>:<password>); "${body}" needs a logged-in user` };
  }
  const userId = session.userId;
  switch (body) {
    case 'register': return admitted(ctx, session, 'register', 0, () => register(ctx, session, request.register));
    case 'login': {
      const { userId = 0, password = '' } = request.login ?? {};
      return admitted(ctx, session, 'login', userId ?? 0, () => login(ctx, session, { id: userId, password }));
    }
    case 'resume': {
      const { userId = 0, token = '' } = request.resume ?? {};
      return admitted(ctx, session, 'resume', userId ?? 0, () => login(ctx, session, { id: userId, resumeToken: token }));
    }
    case 'logout': return logout(ctx, session);
    case 'chat': return send(ctx, { fromId: userId, toId: request.chat?.toId ?? 0, text: request.chat?.text ?? '', clientMsgId: request.chat?.clientMsgId ?? '', isResend: request.chat?.isResend ?? false });
    case 'groupChat': return send(ctx, { fromId: userId, groupId: request.groupChat?.groupId ?? 0, text: request.groupChat?.text ?? '', clientMsgId: request.groupChat?.clientMsgId ?? '', isResend: request.groupChat?.isResend ?? false });
    case 'addFriend': return addFriend(ctx, session, request.addFriend?.friendId ?? 0);
    case 'delFriend': return delFriend(ctx, userId, request.delFriend?.friendId ?? 0);
    case 'friendList': return friendList(ctx, userId, request.friendList);
    case 'createGroup': return createGroup(ctx, userId, request.createGroup);
    case 'addGroup': return addGroup(ctx, session, request.addGroup?.groupId ?? 0);
    case 'delGroup': return delGroup(ctx, session, request.delGroup?.groupId ?? 0);
    case 'groupList': return groupList(ctx, userId, request.groupList);
    case 'invite': return invite(ctx, session, request.invite);
    case 'history': return history(ctx, userId, request.history);
    case 'ack': return ack(ctx, userId, request.ack?.messageIds ?? []);
    case 'ping': return ok({ pong: { clientTimeMs: request.ping?.clientTimeMs ?? 0, serverTimeMs: Date.now() } });
    default: {
      const unreachable: never = body;
      return { status: Status.INVALID_ARGUMENT, errorText: `unknown command ${String(unreachable)}` };
    }
  }
}

async function register(ctx: HandlerContext, session: ClientSession, req: dchat.client.IRegister | null | undefined): Promise<Reply> {
  const res = await ctx.services.user.register({ name: req?.name ?? '', password: req?.password ?? '', source: session.conn.peerAddress });
  return refusalOf(res) ?? ok({ register: { user: res.user ?? null } });
}

/** login and resume: they differ only in what the user service checks (password or token). */
async function login(ctx: HandlerContext, session: ClientSession, req: dchat.ILoginRequest): Promise<Reply> {
  if (session.isLoggedIn()) {
    return { status: Status.FAILED_PRECONDITION, errorText: `this connection is logged in as user ${session.userId} already; send loginout first` };
  }
  const res = await ctx.services.user.login({ ...req, source: session.conn.peerAddress });
  const refusal = refusalOf(res);
  if (refusal || !res.user) return refusal ?? { status: Status.INTERNAL, errorText: 'login returned no user' };
  // The client may have given up and closed while the check ran (a slow store): a login bound
  // now would be a session nobody holds, displacing the user's live one.
  if (!session.isOpen()) return { status: Status.UNAVAILABLE, errorText: 'the connection closed while the login was checked' };
  session.userId = res.user.id ?? 0;
  session.userName = res.user.name ?? '';
  const displaced = ctx.sessions.bind(session);
  try {
    await ctx.presence.loggedIn(session);
  } catch (err) {
    // The login did not happen: leave the connection as it was, and the older session in place.
    ctx.sessions.unbind(session);
    if (displaced) ctx.sessions.bind(displaced);
    session.userId = 0;
    session.userName = '';
    throw err;
  }
  if (!session.isOpen()) {
    // Closed while the presence was claimed: its close found no login to end, so end it here.
    await endLogin(ctx, session).catch(() => undefined);
    return { status: Status.UNAVAILABLE, errorText: 'the connection closed during the login' };
  }
  displaced?.kick(dchat.client.KickCode.LOGGED_IN_ELSEWHERE, `user ${session.userId} logged in from another connection (${session.conn.peerAddress}:${session.conn.peerPort})`);
  try {
    const { answer, pendingPage } = await loginResult(ctx, session, res.user);
    const result = { ...answer, resumeToken: res.resumeToken ?? '', resumeTokenExpiresAtMs: res.resumeTokenExpiresAtMs ?? 0 };
    // The reply goes out before the replay starts: the gateway sends it as soon as this returns,
    // and the replay waits for the next turn of the event loop.
    setImmediate(() => void ctx.replay.replay(session, pendingPage));
    return ok({ login: result });
  } catch (err) {
    // A client told that its login failed must not be left logged in.
    await endLogin(ctx, session).catch(() => undefined);
    throw err;
  }
}

/** The login answer carries the first page of friends and of groups (without members), so its size never grows with them. */
async function loginResult(ctx: HandlerContext, session: ClientSession, user: dchat.IUser): Promise<{ answer: dchat.client.ILoginResult; pendingPage: dchat.IPullPendingResponse | undefined }> {
  const [friends, groups, pending, requests] = await Promise.all([
    ctx.services.friend.getFriendList({ userId: session.userId, limit: limits.loginFriends }),
    ctx.services.group.getGroupList({ userId: session.userId, limit: limits.loginGroups, withoutMembers: true }),
    ctx.replay.firstPage(session.userId),
    ctx.services.friend.getFriendRequests({ userId: session.userId, limit: limits.friendRequestPage }),
  ]);
  // Most users' friends fit in the login's page: only more of them costs another query.
  const allFriends = friends.hasMore ? await friendIdsOf(ctx, session.userId) : (friends.friends ?? []).map((f) => f.id ?? 0);
  const onlineFriends = (await Promise.all(allFriends.map(async (id) => ((await ctx.router.isOnline(id)) ? [id] : [])))).flat();
  await ctx.router.push(onlineFriends, { presence: { userId: session.userId, online: true } });
  const isOnline = new Set(onlineFriends);
  const friendPage = (friends.friends ?? []).map((f) => ({ ...f, online: isOnline.has(f.id ?? 0) }));
  const answer = {
    user, friends: friendPage, groups: groups.groups ?? [], pending: pending.count, moreFriends: friends.hasMore ?? false, moreGroups: groups.hasMore ?? false,
    friendRequests: requests.requests ?? [], moreFriendRequests: requests.hasMore ?? false,
  };
  // A refused first page is not handed on: the replay asks again.
  const isPageOk = (pending.page.result?.code ?? Status.OK) === Status.OK;
  return { answer, pendingPage: isPageOk ? pending.page : undefined };
}

/** Every friend of the user, page by page: presence goes to all of them, however many. */
async function friendIdsOf(ctx: HandlerContext, userId: number): Promise<number[]> {
  const ids: number[] = [];
  for (let afterId = 0; ;) {
    const page = await ctx.services.friend.getFriendList({ userId, afterId, limit: limits.friendPageMax });
    const friends = page.friends ?? [];
    for (const f of friends) ids.push(f.id ?? 0);
    if (!page.hasMore || friends.length === 0) return ids;
    afterId = ids[ids.length - 1] ?? 0;
  }
}

async function logout(ctx: HandlerContext, session: ClientSession): Promise<Reply> {
  await endLogin(ctx, session, { revokeTokens: true });
  return ok();
}

/**
 * Forgets who is logged in on the session; used by loginout (which revokes the user's resume
 * tokens) and when a connection closes (which keeps them: the client resumes with one).
 */
export async function endLogin(ctx: HandlerContext, session: ClientSession, options: { revokeTokens?: boolean } = {}): Promise<void> {
  const userId = session.userId;
  if (userId === 0) return;
  const wasCurrent = ctx.sessions.unbind(session);
  session.userId = 0;
  session.userName = '';
  if (!wasCurrent) return; // a newer login of the same user took over: it is still online
  await endLoginOf(ctx, userId, options);
}

/** A login's end once no session holds it: presence given up, the user offline, their friends told. */
export async function endLoginOf(ctx: HandlerContext, userId: number, options: { revokeTokens?: boolean } = {}): Promise<void> {
  await ctx.presence.loggedOut(userId);
  await announceLogout(ctx, userId, options);
}

/** The user is logged in nowhere now: their state written offline, their friends told. */
export async function announceLogout(ctx: HandlerContext, userId: number, options: { revokeTokens?: boolean } = {}): Promise<void> {
  await ctx.services.user.logout({ id: userId, revokeTokens: options.revokeTokens ?? false });
  await ctx.router.push(await friendIdsOf(ctx, userId), { presence: { userId, online: false } });
}

async function withPresence(ctx: HandlerContext, users: dchat.IUser[]): Promise<dchat.IUser[]> {
  return Promise.all(users.map(async (u) => ({ ...u, online: await ctx.router.isOnline(u.id ?? 0) })));
}

async function send(ctx: HandlerContext, req: dchat.ISaveMessageRequest): Promise<Reply> {
  const pace = ctx.sendRate?.take(req.fromId ?? 0, (req.groupId ?? 0) !== 0) ?? { kind: 'go' };
  if (pace.kind === 'refuse') return { status: Status.RESOURCE_EXHAUSTED, errorText: pace.reason };
  // The session handles its requests one at a time: waiting here paces this sender only.
  if (pace.kind === 'wait') await new Promise((resolve) => setTimeout(resolve, pace.ms));
  const res = await ctx.services.offline.saveMessage(req);
  const refusal = refusalOf(res);
  if (refusal || !res.message) return refusal ?? { status: Status.INTERNAL, errorText: 'the message was not stored' };
  // Stored and pending for every recipient: from here on the message cannot be lost, so the
  // sender is answered before the delivery attempt.
  const message = res.message;
  setImmediate(() => void ctx.router.push(res.recipientIds ?? [], { message }));
  return ok({ sent: { messageId: message.id ?? 0, sentAtMs: message.sentAtMs ?? 0 } });
}

/** Asks for a friendship, or accepts one the other side asked for (docs/rules.md). */
async function addFriend(ctx: HandlerContext, session: ClientSession, friendId: number): Promise<Reply> {
  const res = await ctx.services.friend.addFriend({ userId: session.userId, friendId });
  if (refusalOf(res) || !res.friend) return refusalOf(res) ?? { status: Status.INTERNAL, errorText: 'no friend returned' };
  if (res.requested) {
    await ctx.router.push([friendId], { friendRequest: { from: { id: session.userId, name: session.userName }, sentAtMs: Date.now() } });
    // Not a friend yet: no presence either way.
    return ok({ friend: { friend: { id: res.friend.id ?? 0, name: res.friend.name ?? '' }, requested: true } });
  }
  await ctx.router.push([friendId], { friendChanged: { friend: { id: session.userId, name: session.userName, online: true }, added: true } });
  return ok({ friend: { friend: { ...res.friend, online: await ctx.router.isOnline(friendId) } } });
}

async function delFriend(ctx: HandlerContext, userId: number, friendId: number): Promise<Reply> {
  const res = await ctx.services.friend.delFriend({ userId, friendId });
  const refusal = refusalOf(res);
  if (refusal) return refusal;
  // A declined request is not announced: the asker learns nothing about the one they asked.
  if (!res.wasRequest) await ctx.router.push([friendId], { friendChanged: { friend: { id: userId }, added: false } });
  return ok({ delFriend: { wasRequest: res.wasRequest ?? false } });
}

async function friendList(ctx: HandlerContext, userId: number, req: dchat.client.IFriendList | null | undefined): Promise<Reply> {
  const res = await ctx.services.friend.getFriendList({ userId, afterId: req?.afterId ?? 0, limit: req?.limit ?? 0 });
  return refusalOf(res) ?? ok({ friendList: { friends: await withPresence(ctx, res.friends ?? []), hasMore: res.hasMore ?? false } });
}

async function createGroup(ctx: HandlerContext, userId: number, req: dchat.client.ICreateGroup | null | undefined): Promise<Reply> {
  const res = await ctx.services.group.createGroup({ userId, name: req?.name ?? '', desc: req?.desc ?? '', inviteOnly: req?.inviteOnly ?? false });
  return refusalOf(res) ?? ok({ group: { group: res.group ?? null } });
}

async function addGroup(ctx: HandlerContext, session: ClientSession, groupId: number): Promise<Reply> {
  const res = await ctx.services.group.addGroup({ userId: session.userId, groupId });
  const refusal = refusalOf(res);
  if (refusal) return refusal;
  if (res.asked) {
    const user = { id: session.userId, name: session.userName };
    await ctx.router.push([res.group?.creatorId ?? 0], { groupJoinRequest: { groupId, user } });
    return ok({ group: { group: res.group ?? null, asked: true } });
  }
  if (res.group) await announceMemberChange(ctx.services, ctx.router, { group: res.group, user: { id: session.userId, name: session.userName }, joined: true });
  return ok({ group: { group: res.group ?? null } });
}

/** The creator invites someone to the group, or lets in one who asked. */
async function invite(ctx: HandlerContext, session: ClientSession, req: dchat.client.IInvite | null | undefined): Promise<Reply> {
  const inviteeId = req?.userId ?? 0;
  const res = await ctx.services.group.invite({ userId: session.userId, groupId: req?.groupId ?? 0, inviteeId });
  const refusal = refusalOf(res);
  if (refusal) return refusal;
  await ctx.router.push([inviteeId], { groupInvite: { group: res.group ?? null, joined: res.joined ?? false } });
  if (res.joined && res.group) await announceMemberChange(ctx.services, ctx.router, { group: res.group, user: { id: inviteeId, name: '' }, joined: true });
  return ok({ invite: { joined: res.joined ?? false } });
}

async function delGroup(ctx: HandlerContext, session: ClientSession, groupId: number): Promise<Reply> {
  const userId = session.userId;
  const res = await ctx.services.group.delGroup({ userId, groupId });
  const refusal = refusalOf(res);
  if (refusal) return refusal;
  if (res.deleted) {
    const others = (res.formerMemberIds ?? []).filter((id) => id !== userId);
    await ctx.router.push(others, { groupChanged: { groupId, deleted: true } });
  } else if (res.group) {
    await announceMemberChange(ctx.services, ctx.router, { group: res.group, user: { id: userId, name: session.userName }, joined: false });
  }
  return ok({ delGroup: { deleted: res.deleted ?? false } });
}

async function groupList(ctx: HandlerContext, userId: number, req: dchat.client.IGroupList | null | undefined): Promise<Reply> {
  const res = await ctx.services.group.getGroupList({ userId, afterId: req?.afterId ?? 0, limit: req?.limit ?? 0 });
  return refusalOf(res) ?? ok({ groupList: { groups: res.groups ?? [], hasMore: res.hasMore ?? false } });
}

async function history(ctx: HandlerContext, userId: number, req: dchat.client.IHistory | null | undefined): Promise<Reply> {
  const res = await ctx.services.offline.history({
    userId,
    peerId: req?.peerId ?? 0,
    groupId: req?.groupId ?? 0,
    beforeId: req?.beforeId ?? 0,
    limit: req?.limit ?? 0,
  });
  return refusalOf(res) ?? ok({ history: { messages: res.messages ?? [], hasMore: res.hasMore ?? false } });
}

async function ack(ctx: HandlerContext, userId: number, messageIds: number[]): Promise<Reply> {
  const res = await ctx.services.offline.ackDelivered({ userId, messageIds });
  return refusalOf(res) ?? ok({ ack: { removed: res.removed ?? 0 } });
}
