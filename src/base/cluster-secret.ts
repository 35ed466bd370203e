// The cluster's credentials. One secret, held by every process inside the trust boundary
// (docs/security.md), is the root of everything else: the TLS pre-shared key of every RPC
// connection and the digest credentials of dchat's znodes are derived from it with HKDF, each
// under its own label, so that neither reveals the other or the secret.
//
// A secret file may hold several secrets, one per line: the first is the one this process uses
// when it calls; all of them are accepted from callers. That is how a secret is rotated without
// a stop (docs/security.md "Rotating the secret").
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { DchatError, errorMessage } from './dchat-error.js';

/** Shorter secrets could be guessed offline from a recorded handshake. */
export const MIN_SECRET_CHARS = 16;

export class ClusterSecret {
  private constructor(
    /** The secrets, newest (the one used to call) first. */
    private readonly secrets: readonly string[],
    /** Where they came from, for messages: "--cluster-secret-file /etc/dchat/secret". */
    readonly source: string,
  ) {}

  static of(secrets: readonly string[], source: string): ClusterSecret {
    if (secrets.length === 0) throw new DchatError('DCHAT_SECRET_INVALID', `${source} holds no secret; \`dchat secret new FILE\` makes one`);
    for (const secret of secrets) {
      if (secret.length < MIN_SECRET_CHARS) {
        throw new DchatError('DCHAT_SECRET_INVALID', `${source}: a cluster secret must have at least ${MIN_SECRET_CHARS} characters (one has ${secret.length}); \`dchat secret new FILE\` makes a strong one`);
      }
    }
    return new ClusterSecret(secrets, source);
  }

  /** A new random secret: 256 bits, as hex. */
  static generate(): string {
    return randomBytes(32).toString('hex');
  }

  /** The TLS pre-shared key of RPC connections made with the current secret, with its identity. */
  rpcKey(): { identity: string; key: Buffer } {
    return rpcKeyOf(this.secrets[0]!);
  }

  /** The key for a PSK identity a caller offered, if it is one of this process's secrets. */
  rpcKeyFor(identity: string): Buffer | undefined {
    for (const secret of this.secrets) {
      const candidate = rpcKeyOf(secret);
      if (candidate.identity === identity) return candidate.key;
    }
    return undefined;
  }

  /**
   * The bearer token a process with this secret asks of whoever reads its `--metrics` address
   * (Prometheus: `authorization: { credentials_file: … }`); `dchat secret metrics-token` prints it.
   */
  metricsToken(): string {
    return derive(this.secrets[0]!, 'dchat metrics bearer', 24).toString('base64url');
  }

  /** The ZooKeeper digest credentials of dchat's znodes: `user:password`, and the ACL id ZooKeeper stores. */
  zkDigest(): ZkDigest {
    return zkDigestOf(this.secrets[0]!);
  }

  /** The digest credentials of every secret held, current first (an ACL lists them all during a rotation). */
  zkDigests(): ZkDigest[] {
    return this.secrets.map(zkDigestOf);
  }
}

export interface ZkDigest {
  /** What `addauth digest` takes: "dchat:<password>". */
  readonly auth: string;
  /** The ACL id ZooKeeper keeps: "dchat:<base64 sha1 of auth>". */
  readonly id: string;
}

function derive(secret: string, label: string, bytes: number): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'dchat cluster', label, bytes));
}

function rpcKeyOf(secret: string): { identity: string; key: Buffer } {
  const key = derive(secret, 'dchat rpc tls-psk', 32);
  // The identity names the key without revealing it, so that a provider holding two secrets
  // during a rotation knows which one a caller uses.
  const identity = `dchat-rpc-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  return { identity, key };
}

function zkDigestOf(secret: string): ZkDigest {
  const user = 'dchat';
  const password = derive(secret, 'dchat zookeeper digest', 24).toString('base64url');
  const auth = `${user}:${password}`;
  return { auth, id: `${user}:${createHash('sha1').update(auth).digest('base64')}` };
}

export interface SecretSources {
  /** --cluster-secret */
  secret?: string | undefined;
  /** --cluster-secret-file */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * The cluster secret from, in this order, --cluster-secret-file, --cluster-secret,
 * DCHAT_CLUSTER_SECRET_FILE, DCHAT_CLUSTER_SECRET; undefined when none is given.
 */
export function clusterSecretFrom(sources: SecretSources): ClusterSecret | undefined {
  const env = sources.env ?? process.env;
  if (sources.file) return readSecretFile(sources.file, '--cluster-secret-file');
  if (sources.secret) return ClusterSecret.of([sources.secret], '--cluster-secret');
  const envFile = env['DCHAT_CLUSTER_SECRET_FILE'];
  if (envFile) return readSecretFile(envFile, 'DCHAT_CLUSTER_SECRET_FILE');
  const envSecret = env['DCHAT_CLUSTER_SECRET'];
  if (envSecret) return ClusterSecret.of([envSecret], 'DCHAT_CLUSTER_SECRET');
  return undefined;
}

/** How to give a command the secret, for the one line a cluster command stops with. */
export function missingSecretMessage(command: string): string {
  return (
    `${command} needs the cluster secret: pass --cluster-secret-file FILE (or set DCHAT_CLUSTER_SECRET_FILE or DCHAT_CLUSTER_SECRET). ` +
    '`dchat secret new FILE` makes one; `dchat up --cluster` makes and passes its own (~/.dchat/cluster/cluster-secret)'
  );
}

function readSecretFile(path: string, option: string): ClusterSecret {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DchatError('DCHAT_SECRET_INVALID', `${option} ${path}: cannot read the cluster secret (${errorMessage(err)}); \`dchat secret new ${path}\` makes one`);
  }
  const mode = statSync(path).mode & 0o077;
  if (mode !== 0) {
    throw new DchatError('DCHAT_SECRET_INVALID', `${option} ${path}: the secret file is readable by others (mode ${(statSync(path).mode & 0o777).toString(8)}); \`chmod 600 ${path}\``);
  }
  const secrets = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  return ClusterSecret.of(secrets, `${option} ${path}`);
}

/** ZooKeeper digest credentials from `user:password`, as zkCli's `addauth digest` takes them. */
export function zkDigestFromAuth(auth: string): ZkDigest {
  if (!/^[^:]+:.+$/.test(auth)) throw new DchatError('DCHAT_SECRET_INVALID', `--auth "${auth}" is not user:password (\`dchat secret zk-auth\` prints dchat's)`);
  const user = auth.slice(0, auth.indexOf(':'));
  return { auth, id: `${user}:${createHash('sha1').update(auth).digest('base64')}` };
}

/** The two options every cluster command takes (yargs option specifications). */
export const secretOptions = {
  'cluster-secret-file': {
    type: 'string',
    describe: "File holding the cluster secret (env DCHAT_CLUSTER_SECRET_FILE): RPC is TLS keyed from it and dchat's znodes are locked with it",
  },
  'cluster-secret': {
    type: 'string',
    describe: 'The cluster secret itself (env DCHAT_CLUSTER_SECRET); prefer the file: a command line is visible to every local user',
  },
} as const;

/** The parsed secretOptions of a command. */
export interface SecretArgs {
  clusterSecretFile?: string | undefined;
  clusterSecret?: string | undefined;
}

/** The secret a cluster command was given, or the one-line error that says how to give it. */
export function requiredSecret(command: string, args: SecretArgs): ClusterSecret {
  const secret = clusterSecretFrom({ secret: args.clusterSecret, file: args.clusterSecretFile });
  if (!secret) throw new DchatError('DCHAT_SECRET_MISSING', missingSecretMessage(command));
  return secret;
}
