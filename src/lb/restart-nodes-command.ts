// `dchat restart-nodes`: restarts a cluster's chat nodes one at a time, each only once the one
// before is healthy again, so that at most one node is away at any moment. How a node is
// restarted is the operator's (`ssh root@{host} systemctl restart dchat-server`, docs/deploy.md);
// this command runs it for each node listed in /dchat/nodes and waits until the node has
// registered again with a later start time, which is what `dchat lb` puts back in nginx's upstream.
import { spawn } from 'node:child_process';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { requiredSecret, secretOptions, type SecretArgs } from '../base/cluster-secret.js';
import { DchatError, errorMessage } from '../base/dchat-error.js';
import { checkWholeOption } from '../base/option-checks.js';
import { waitUntil } from '../up/wait-until.js';
import { ZkSession } from '../zk/zk-session.js';
import { listNodeIds, nodesPath } from './live-nodes.js';

interface RestartArgs extends SecretArgs {
  zk: string;
  restartCommand: string;
  timeoutMs: number;
}

const pollMs = 200;

export const restartNodesCommand: CommandModule<object, RestartArgs> = {
  command: 'restart-nodes',
  describe: 'Restart the chat nodes of a cluster one at a time, each once the one before has registered again',
  builder: (y: Argv) =>
    y
      .option('zk', { type: 'string', default: process.env['DCHAT_ZK'], demandOption: 'give --zk host:port,… or set DCHAT_ZK', describe: 'ZooKeeper connect string (env DCHAT_ZK)' })
      .options(secretOptions)
      .option('restart-command', {
        type: 'string',
        demandOption: 'give --restart-command, e.g. "ssh root@{host} systemctl restart dchat-server"',
        describe: 'Shell command that restarts one node; {node}, {host} and {port} are replaced by its id and client address',
      })
      .option('timeout-ms', { type: 'number', default: 60_000, describe: 'How long a node may take to register again after its restart command' })
      .check((argv) => {
        checkWholeOption('--timeout-ms', argv['timeout-ms'], 1, 'milliseconds');
        return true;
      })
      .example('$0 restart-nodes --restart-command "ssh root@{host} systemctl restart dchat-server"', 'restart every node, one at a time') as unknown as Argv<RestartArgs>,
  handler: async (args: ArgumentsCamelCase<RestartArgs>) => {
    process.exitCode = await restartNodes(args);
  },
};

interface Registration {
  clientAddress: string;
  startedAtMs: number;
}

async function registration(session: ZkSession, nodeId: string): Promise<Registration | undefined> {
  const found = await session.getData(`${nodesPath}/${nodeId}`);
  if (!found) return undefined;
  try {
    const fields = JSON.parse(found.data.toString('utf8')) as Record<string, unknown>;
    const clientAddress = typeof fields['clientAddress'] === 'string' ? fields['clientAddress'] : nodeId;
    return { clientAddress, startedAtMs: typeof fields['startedAtMs'] === 'number' ? fields['startedAtMs'] : 0 };
  } catch {
    return { clientAddress: nodeId, startedAtMs: 0 };
  }
}

/** The command for one node, its placeholders filled in. */
export function restartCommandFor(template: string, nodeId: string, clientAddress: string): string {
  const colon = clientAddress.lastIndexOf(':');
  const host = clientAddress.slice(0, colon).replace(/^\[|\]$/g, '');
  return template.replaceAll('{node}', nodeId).replaceAll('{host}', host).replaceAll('{port}', clientAddress.slice(colon + 1));
}

/** Runs the command with `sh -c`; its output goes to ours. Rejects when it does not exit 0. */
function runShell(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new DchatError('DCHAT_LB_RESTART_COMMAND_FAILED', `the restart command \`${command}\` exited with ${code ?? signal}; fix --restart-command or the node, then run dchat restart-nodes again`));
    });
  });
}

async function restartOne(session: ZkSession, nodeId: string, template: string, timeoutMs: number): Promise<void> {
  const before = await registration(session, nodeId);
  if (!before) {
    process.stdout.write(`dchat restart-nodes: ${nodeId} is no longer registered; skipped\n`);
    return;
  }
  const command = restartCommandFor(template, nodeId, before.clientAddress);
  process.stdout.write(`dchat restart-nodes: restarting ${nodeId}: ${command}\n`);
  const startMs = Date.now();
  await runShell(command);
  await waitUntil(
    async () => ((await registration(session, nodeId))?.startedAtMs ?? 0) > before.startedAtMs,
    timeoutMs,
    `${nodeId} to register again in ${nodesPath} with a later start; check its log (on ${before.clientAddress.replace(/:\d+$/, '')}: journalctl -u dchat-server)`,
    pollMs,
  );
  process.stdout.write(`dchat restart-nodes: ${nodeId} is back (registered again ${Date.now() - startMs} ms after its restart began)\n`);
}

async function restartNodes(args: RestartArgs): Promise<number> {
  let session: ZkSession;
  try {
    session = await ZkSession.connect({ connectString: args.zk, digests: requiredSecret('dchat restart-nodes', args).zkDigests() });
  } catch (err) {
    process.stderr.write(`dchat restart-nodes: ${errorMessage(err)}\n`);
    return 1;
  }
  try {
    const nodeIds = (await listNodeIds(session)).sort();
    if (nodeIds.length === 0) {
      process.stderr.write(`dchat restart-nodes: no chat node is registered in ${nodesPath} at ${args.zk}; nothing to restart\n`);
      return 1;
    }
    for (const nodeId of nodeIds) await restartOne(session, nodeId, args.restartCommand, args.timeoutMs);
    process.stdout.write(`dchat restart-nodes: restarted ${nodeIds.length} node(s), one at a time\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`dchat restart-nodes: ${errorMessage(err)}; the nodes after it were not restarted\n`);
    return 1;
  } finally {
    await session.close();
  }
}
