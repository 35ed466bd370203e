// GroupServiceRpc. The creator of a group deletes it with delgroup; any other member leaves it
// with the same command. A public group lets anyone in; an invite-only group only those its
// creator invites, or lets in after they asked (docs/rules.md).
import { dchat } from '../gen/proto.js';
import type { ChatRepository, GroupRow } from '../store/repository.js';
import { fieldBytes, withinBudget } from './answer-budget.js';
import { checkDesc, checkId, checkName, defaultUsageLimits, limits, pageSize, type UsageLimits } from './limits.js';
import { OK, refuse, type Refusal } from './result.js';
import { groupOf, memberOf } from './row-mapping.js';
import { normaliseName } from './safe-text.js';
import type { GroupServiceApi } from './service-api.js';

const { Status } = dchat;

export class GroupService implements GroupServiceApi {
  constructor(
    private readonly repo: ChatRepository,
    private readonly now: () => number = Date.now,
    private readonly usage: UsageLimits = defaultUsageLimits,
  ) {}

  async createGroup(request: dchat.ICreateGroupRequest): Promise<dchat.ICreateGroupResponse> {
    const name = normaliseName(request.name);
    const desc = (request.desc ?? '').trim();
    const problem =
      checkId('user id', request.userId) ??
      checkName('group name', name, limits.groupNameChars) ??
      checkDesc(desc);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    const tooMany = await this.tooManyGroups(request.userId ?? 0);
    if (tooMany) return refuse(Status.RESOURCE_EXHAUSTED, tooMany);
    const group = await this.repo.createGroup(name, desc, request.userId ?? 0, this.now(), request.inviteOnly ?? false);
    if (!group) return refuse(Status.ALREADY_EXISTS, `a group named "${name}" exists already; choose another name`);
    return { result: OK, group: await this.withMembers(group) };
  }

  /** The group with its first members (limits.membersInAnswer) and their count: an answer stays bounded however large the group. */
  private async withMembers(group: GroupRow): Promise<dchat.IGroup> {
    const [members, count] = await Promise.all([this.repo.listGroupMembers(group.id, limits.membersInAnswer), this.repo.countGroupMembers(group.id)]);
    return groupOf(group, members, count);
  }

  private async tooManyGroups(userId: number): Promise<string | undefined> {
    const max = this.usage.groupsPerUser;
    if ((await this.repo.countGroupsOfUser(userId)) < max) return undefined;
    return `you are in ${max} groups, the most a user may be in; leave one with delgroup first`;
  }

  async addGroup(request: dchat.IAddGroupRequest): Promise<dchat.IAddGroupResponse> {
    const target = await this.groupOfRequest(request);
    if ('result' in target) return target;
    const { userId, group } = target;
    if (await this.repo.isGroupMember(group.id, userId)) {
      return refuse(Status.ALREADY_EXISTS, `you are already a member of group ${group.id} (${group.name})`);
    }
    if (!group.isInviteOnly) return this.join(group, userId, 'you are');
    const door = await this.repo.findJoinRequest(group.id, userId, this.oldestValidMs());
    if (door === 'invited') {
      const joined = await this.join(group, userId, 'you are');
      if (joined.result.code === Status.OK) await this.repo.removeJoinRequest(group.id, userId);
      return joined;
    }
    if (door === 'asked') {
      return refuse(Status.ALREADY_EXISTS, `you asked to join group ${group.id} (${group.name}) already; its creator lets you in with invite`);
    }
    const full = await this.fullDoor(group);
    if (full) return refuse(Status.RESOURCE_EXHAUSTED, full);
    await this.repo.removeJoinRequest(group.id, userId); // an expired one
    await this.repo.addJoinRequest(group.id, userId, 'asked', this.now());
    // Not a member: the answer shows nothing of who is inside.
    return { result: OK, group: groupOf(group), asked: true };
  }

  /** Makes the user a member if the user and the group have room; `who` names the user in a refusal. */
  private async join(group: GroupRow, userId: number, who: string): Promise<{ result: dchat.IResult; group?: dchat.IGroup }> {
    const groups = await this.repo.countGroupsOfUser(userId);
    if (groups >= this.usage.groupsPerUser) {
      return refuse(Status.RESOURCE_EXHAUSTED, `${who} in ${this.usage.groupsPerUser} groups, the most a user may be in; leave one with delgroup first`);
    }
    if ((await this.repo.countGroupMembers(group.id)) >= this.usage.membersPerGroup) {
      return refuse(Status.RESOURCE_EXHAUSTED, `group ${group.id} (${group.name}) is full: it has ${this.usage.membersPerGroup} members, the most a group may have`);
    }
    if (!(await this.repo.addGroupMember(group.id, userId, 'normal'))) {
      return refuse(Status.ALREADY_EXISTS, `user ${userId} is already a member of group ${group.id} (${group.name})`);
    }
    return { result: OK, group: await this.withMembers(group) };
  }

