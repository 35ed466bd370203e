// Password hashes as stored in user.password_hash: scrypt (node:crypto) with a random 16-byte
// salt, encoded together with its cost parameters as "scrypt$N$r$p$salt$hash" (salt and hash in
// base64). Keeping the parameters in the string lets dchat raise the cost later while every
// stored hash still verifies with the parameters it was made with.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** The cost of new hashes: N = 2^14, r = 8, p = 5, one of OWASP's equivalent scrypt minimums
 * (Password Storage Cheat Sheet). Of those it needs the least memory (16 MiB a hash), which
 * matters when many users log in at once on a small machine; it takes ~180 ms on one core. */
export const defaultScryptCost = { N: 16384, r: 8, p: 5 } as const;

/**
 * The costs a deployment may choose for NEW hashes (`dchat server --password-cost`, env
 * DCHAT_PASSWORD_COST). 'test' (N = 1024, r = 1, p = 1: ~0.3 ms instead of ~180 ms) exists so
 * that benchmarks and tests can register and log in thousands of users; its hashes are far too
 * cheap to guess against, so it is NOT for production. Mixing is safe: verification always uses
 * the parameters stored in the hash.
 */
export const passwordCosts = { production: defaultScryptCost, test: { N: 1024, r: 1, p: 1 } } as const;
export type PasswordCostName = keyof typeof passwordCosts;
export const passwordCostNames = Object.keys(passwordCosts) as PasswordCostName[];

const saltBytes = 16;
const hashBytes = 32;
/** A stored hash asking for more than this is refused rather than allowed to exhaust memory. */
const maxMemoryBytes = 256 * 1024 * 1024;

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

interface DecodedHash {
  cost: ScryptCost;
  salt: Buffer;
  hash: Buffer;
}

function derive(password: string, salt: Buffer, cost: ScryptCost, keyBytes: number): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node refuses more than `maxmem` (32 MiB by default).
  const options: ScryptOptions = { ...cost, maxmem: 128 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function encode(cost: ScryptCost, salt: Buffer, hash: Buffer): string {
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

function parsePositiveInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  return Number(text);
}

function decode(encoded: string): DecodedHash | undefined {
  const [scheme, n, r, p, salt, hash, ...rest] = encoded.split('$');
  if (scheme !== 'scrypt' || rest.length > 0 || salt === undefined || hash === undefined) return undefined;
  const cost = { N: parsePositiveInt(n), r: parsePositiveInt(r), p: parsePositiveInt(p) };
  if (cost.N === undefined || cost.r === undefined || cost.p === undefined) return undefined;
  if (128 * cost.N * cost.r > maxMemoryBytes) return undefined;
  const decoded = { cost: { N: cost.N, r: cost.r, p: cost.p }, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
  return decoded.salt.length > 0 && decoded.hash.length > 0 ? decoded : undefined;
}

/** Hashes a password for storage with a fresh random salt. */
export async function hashPassword(password: string, cost: ScryptCost = defaultScryptCost): Promise<string> {
  const salt = randomBytes(saltBytes);
  return encode(cost, salt, await derive(password, salt, cost, hashBytes));
}

/** True when the password matches the stored hash; false for a wrong password or a hash that
 * does not parse (a malformed stored value must never let anyone in). */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const stored = decode(encoded);
  if (!stored) return false;
  const candidate = await derive(password, stored.salt, stored.cost, stored.hash.length);
  return timingSafeEqual(candidate, stored.hash);
}

/**
 * A well-formed hash at the given cost that no password matches (its hash part is random bytes,
 * not a KDF output). Checking a password against it costs exactly what a real check costs: a
 * login for an unknown user id runs it, so its answer comes no sooner than a wrong password's.
 */
export function unmatchableHash(cost: ScryptCost = defaultScryptCost): string {
  return encode(cost, randomBytes(saltBytes), randomBytes(hashBytes));
}

/** True when the hash was made with weaker parameters than new hashes get: rehash at next login. */
export function needsRehash(encoded: string, cost: ScryptCost = defaultScryptCost): boolean {
  const stored = decode(encoded);
  return !stored || stored.cost.N < cost.N || stored.cost.r < cost.r || stored.cost.p < cost.p;
}
