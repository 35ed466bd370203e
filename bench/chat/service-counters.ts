// Operation counters of a cluster's shared services, read before and after a benchmark phase:
// MariaDB's commits and statements (SHOW GLOBAL STATUS) and the requests ZooKeeper
// received (its `mntr` four-letter word). Divided by the messages delivered they give the cost
// of a message in each service, which docs/scaling.md projects from.
import { connect } from 'node:net';
import mysql from 'mysql2/promise';

/** Counter name → value; the benchmark reports the differences over a phase. */
export type ServiceCounters = Record<string, number>;

const mariaDbCounters: Record<string, string> = {
  Com_commit: 'mariadb commits',
  Questions: 'mariadb statements',
};

export async function readMariaDb(port: number): Promise<ServiceCounters> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`SHOW GLOBAL STATUS WHERE Variable_name IN (${Object.keys(mariaDbCounters).map((k) => `'${k}'`).join(', ')})`);
    const out: ServiceCounters = {};
    for (const row of rows) out[mariaDbCounters[String(row['Variable_name'])] ?? String(row['Variable_name'])] = Number(row['Value']);
    return out;
  } finally {
    await conn.end();
  }
}

/** zk_packets_received of `mntr`: every request a client sent, pings included. */
export function readZooKeeper(port: number): Promise<ServiceCounters> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.end('mntr'));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const received = /^zk_packets_received\s+(\d+)/m.exec(text)?.[1];
      if (received === undefined) return reject(new Error(`ZooKeeper at 127.0.0.1:${port} answered mntr without zk_packets_received: ${text.slice(0, 200)}`));
      resolve({ 'zookeeper requests': Number(received) });
    });
  });
}

export function counterChange(before: ServiceCounters, after: ServiceCounters): ServiceCounters {
  return Object.fromEntries(Object.entries(after).map(([name, value]) => [name, value - (before[name] ?? 0)]));
}
