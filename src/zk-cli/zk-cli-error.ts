// Errors of `dchat zk` itself: a command line it cannot understand. Failures of ZooKeeper keep
// their ZkError code (DCHAT_ZK_NO_NODE, …) so that `--json` callers can branch on it.
import { DchatError } from '../base/dchat-error.js';

export type ZkCliErrorCode = 'DCHAT_ZKCLI_USAGE';

export class ZkCliError extends DchatError {
  override name = 'ZkCliError';
  constructor(
    override readonly code: ZkCliErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

export function usageError(message: string): ZkCliError {
  return new ZkCliError('DCHAT_ZKCLI_USAGE', `${message}; \`help\` in the shell or \`dchat zk --help\` shows the commands`);
}
