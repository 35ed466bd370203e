// A cluster for tests: ZooKeeper (one server, or an ensemble of three), MariaDB, and chat nodes
// started as `dchat server --zk … --db …` processes, plus a ZooKeeper session of the test's own
// to read what the nodes write. stop() stops everything it started, nodes added later included.
import { ZkSession } from '../../src/zk/zk-session.js';
import { startDchatServer, testZkDigests, type DchatProcess } from './dchat-process.js';
import { startMariaDb, type MariaDbHandle } from './mariadb.js';
import { startZooKeeper, startZooKeeperEnsemble, type ZkServerHandle } from './zookeeper.js';

export interface TestClusterOptions {
  nodes: number;
  /** Three ZooKeeper servers instead of one. */
  ensemble?: boolean;
  /** Added to every node's command line after --zk, --db and `--password-cost test`. */
  nodeArgs?: string[];
  nodeEnv?: NodeJS.ProcessEnv;
  /** Where MariaDB's directory is made (a small file system, to fill its disk); the system's temporary directory by default. */
  dbParentDir?: string;
}

export interface TestCluster {
  readonly zkServer: ZkServerHandle;
  readonly db: MariaDbHandle;
  readonly zk: ZkSession;
  /** Every node started so far; a test may push nodes it starts itself, and stop() stops them too. */
  readonly nodes: DchatProcess[];
  startNode(extraArgs?: string[]): Promise<DchatProcess>;
  stop(): Promise<void>;
}

export async function startTestCluster(options: TestClusterOptions): Promise<TestCluster> {
  const [zkServer, db] = await Promise.all([options.ensemble ? startZooKeeperEnsemble() : startZooKeeper(), startMariaDb(undefined, options.dbParentDir)]);
  const nodes: DchatProcess[] = [];
  let zk: ZkSession | undefined;
  const stop = async (): Promise<void> => {
    await zk?.close();
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
    await Promise.all([zkServer.stop(), db.stop()]);
  };
  const startNode = async (extraArgs: string[] = []): Promise<DchatProcess> => {
    const args = ['--zk', zkServer.connectString, '--db', db.url, '--password-cost', 'test', ...(options.nodeArgs ?? []), ...extraArgs];
    const node = await startDchatServer(args, options.nodeEnv ? { env: options.nodeEnv } : {});
    nodes.push(node);
    return node;
  };
  try {
    zk = await ZkSession.connect({ connectString: zkServer.connectString, digests: testZkDigests });
    for (let i = 0; i < options.nodes; i++) await startNode();
    return { zkServer, db, zk, nodes, startNode, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
