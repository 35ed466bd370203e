// The business services as their callers see them: one method per rpc of proto/services.proto,
// named as protobufjs names them (Register → register), each taking the request and resolving
// to the response. The service classes of this folder implement these interfaces, and so do the
// RPC stubs (`dchat.UserServiceRpc.create(rpcImpl)`): a chat node does not know which it holds.
import type { dchat } from '../gen/proto.js';

type Method<Req, Res> = (request: Req) => Promise<Res>;

export interface UserServiceApi {
  register: Method<dchat.IRegisterRequest, dchat.IRegisterResponse>;
  login: Method<dchat.ILoginRequest, dchat.ILoginResponse>;
  logout: Method<dchat.ILogoutRequest, dchat.ILogoutResponse>;
  getUser: Method<dchat.IGetUserRequest, dchat.IGetUserResponse>;
}

export interface FriendServiceApi {
  addFriend: Method<dchat.IAddFriendRequest, dchat.IAddFriendResponse>;
  delFriend: Method<dchat.IDelFriendRequest, dchat.IDelFriendResponse>;
  getFriendList: Method<dchat.IGetFriendListRequest, dchat.IGetFriendListResponse>;
  getFriendRequests: Method<dchat.IGetFriendRequestsRequest, dchat.IGetFriendRequestsResponse>;
}

export interface GroupServiceApi {
  createGroup: Method<dchat.ICreateGroupRequest, dchat.ICreateGroupResponse>;
  addGroup: Method<dchat.IAddGroupRequest, dchat.IAddGroupResponse>;
  delGroup: Method<dchat.IDelGroupRequest, dchat.IDelGroupResponse>;
  getGroupList: Method<dchat.IGetGroupListRequest, dchat.IGetGroupListResponse>;
  getGroupMembers: Method<dchat.IGetGroupMembersRequest, dchat.IGetGroupMembersResponse>;
  invite: Method<dchat.IInviteRequest, dchat.IInviteResponse>;
}

export interface OfflineServiceApi {
  saveMessage: Method<dchat.ISaveMessageRequest, dchat.ISaveMessageResponse>;
  pullPending: Method<dchat.IPullPendingRequest, dchat.IPullPendingResponse>;
  countPending: Method<dchat.ICountPendingRequest, dchat.ICountPendingResponse>;
  ackDelivered: Method<dchat.IAckDeliveredRequest, dchat.IAckDeliveredResponse>;
  history: Method<dchat.IHistoryRequest, dchat.IHistoryResponse>;
}

/** Everything a chat node needs from the business layer. */
export interface Services {
  user: UserServiceApi;
  friend: FriendServiceApi;
  group: GroupServiceApi;
  offline: OfflineServiceApi;
}

/** The proto service name of each member of Services, as registered in ZooKeeper. */
export const serviceNames = {
  user: 'UserServiceRpc',
  friend: 'FriendServiceRpc',
  group: 'GroupServiceRpc',
  offline: 'OfflineServiceRpc',
} as const satisfies Record<keyof Services, string>;
