// How `dchat zk` prints: for people, data then the stat lines as ZooKeeper's own shell prints
// them; with --json, one JSON object a line (errors too, on stdout, with the exit code set) so
// that a script reads one stream.
import type { Writable } from 'node:stream';
import type { DchatError } from '../base/dchat-error.js';
import type { ZkStat } from '../zk/zk-session.js';
import type { ZkAnswer } from './zk-executor.js';
import { shellHelp } from './zk-operation.js';

export interface ZkOutput {
  answer(answer: ZkAnswer): void;
  failure(error: DchatError): void;
  /** A remark for a person (stderr); JSON mode keeps it off stdout too. */
  note(text: string): void;
}

/** Data as text when it is printable UTF-8, else undefined. */
function asText(data: Buffer): string | undefined {
  const text = data.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(data)) return undefined;
  return /[\u0000-\u0008\u000b-\u001f\u007f]/.test(text) ? undefined : text;
}

function statLines(stat: ZkStat): string[] {
  const owner = stat.ephemeralOwner === '0' ? '0 (persistent)' : `0x${stat.ephemeralOwner} (ephemeral)`;
  return [
    `version = ${stat.version}`,
    `ephemeralOwner = ${owner}`,
    `mtime = ${new Date(stat.mtimeMs).toISOString()}`,
    `ctime = ${new Date(stat.ctimeMs).toISOString()}`,
    `dataLength = ${stat.dataLength}`,
    `numChildren = ${stat.numChildren}`,
  ];
}

function describeData(data: Buffer): string {
  if (data.length === 0) return '(no data)';
  return asText(data) ?? `(binary, ${data.length} bytes) ${data.toString('hex')}`;
}

export function humanLines(answer: ZkAnswer): string[] {
  switch (answer.kind) {
    case 'ls':
      return [...answer.children, ...(answer.stat ? statLines(answer.stat) : [])];
    case 'tree':
      return answer.paths;
    case 'get':
      return [describeData(answer.data), ...statLines(answer.stat)];
    case 'stat':
      return statLines(answer.stat);
    case 'acl':
      // zkCli's layout: the scheme and id quoted, then the permissions.
      return answer.entries.flatMap((e) => [`'${e.scheme},'${e.id}`, `: ${e.perms}`]);
    case 'created':
      return [`created ${answer.path}${answer.isEphemeral ? ' (ephemeral)' : ''}`];
    case 'set':
      return [`set ${answer.path}`, ...statLines(answer.stat)];
    case 'deleted':
      return [`deleted ${answer.path}${answer.isRecursive ? ' and everything under it' : ''}`];
    case 'help':
      return shellHelp.split('\n');
    case 'quit':
      return [];
    default: {
      const unknown: never = answer;
      throw new Error(`unknown answer ${JSON.stringify(unknown)}`);
    }
  }
}

function statJson(stat: ZkStat): Record<string, unknown> {
  return { ...stat, ctime: new Date(stat.ctimeMs).toISOString(), mtime: new Date(stat.mtimeMs).toISOString() };
}

export function jsonOf(answer: ZkAnswer): Record<string, unknown> | undefined {
  switch (answer.kind) {
    case 'ls':
      return { path: answer.path, children: answer.children, ...(answer.stat ? { stat: statJson(answer.stat) } : {}) };
    case 'tree':
      return { path: answer.path, paths: answer.paths };
    case 'stat':
      return { path: answer.path, stat: statJson(answer.stat) };
    case 'acl':
      return { path: answer.path, acl: answer.entries };
    case 'get':
      return { path: answer.path, data: asText(answer.data) ?? null, dataBase64: answer.data.toString('base64'), stat: statJson(answer.stat) };
    case 'created':
      return { created: answer.path, ephemeral: answer.isEphemeral };
    case 'set':
      return { path: answer.path, stat: statJson(answer.stat) };
    case 'deleted':
      return { deleted: answer.path, recursive: answer.isRecursive };
    case 'help':
      return { help: shellHelp.split('\n') };
    case 'quit':
      return undefined;
    default: {
      const unknown: never = answer;
      throw new Error(`unknown answer ${JSON.stringify(unknown)}`);
    }
  }
}

export function createZkOutput(isJson: boolean, out: Writable = process.stdout, err: Writable = process.stderr): ZkOutput {
  const line = (stream: Writable, text: string): void => void stream.write(text + '\n');
  return {
    answer(answer) {
      if (isJson) {
        const json = jsonOf(answer);
        if (json) line(out, JSON.stringify(json));
      } else {
        for (const text of humanLines(answer)) line(out, text);
      }
    },
    failure(error) {
      if (isJson) line(out, JSON.stringify({ error: { code: error.code, message: error.message } }));
      else line(err, `error: ${error.message}`);
    },
    note(text) {
      line(err, `note: ${text}`);
    },
  };
}
