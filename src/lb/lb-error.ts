// The errors of `dchat lb`: a node record it cannot use, an upstream nginx rejects, a reload
// that failed. Each message names the file or znode, what nginx or ZooKeeper said, and the fix.
import { DchatError } from '../base/dchat-error.js';

export type LbErrorCode =
  | 'DCHAT_LB_BAD_NODE'
  | 'DCHAT_LB_BAD_OPTION'
  | 'DCHAT_LB_CONFIG_REJECTED'
  | 'DCHAT_LB_RELOAD_FAILED'
  | 'DCHAT_LB_WRITE_FAILED';

export class LbError extends DchatError {
  override name = 'LbError';
  constructor(
    override readonly code: LbErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
