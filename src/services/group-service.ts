// GroupServiceRpc. The creator of a group deletes it with delgroup; any other member leaves it
// with the same command (docs/rules.md).
import { dchat } from '../gen/proto.js';
import type { ChatRepository, GroupRow } from '../store/repository.js';
import { checkId, checkName, limits } from './limits.js';
import { OK, refuse, type Refusal } from './result.js';
import { groupOf, memberOf } from './row-mapping.js';
import type { GroupServiceApi } from './service-api.js';

const { Status } = dchat;

export class GroupService implements GroupServiceApi {
  constructor(
    private readonly repo: ChatRepository,
    private readonly now: () => number = Date.now,
  ) {}

  async createGroup(request: dchat.ICreateGroupRequest): Promise<dchat.ICreateGroupResponse> {
    const name = (request.name ?? '').trim();
    const desc = (request.desc ?? '').trim();
    const problem =
      checkId('user id', request.userId) ??
      checkName('group name', name, limits.groupNameChars) ??
      (desc.length > 0 ? checkName('group description', desc, limits.groupDescChars) : undefined);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    const group = await this.repo.createGroup(name, desc, request.userId ?? 0, this.now());
    if (!group) return refuse(Status.ALREADY_EXISTS, `a group named "${name}" exists already; choose another name`);
    return { result: OK, group: groupOf(group, await this.repo.listGroupMembers(group.id)) };
  }

  async addGroup(request: dchat.IAddGroupRequest): Promise<dchat.IAddGroupResponse> {
    const target = await this.groupOfRequest(request);
    if ('result' in target) return target;
    const { userId, group } = target;
    if (!(await this.repo.addGroupMember(group.id, userId, 'normal'))) {
      return refuse(Status.ALREADY_EXISTS, `you are already a member of group ${group.id} (${group.name})`);
    }
    return { result: OK, group: groupOf(group, await this.repo.listGroupMembers(group.id)) };
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
      return { result: OK, deleted: false, formerMemberIds: [userId] };
    }
    await this.repo.deleteGroup(groupId);
    return { result: OK, deleted: true, formerMemberIds: members.map((m) => m.userId) };
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
    const groups = await this.repo.listGroupsOfUser(request.userId ?? 0);
    const withMembers = await Promise.all(groups.map(async (g) => groupOf(g, await this.repo.listGroupMembers(g.id))));
    return { result: OK, groups: withMembers };
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
