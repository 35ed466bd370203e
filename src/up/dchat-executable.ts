// How to start another dchat process: the same Node binary running the same bin/dchat.
import { fileURLToPath } from 'node:url';

const binDchat = fileURLToPath(new URL('../../../bin/dchat', import.meta.url));

export function dchatExecutable(args: string[]): { command: string; args: string[] } {
  return { command: process.execPath, args: [binDchat, ...args] };
}
