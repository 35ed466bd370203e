// The TCP ports a process listens on, as the kernel reports them (`ss -ltnp`): what an outsider
// could connect to.
import { execFileSync } from 'node:child_process';

export function listeningPorts(pid: number): number[] {
  const lines = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' }).split('\n');
  return lines
    .filter((line) => line.includes(`pid=${pid},`))
    .map((line) => Number(/:(\d+)$/.exec(line.split(/\s+/)[3] ?? '')?.[1]))
    .sort((a, b) => a - b);
}
