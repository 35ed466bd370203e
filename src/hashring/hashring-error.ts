// Errors of the consistent-hash ring. Callers branch on `code`; messages name the value seen
// and the fix.
import { DchatError } from '../base/dchat-error.js';

export type HashRingErrorCode =
  | 'DCHAT_RING_BAD_ADDRESS'
  | 'DCHAT_RING_BAD_PORT'
  | 'DCHAT_RING_BAD_POINTS'
  | 'DCHAT_RING_DUPLICATE_SERVER'
  | 'DCHAT_RING_UNKNOWN_SERVER'
  | 'DCHAT_RING_EMPTY'
  | 'DCHAT_RING_BAD_NGINX_CONFIG';

export class HashRingError extends DchatError {
  override name = 'HashRingError';
  declare readonly code: HashRingErrorCode;
  constructor(code: HashRingErrorCode, message: string) {
    super(code, message);
  }
}
