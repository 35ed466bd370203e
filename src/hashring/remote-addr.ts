// The text nginx puts in `$remote_addr`, which is what `hash $remote_addr consistent` hashes.
// IPv4 is dotted decimal. IPv6 follows nginx's ngx_inet6_ntop, which differs from the usual
// RFC 5952 form in one place: a leading run of zeros that holds an embedded IPv4 address
// (::ffff:a.b.c.d, and ::a.b.c.d) prints that address in dotted form.
import { isIPv4, isIPv6 } from 'node:net';
import type { StatusOr } from '../base/dchat-error.js';
import { HashRingError } from './hashring-error.js';

/** The `$remote_addr` text of a client IP literal, or why it is not one. */
export function remoteAddrOf(text: string): StatusOr<string, HashRingError> {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(bare)) return { ok: true, value: bare };
  if (isIPv6(bare)) return { ok: true, value: formatIpv6(ipv6Words(bare)) };
  return {
    ok: false,
    error: new HashRingError('DCHAT_RING_BAD_ADDRESS', `client "${text}" is not an IP address: nginx hashes the client's IP, so give one like 10.0.0.7 or ::1`),
  };
}

/** The eight 16-bit words of a valid IPv6 literal. */
function ipv6Words(text: string): number[] {
  // URL parsing expands embedded IPv4 tails and validates; its output has only hex words.
  const normalized = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const [head = '', tail] = normalized.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const headWords = parse(head);
  const tailWords = tail === undefined ? [] : parse(tail);
  const zeros = new Array<number>(8 - headWords.length - tailWords.length).fill(0);
  return [...headWords, ...zeros, ...tailWords];
}

function longestZeroRun(words: number[]): { start: number; length: number } {
  let best = { start: -1, length: 1 };
  let start = -1;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && words[i] === 0) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start > best.length) best = { start, length: i - start };
    start = -1;
  }
  return best;
}

function formatIpv6(words: number[]): string {
  const run = longestZeroRun(words);
  const w = (i: number): number => words[i] ?? 0;
  const dottedTail =
    run.start === 0 &&
    ((run.length === 5 && w(5) === 0xffff) || run.length === 6 || (run.length === 7 && w(7) >> 8 !== 0 && (w(7) & 0xff) !== 1));
  const wordCount = dottedTail ? 6 : 8;
  let out = run.start === 0 ? ':' : '';
  for (let i = 0; i < wordCount; i++) {
    if (i === run.start) {
      out += ':';
      i += run.length - 1;
      continue;
    }
    out += w(i).toString(16) + (i < 7 ? ':' : '');
  }
  if (dottedTail) out += `${w(6) >> 8}.${w(6) & 0xff}.${w(7) >> 8}.${w(7) & 0xff}`;
  return out;
}
