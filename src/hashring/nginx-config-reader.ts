// Reads the `upstream` blocks of an nginx config: enough of nginx's syntax (words, quotes,
// comments, blocks) to find each upstream's `hash` line and its `server` lines. Files named by
// `include` are not followed.
import type { StatusOr } from '../base/dchat-error.js';
import { HashRingError } from './hashring-error.js';

export interface UpstreamServer {
  /** The address text as written: what nginx hashes. */
  readonly address: string;
  readonly weight: number;
  readonly isDown: boolean;
  readonly isBackup: boolean;
}

export interface Upstream {
  readonly name: string;
  /** The `hash` key ("$remote_addr") and whether it is consistent; undefined without `hash`. */
  readonly hashKey: string | undefined;
  readonly isConsistent: boolean;
  readonly servers: UpstreamServer[];
}

type Token = { kind: 'word'; text: string; line: number } | { kind: ';' | '{' | '}'; line: number };

export function tokenizeNginx(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([;{}])|([^\s;{}"'#]+)|(\n)/g;
  let line = 1;
  for (const m of text.matchAll(pattern)) {
    if (m[5] !== undefined) line++;
    else if (m[3] !== undefined) tokens.push({ kind: m[3] as ';' | '{' | '}', line });
    else if (m[1] !== undefined || m[2] !== undefined || m[4] !== undefined) {
      tokens.push({ kind: 'word', text: m[1] ?? m[2] ?? m[4] ?? '', line });
    }
  }
  return tokens;
}

/** Every `upstream NAME { … }` block of a config, in file order. */
export function readUpstreams(configText: string, fileName = 'config'): StatusOr<Upstream[], HashRingError> {
  const tokens = tokenizeNginx(configText);
  const upstreams: Upstream[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.kind !== 'word' || t.text !== 'upstream' || tokens[i + 2]?.kind !== '{') continue;
    const name = tokens[i + 1];
    if (name?.kind !== 'word') continue;
    const block = readUpstreamBlock(tokens, i + 3, name.text, fileName);
    if (!block.ok) return block;
    upstreams.push(block.value.upstream);
    i = block.value.end;
  }
  return { ok: true, value: upstreams };
}

function readUpstreamBlock(
  tokens: Token[],
  start: number,
  name: string,
  fileName: string,
): StatusOr<{ upstream: Upstream; end: number }, HashRingError> {
  const servers: UpstreamServer[] = [];
  let hashKey: string | undefined;
  let isConsistent = false;
  let words: string[] = [];
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'word') words.push(t.text);
    else if (t.kind === '}' && words.length === 0) {
      return { ok: true, value: { upstream: { name, hashKey, isConsistent, servers }, end: i } };
    } else if (t.kind === ';') {
      if (words[0] === 'hash') {
        hashKey = words[1];
        isConsistent = words[2] === 'consistent';
      } else if (words[0] === 'server') {
        const server = readServerLine(words, `${fileName}:${t.line}`);
        if (!server.ok) return server;
        servers.push(server.value);
      }
      words = [];
    } else {
      return badConfig(`${fileName}:${t.line}: unexpected "${t.kind}" in upstream ${name}: check the braces and semicolons`);
    }
  }
  return badConfig(`${fileName}: upstream ${name} has no closing "}"`);
}

function readServerLine(words: string[], where: string): StatusOr<UpstreamServer, HashRingError> {
  const address = words[1];
  if (address === undefined) return badConfig(`${where}: "server" without an address`);
  let weight = 1;
  for (const param of words.slice(2)) {
    if (!param.startsWith('weight=')) continue;
    weight = /^[0-9]+$/.test(param.slice(7)) ? Number(param.slice(7)) : 0;
    if (weight < 1) return badConfig(`${where}: "${param}" of server ${address} is not a weight >= 1`);
  }
  return { ok: true, value: { address, weight, isDown: words.includes('down'), isBackup: words.includes('backup') } };
}

function badConfig(message: string): { ok: false; error: HashRingError } {
  return { ok: false, error: new HashRingError('DCHAT_RING_BAD_NGINX_CONFIG', message) };
}
