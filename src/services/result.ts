// Building the Result that every service response carries (the seed's ResultCode).
import { dchat } from '../gen/proto.js';

export type Refusal = { result: dchat.IResult };

export const OK: dchat.IResult = { code: dchat.Status.OK, message: '' };

export function refuse(code: dchat.Status, message: string): Refusal {
  return { result: { code, message } };
}

/** RESOURCE_EXHAUSTED with the time after which a retry may succeed. */
export function exhausted(message: string, retryAfterMs: number): Refusal {
  return { result: { code: dchat.Status.RESOURCE_EXHAUSTED, message, retryAfterMs } };
}

export function isOk(result: dchat.IResult | null | undefined): boolean {
  return (result?.code ?? dchat.Status.OK) === dchat.Status.OK;
}
