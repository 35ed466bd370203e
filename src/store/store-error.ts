import { DchatError } from '../base/dchat-error.js';

export type StoreErrorCode =
  | 'DCHAT_STORE_UNAVAILABLE' // the database cannot be reached
  | 'DCHAT_STORE_BAD_URL' // the --db / DCHAT_DB value does not parse
  | 'DCHAT_STORE_FULL' // the disk (or the database's size cap) is full: writes fail until space is freed, reads work
  | 'DCHAT_STORE_FAILED'; // a statement failed (a constraint the code did not expect, a disk error, ...)

export class StoreError extends DchatError {
  override name = 'StoreError';
  constructor(
    override readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
