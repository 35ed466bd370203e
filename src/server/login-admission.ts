// Admission control of a chat node for the requests that log in or create accounts: token
// buckets per source address and per account, checked before any work is done. A bucket counts
// the attempts in flight and those that failed: a success (and a refusal for load, which did no
// work) gives its token back, so honest users behind one address are limited in how many they
// start at once, while a source or an account that keeps failing (guessing) is held to the
// refill rate. Refusals are RESOURCE_EXHAUSTED with the time until a token is back.
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

export class LoginAdmission {
  private readonly families = new Map<keyof LoginAdmissionOptions, KeyedTokenBuckets>();

  constructor(options: LoginAdmissionOptions = defaultLoginAdmission, now: () => number = Date.now) {
    for (const [family, rate] of Object.entries(options) as [keyof LoginAdmissionOptions, BucketRate | undefined][]) {
      if (rate) this.families.set(family, new KeyedTokenBuckets(rate, now));
    }
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
