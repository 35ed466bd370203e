// The options of `dchat server` (and, for the KDF queue and tokens, `dchat rpc-server`) that
// set the login limits: the admission buckets (login-admission.ts), the password-KDF queue
// (services/kdf-queue.ts) and the life of resume tokens. Defaults and meaning: docs/rules.md.
import type { Argv } from 'yargs';
import { checkWholeOption } from '../base/option-checks.js';
import { defaultKdfQueueOptions, type KdfQueueOptions } from '../services/kdf-queue.js';
import { defaultResumeTokenOptions, type ResumeTokenOptions } from '../services/resume-token.js';
import { admissionOptionNames, defaultLoginAdmission, type LoginAdmissionOptions } from './login-admission.js';
import { defaultLoginGateOptions, type LoginGateOptions } from './login-gate.js';
import type { BucketRate } from './token-bucket.js';

/** Leaves a password check and the rest of a login time within the RPC layer's 10 s call deadline. */
const maxKdfWaitMs = 8_000;

const rateText = (rate: BucketRate): string => `${rate.burst}:${rate.perSecond}`;

/** Parses "BURST:PER_SECOND" (e.g. 20:1), or "off"; throws a sentence naming the option. */
export function parseBucketRate(option: string, text: string): BucketRate | undefined {
  if (text === 'off') return undefined;
  const match = /^([0-9]+):([0-9]*\.?[0-9]+)$/.exec(text);
  const burst = Number(match?.[1]);
  const perSecond = Number(match?.[2]);
  if (!match || burst < 1 || !(perSecond > 0)) {
    throw new Error(`${option} "${text}" is not a rate: give BURST:PER_SECOND, e.g. 20:1 (20 at once, 1 more each second; BURST >= 1, PER_SECOND > 0), or off`);
  }
  return { burst, perSecond };
}

export function withAdmissionOptions<T>(y: Argv<T>): Argv<T> {
  let out = y;
  for (const [key, name] of Object.entries(admissionOptionNames) as [keyof LoginAdmissionOptions, string][]) {
    const kind = key.startsWith('login') ? 'login' : key.startsWith('register') ? 'register' : 'resume';
    const per = key.endsWith('Source') ? 'source address' : 'account';
    out = out.option(name.slice(2), { type: 'string', default: rateText(defaultLoginAdmission[key]), describe: `${kind} attempts per ${per}: BURST:PER_SECOND (failed and in-flight attempts count), or off` });
  }
  return out;
}

export function admissionFrom(argv: Record<string, unknown>): LoginAdmissionOptions {
  const out: LoginAdmissionOptions = {};
  for (const [key, name] of Object.entries(admissionOptionNames) as [keyof LoginAdmissionOptions, string][]) {
    out[key] = parseBucketRate(name, String(argv[name.slice(2)]));
  }
  return out;
}

export function withKdfOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('kdf-concurrency', { type: 'number', default: defaultKdfQueueOptions.concurrency, describe: 'Password hashes computed at once (default: the cores, at most 4)' })
    .option('kdf-queue', { type: 'number', default: defaultKdfQueueOptions.maxQueued, describe: 'Password checks that may wait for their turn; beyond: RESOURCE_EXHAUSTED' })
    .option('kdf-max-wait-ms', { type: 'number', default: defaultKdfQueueOptions.maxWaitMs, describe: 'Longest a password check waits for its turn; one that would wait longer is refused, not run late' })
    .option('resume-token-ttl-ms', { type: 'number', default: defaultResumeTokenOptions.ttlMs, describe: 'How long the resume token of a login is accepted' });
}

export function checkKdfOptions(argv: Record<string, unknown>): void {
  checkWholeOption('--kdf-concurrency', argv['kdf-concurrency'], 1, 'password hashes at once');
  checkWholeOption('--kdf-queue', argv['kdf-queue'], 0, 'waiting password checks');
  checkWholeOption('--kdf-max-wait-ms', argv['kdf-max-wait-ms'], 1, 'milliseconds');
  if (Number(argv['kdf-max-wait-ms']) > maxKdfWaitMs) {
    throw new Error(`--kdf-max-wait-ms ${String(argv['kdf-max-wait-ms'])} is too long: a login must be answered within the 10 s RPC deadline, so give at most ${maxKdfWaitMs}`);
  }
  checkWholeOption('--resume-token-ttl-ms', argv['resume-token-ttl-ms'], 1000, 'milliseconds');
}

export function kdfQueueFrom(argv: Record<string, unknown>): KdfQueueOptions {
  return { concurrency: Number(argv['kdfConcurrency']), maxQueued: Number(argv['kdfQueue']), maxWaitMs: Number(argv['kdfMaxWaitMs']) };
}

export function resumeTokensFrom(argv: Record<string, unknown>): ResumeTokenOptions {
  return { ...defaultResumeTokenOptions, ttlMs: Number(argv['resumeTokenTtlMs']) };
}

export function withLoginGateOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('resume-concurrency', { type: 'number', default: defaultLoginGateOptions.concurrency, describe: 'Resumes this node works on at once; the others wait their turn, first come first served' })
    .option('resume-queue', { type: 'number', default: defaultLoginGateOptions.maxQueued, describe: 'Resumes that may wait for their turn; beyond: RESOURCE_EXHAUSTED with a retry-after' })
    .option('resume-max-wait-ms', { type: 'number', default: defaultLoginGateOptions.maxWaitMs, describe: 'Longest a resume waits for its turn before it is refused with a retry-after' });
}

export function checkLoginGateOptions(argv: Record<string, unknown>): void {
  checkWholeOption('--resume-concurrency', argv['resume-concurrency'], 1, 'resumes at once');
  checkWholeOption('--resume-queue', argv['resume-queue'], 0, 'waiting resumes');
  checkWholeOption('--resume-max-wait-ms', argv['resume-max-wait-ms'], 1, 'milliseconds');
  if (Number(argv['resume-max-wait-ms']) > maxKdfWaitMs) {
    throw new Error(`--resume-max-wait-ms ${String(argv['resume-max-wait-ms'])} is too long: a client gives up on a request after 10 s, so give at most ${maxKdfWaitMs}`);
  }
}

export function loginGateFrom(argv: Record<string, unknown>): LoginGateOptions {
  return { concurrency: Number(argv['resumeConcurrency']), maxQueued: Number(argv['resumeQueue']), maxWaitMs: Number(argv['resumeMaxWaitMs']) };
}
