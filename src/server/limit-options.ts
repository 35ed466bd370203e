// `--limit name=value,name=value` of `dchat server` and `dchat rpc-server`: the per-user limits
// of the services and the send rates of a chat node, each with its default (docs/rules.md). One
// option for all of them, so that a new limit needs no new flag in every command. Comma-separated
// rather than repeated: dchat's command line keeps the last of a repeated option.
import { defaultUsageLimits, type UsageLimits } from '../services/limits.js';
import { defaultSendRates, type SendRates } from './send-rate.js';

export interface NodeLimits {
  usage: UsageLimits;
  rates: SendRates;
}

type Setter = (limits: NodeLimits, value: number) => void;

const setters: Readonly<Record<string, Setter>> = {
  'friends-per-user': (l, v) => void (l.usage.friendsPerUser = v),
  'groups-per-user': (l, v) => void (l.usage.groupsPerUser = v),
  'members-per-group': (l, v) => void (l.usage.membersPerGroup = v),
  'pending-per-recipient': (l, v) => void (l.usage.pendingPerRecipient = v),
  'friend-requests-per-user': (l, v) => void (l.usage.friendRequestsPerUser = v),
  'friend-request-ttl-hours': (l, v) => void (l.usage.friendRequestTtlHours = v),
  'messages-per-second': (l, v) => void (l.rates.messagesPerSecond = v),
  'group-sends-per-second': (l, v) => void (l.rates.groupSendsPerSecond = v),
};

export const limitNames = Object.keys(setters);

export const limitOption = {
  type: 'string',
  array: true,
  default: [] as string[],
  describe: `Change limits, name=value[,name=value...]: ${limitNames.join(', ')}; defaults in docs/rules.md`,
} as const;

/** The limits with every `name=value` applied; throws a sentence naming the fix for a bad one. */
export function parseLimitOptions(values: readonly (string | number)[] | undefined): NodeLimits {
  const limits: NodeLimits = { usage: { ...defaultUsageLimits }, rates: { ...defaultSendRates } };
  for (const text of (values ?? []).flatMap((v) => String(v).split(',')).filter((t) => t.trim() !== '')) {
    const [name = '', value = ''] = text.split('=', 2);
    const set = setters[name.trim()];
    if (!set) throw new Error(`--limit ${JSON.stringify(text)}: unknown limit "${name}"; give name=value with one of ${limitNames.join(', ')}`);
    const n = Number(value.trim());
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new Error(`--limit ${JSON.stringify(text)}: the value must be a whole number of at least 1, e.g. --limit ${name}=100`);
    }
    set(limits, n);
  }
  return limits;
}