  /** Invitations and requests made before this are expired (the lifetime of friend requests). */
  private oldestValidMs(): number {
    return this.now() - this.usage.friendRequestTtlHours * 3_600_000;
  }

  private async fullDoor(group: GroupRow): Promise<string | undefined> {
    const max = this.usage.friendRequestsPerUser;
    if ((await this.repo.countJoinRequests(group.id, this.oldestValidMs())) < max) return undefined;
    return `group ${group.id} (${group.name}) has ${max} invitations and requests to join waiting, the most a group may have; try again later`;
  }

  async invite(request: dchat.IInviteRequest): Promise<dchat.IInviteResponse> {
    const target = await this.groupOfRequest(request);
    if ('result' in target) return target;
    const { userId, group } = target;
    const inviteeId = request.inviteeId ?? 0;
    const problem = checkId('invited user id', inviteeId);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    if (group.creatorId !== userId) {
      return refuse(Status.PERMISSION_DENIED, `only the creator of group ${group.id} (${group.name}), user ${group.creatorId}, lets people in`);
    }
    const invitee = await this.repo.findUserById(inviteeId);
    if (!invitee) return refuse(Status.NOT_FOUND, `there is no user ${inviteeId}`);
    if (await this.repo.isGroupMember(group.id, inviteeId)) {
      return refuse(Status.ALREADY_EXISTS, `user ${inviteeId} (${invitee.name}) is already a member of group ${group.id}`);
    }
    const door = await this.repo.findJoinRequest(group.id, inviteeId, this.oldestValidMs());
    if (door === 'asked') {
      const joined = await this.join(group, inviteeId, `user ${inviteeId} is`);
      if (joined.result.code !== Status.OK) return joined;
      await this.repo.removeJoinRequest(group.id, inviteeId);
      return { result: OK, joined: true, group: joined.group ?? null };
    }
    if (door === 'invited') return refuse(Status.ALREADY_EXISTS, `you invited user ${inviteeId} (${invitee.name}) already; they join with addgroup:${group.id}`);
    const full = await this.fullDoor(group);
    if (full) return refuse(Status.RESOURCE_EXHAUSTED, full);
    await this.repo.removeJoinRequest(group.id, inviteeId); // an expired one
    await this.repo.addJoinRequest(group.id, inviteeId, 'invited', this.now());
    return { result: OK, joined: false, group: groupOf(group) };
  }

  async delGroup(request: dchat.IDelGroupRequest): Promise<dchat.IDelGroupResponse> {
    const target = await this.groupOfRequest(request);
    if ('result' in target) return target;
    const { userId, group } = target;
    const groupId = group.id;
    const members = await this.repo.listGroupMembers(groupId);
    if (!members.some((m) => m.userId === userId)) {
      return refuse(Status.PERMISSION_DENIED, `you are not a member of group ${groupId} (${group.name})`);
    }
    if (group.creatorId !== userId) {
      await this.repo.removeGroupMember(groupId, userId);
      return { result: OK, deleted: false, formerMemberIds: [userId], group: groupOf(group) };
    }
    await this.repo.deleteGroup(groupId);
    return { result: OK, deleted: true, formerMemberIds: members.map((m) => m.userId), group: groupOf(group) };
  }

  /** The checked user id and the existing group a request about membership names, or the refusal. */
  private async groupOfRequest(request: { userId?: number | null; groupId?: number | null }): Promise<{ userId: number; group: GroupRow } | Refusal> {
    const userId = request.userId ?? 0;
    const groupId = request.groupId ?? 0;
    const problem = checkId('user id', userId) ?? checkId('group id', groupId);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    const group = await this.repo.findGroupById(groupId);
    if (!group) return refuse(Status.NOT_FOUND, `there is no group ${groupId}`);
    return { userId, group };
  }

  async getGroupList(request: dchat.IGetGroupListRequest): Promise<dchat.IGetGroupListResponse> {
    const problem = checkId('user id', request.userId);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    const limit = pageSize(request.limit, limits.groupPageDefault, limits.groupPageMax);
    // One extra row tells whether another page exists without a second query.
    const rows = await this.repo.listGroupsOfUser(request.userId ?? 0, { afterId: request.afterId ?? 0, limit: limit + 1 });
    const pageRows = rows.slice(0, limit);
    const groups = request.withoutMembers ? pageRows.map((g) => groupOf(g)) : await Promise.all(pageRows.map((g) => this.withMembers(g)));
    const page = withinBudget(groups, (g) => fieldBytes(dchat.Group.encode(g)));
    return { result: OK, groups: page.items, hasMore: page.isCut || rows.length > limit };
  }

  async getGroupMembers(request: dchat.IGetGroupMembersRequest): Promise<dchat.IGetGroupMembersResponse> {
    const problem = checkId('group id', request.groupId);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    const group = await this.repo.findGroupById(request.groupId ?? 0);
    if (!group) return refuse(Status.NOT_FOUND, `there is no group ${request.groupId ?? 0}`);
    const members = await this.repo.listGroupMembers(group.id);
    return { result: OK, members: members.map(memberOf) };
  }
}
