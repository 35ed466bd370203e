// Resume tokens: what a successful login hands the client so that it can log in again (after
// a dropped connection, on any node) without the password and its KDF. A token is 32 random
// bytes in base64url; the database keeps only its SHA-256 (schema.sql, session_token), and a
// presented token is compared with every stored hash of the user in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ResumeTokenOptions {
  /** How long a token is accepted after the login that made it. */
  ttlMs: number;
  /** Tokens kept per user (one per recent login); a login beyond it drops the oldest. */
  perUser: number;
}

export const defaultResumeTokenOptions: ResumeTokenOptions = { ttlMs: 7 * 24 * 3600 * 1000, perUser: 5 };

const tokenBytes = 32;
/** base64url of 32 bytes is 43 characters; anything longer is not a token of ours. */
export const maxTokenChars = 64;

export function newResumeToken(): { token: string; tokenHash: string } {
  const token = randomBytes(tokenBytes).toString('base64url');
  return { token, tokenHash: hashResumeToken(token) };
}

export function hashResumeToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True when the token's hash is one of storedHashes; looks at every one of them, matching or not. */
export function matchesAnyHash(token: string, storedHashes: readonly string[]): boolean {
  const candidate = Buffer.from(hashResumeToken(token), 'hex');
  let isMatch = false;
  for (const stored of storedHashes) {
    const bytes = Buffer.from(stored, 'hex');
    if (bytes.length === candidate.length && timingSafeEqual(bytes, candidate)) isMatch = true;
  }
  return isMatch;
}
