// The password of a ZooKeeper session, from its id alone. A fault test that expires a chat node's
// session (expireSession in zookeeper.ts) needs the id and the password; the id is public (it is
// the ephemeralOwner of every znode the node owns, e.g. /dchat/nodes/<node-id>), and ZooKeeper
// derives the password from it: ZooKeeperServer.generatePasswd(id) seeds java.util.Random with
// `id ^ superSecret` (superSecret = 0xB3415C00, checked against zookeeper-3.8.0.jar with
// `javap -c -p`) and takes 16 bytes of nextBytes(). So the test reads what an operator sees and
// needs no hook in the node. zk-session-password.test.ts checks it against a live session.

const multiplier = 0x5deece66dn;
const addend = 0xbn;
const seedMask = (1n << 48n) - 1n;
const superSecret = 0xb3415c00n;
const passwordBytes = 16;

/** java.util.Random, as far as nextBytes needs it. */
class JavaRandom {
  private seed: bigint;

  constructor(seed: bigint) {
    this.seed = (BigInt.asIntN(64, seed) ^ multiplier) & seedMask;
  }

  /** next(32), as a signed 32-bit int. */
  nextInt(): number {
    this.seed = (this.seed * multiplier + addend) & seedMask;
    return Number(BigInt.asIntN(32, this.seed >> 16n));
  }

  /** Fills bytes with the low byte of each nextInt() first, four bytes per int, as Java does. */
  nextBytes(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      let rnd = this.nextInt();
      for (let n = Math.min(bytes.length - i, 4); n-- > 0; rnd >>= 8) bytes[i++] = rnd & 0xff;
    }
  }
}

/** The password ZooKeeper gave the session `sessionIdHex` (hex, with or without 0x). */
export function zkSessionPassword(sessionIdHex: string): Buffer {
  const id = BigInt.asIntN(64, BigInt(`0x${sessionIdHex.replace(/^0x/, '')}`));
  const password = Buffer.alloc(passwordBytes);
  new JavaRandom(id ^ superSecret).nextBytes(password);
  return password;
}
