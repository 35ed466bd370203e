// Admission control of a chat node for the requests that log in or create accounts: token
// buckets per source address and per account, checked before any work is done. A bucket counts
// the attempts in flight and those that failed: a success (and a refusal for load, which did no
// work) gives its token back, so honest users behind one address are limited in how many they
// start at once, while a source or an account that keeps failing (guessing) is held to the
// refill rate. Refusals are RESOURCE_EXHAUSTED with the time until a token is back.
//
// A connection told to retry after some time gets its next login, register or resume looked at
// only once that time has come: a client that honours retry_after_ms never notices, while one
// that fires again at once (a guesser) waits on its own connection, whose queue then stops the
// node reading from it, instead of costing the node a refusal per frame.
//
// The buckets live in the node: behind nginx every client arrives from nginx's address, and in
// a cluster each node counts its own (docs/rules.md says what that means).
import { KeyedTokenBuckets, type BucketRate } from './token-bucket.js';

export type AdmissionKind = 'login' | 'register' | 'resume';

/** One rate per bucket family; undefined turns that family off. */
export interface LoginAdmissionOptions {
  loginPerSource?: BucketRate | undefined;
  loginPerAccount?: BucketRate | undefined;
  registerPerSource?: BucketRate | undefined;
  resumePerSource?: BucketRate | undefined;
  resumePerAccount?: BucketRate | undefined;
}

/** The defaults of docs/rules.md, and the names of the `dchat server` options that change them. */
export const defaultLoginAdmission: Required<LoginAdmissionOptions> = {
  loginPerSource: { burst: 20, perSecond: 1 },
  loginPerAccount: { burst: 10, perSecond: 0.05 },
  registerPerSource: { burst: 20, perSecond: 1 },
  resumePerSource: { burst: 100, perSecond: 20 },
  resumePerAccount: { burst: 10, perSecond: 1 },
};

export const admissionOptionNames: Record<keyof LoginAdmissionOptions, string> = {
  loginPerSource: '--login-source-rate',
  loginPerAccount: '--login-account-rate',
  registerPerSource: '--register-source-rate',
  resumePerSource: '--resume-source-rate',
  resumePerAccount: '--resume-account-rate',
};

export type Admission = { ok: true; succeeded: () => void } | { ok: false; retryAfterMs: number; why: string };

interface Charge {
  family: keyof LoginAdmissionOptions;
  buckets: KeyedTokenBuckets;
  key: string;
  what: string;
}

/** The longest a connection's next attempt is held back, whatever retry_after_ms it was told. */
const maxHoldMs = 30_000;

export class LoginAdmission {
  private readonly families = new Map<keyof LoginAdmissionOptions, KeyedTokenBuckets>();
  /** Per connection: when it was told it may try again. */
  private readonly heldUntil = new WeakMap<object, number>();

  constructor(
    options: LoginAdmissionOptions = defaultLoginAdmission,
    private readonly now: () => number = Date.now,
  ) {
    for (const [family, rate] of Object.entries(options) as [keyof LoginAdmissionOptions, BucketRate | undefined][]) {
      if (rate) this.families.set(family, new KeyedTokenBuckets(rate, now));
    }
  }

  /** Remembers that the connection was told to retry after retryAfterMs. */
  toldToWait(connection: object, retryAfterMs: number): void {
    this.heldUntil.set(connection, this.now() + Math.min(maxHoldMs, retryAfterMs));
  }

  /** Resolves once the connection's retry-after (if any) has passed. */
  waitTurn(connection: object): Promise<void> {
    const waitMs = (this.heldUntil.get(connection) ?? 0) - this.now();
    if (waitMs <= 0) return Promise.resolve();
    return new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  /** Takes a token from every bucket the attempt falls under, or none when one of them is empty. */
  admit(kind: AdmissionKind, source: string, accountId: number): Admission {
    const charges = this.chargesOf(kind, source, accountId);
    const taken: Charge[] = [];
    for (const charge of charges) {
      const take = charge.buckets.take(charge.key);
      if (!take.ok) {
        for (const done of taken) done.buckets.refund(done.key);
        const { burst, perSecond } = charge.buckets.rate;
        return {
          ok: false,
          retryAfterMs: take.retryAfterMs,
          why: `too many ${kind} attempts ${charge.what} (${admissionOptionNames[charge.family]} ${burst}:${perSecond}: ${burst} at once, ${perSecond} more a second); try again in ${take.retryAfterMs} ms`,
        };
      }
      taken.push(charge);
    }
    return { ok: true, succeeded: () => taken.forEach((c) => c.buckets.refund(c.key)) };
  }

  private chargesOf(kind: AdmissionKind, source: string, accountId: number): Charge[] {
    const per = (family: keyof LoginAdmissionOptions, key: string, what: string): Charge[] => {
      const buckets = this.families.get(family);
      return buckets ? [{ family, buckets, key, what }] : [];
    };
    switch (kind) {
      case 'login':
        return [...per('loginPerSource', source, `from ${source}`), ...per('loginPerAccount', String(accountId), `for user ${accountId}`)];
      case 'register':
        return per('registerPerSource', source, `from ${source}`);
      case 'resume':
        return [...per('resumePerSource', source, `from ${source}`), ...per('resumePerAccount', String(accountId), `for user ${accountId}`)];
      default: {
        const unknown: never = kind;
        throw new Error(`unknown admission kind ${String(unknown)}`);
      }
    }
  }
}
