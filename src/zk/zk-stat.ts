// ZooKeeper's Stat as dchat shows it: longs (session ids, times) arrive from the client library
// as 8-byte big-endian buffers and become hex strings and milliseconds here.
import type zookeeper from 'node-zookeeper-client';

export interface ZkStat {
  version: number;
  /** Session id of the owner in hex, '0' for a persistent znode. */
  ephemeralOwner: string;
  ctimeMs: number;
  mtimeMs: number;
  numChildren: number;
  dataLength: number;
}

/** A session id (or any ZooKeeper long) as lower-case hex without leading zeros, as zkCli prints it. */
export function longToHex(long: Buffer): string {
  if (long.length !== 8) return long.toString('hex').replace(/^0+(?=.)/, '');
  return long.readBigUInt64BE(0).toString(16);
}

function longToNumber(long: Buffer): number {
  return long.length === 8 ? Number(long.readBigInt64BE(0)) : 0;
}

export function toZkStat(stat: zookeeper.Stat): ZkStat {
  return {
    version: stat.version,
    ephemeralOwner: longToHex(stat.ephemeralOwner),
    ctimeMs: longToNumber(stat.ctime),
    mtimeMs: longToNumber(stat.mtime),
    numChildren: stat.numChildren,
    dataLength: stat.dataLength,
  };
}
