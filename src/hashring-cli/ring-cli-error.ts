// Errors of the `dchat ring` shell itself (the ring's own errors are HashRingError).
import { DchatError } from '../base/dchat-error.js';

export type RingCliErrorCode = 'DCHAT_RING_BAD_STATE' | 'DCHAT_RING_BAD_COMMAND' | 'DCHAT_RING_BAD_FILE';

export class RingCliError extends DchatError {
  override name = 'RingCliError';
  declare readonly code: RingCliErrorCode;
  constructor(code: RingCliErrorCode, message: string) {
    super(code, message);
  }
}
