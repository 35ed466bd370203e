// Which business services a process hosts (`--services user,friend,group,offline`), and hosting
// them on an RpcProvider. Shared by `dchat server` and `dchat rpc-server`.
import { dchat } from '../gen/proto.js';
import type { RpcProvider } from '../rpc/rpc-provider.js';
import type { Services } from '../services/service-api.js';

export type ServiceKey = keyof Services;
export const serviceKeys: readonly ServiceKey[] = ['user', 'friend', 'group', 'offline'];

/** Parses a --services value; `none` (or an empty list when allowed) hosts none. */
export function parseServiceKeys(text: string, options: { allowNone: boolean }): ServiceKey[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (options.allowNone && (names.length === 0 || (names.length === 1 && names[0] === 'none'))) return [];
  const unknown = names.filter((n) => !(serviceKeys as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`--services: unknown service ${unknown.join(', ')}; choose from ${serviceKeys.join(', ')}${options.allowNone ? ', or none' : ''}`);
  if (names.length === 0) throw new Error(`--services names no service; choose from ${serviceKeys.join(', ')}`);
  return [...new Set(names as ServiceKey[])];
}

export function hostService(provider: RpcProvider, services: Services, key: ServiceKey): void {
  switch (key) {
    case 'user':
      return provider.notifyService(dchat.UserServiceRpc, services.user);
    case 'friend':
      return provider.notifyService(dchat.FriendServiceRpc, services.friend);
    case 'group':
      return provider.notifyService(dchat.GroupServiceRpc, services.group);
    case 'offline':
      return provider.notifyService(dchat.OfflineServiceRpc, services.offline);
    default: {
      const unknown: never = key;
      throw new Error(`unknown service ${String(unknown)}`);
    }
  }
}
