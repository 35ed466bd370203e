// One ZooKeeper session that outlives expiry. The client library reconnects within a session by
// itself; when the ensemble declares the session expired, ZkSession opens a new one, puts back
// every ephemeral znode registered through it (parents ensured) and re-arms every watch, emitting
// 'expired', then 'connected', then 'new-session' once the ephemerals are back. Requests wait
// for a connection and are sent again after a lost one, up to operationTimeoutMs.
import { EventEmitter } from 'node:events';
import zookeeper from 'node-zookeeper-client';
import type { ZkDigest } from '../base/cluster-secret.js';
import { isDchatError } from '../base/dchat-error.js';
import { createLogger } from '../base/logger.js';
import { isRetryable, ZkError, zkCodeOf, zkErrorFrom, zkResultCode } from './zk-error.js';
import { badPathError, childPath, parentOf, splitConnectString } from './zk-path.js';
import { probeServers, unreachableMessage, type ProbeOutcome } from './zk-reachability.js';
import { longToHex, toZkStat, type ZkStat } from './zk-stat.js';
import { within } from '../base/deadline.js';
import { request, toBuffer } from './zk-client-call.js';
import { ZkEphemerals, type TakenCallback } from './zk-ephemerals.js';
import { ZkLiveness } from './zk-liveness.js';
import { ZkWatch } from './zk-watch.js';
import { guardZkReplies } from './zk-read-guard.js';

guardZkReplies();

export type { ZkStat } from './zk-stat.js';
export type ZkCreateMode = 'persistent' | 'ephemeral' | 'persistent_sequential' | 'ephemeral_sequential';
export type ZkSessionEvent = 'connected' | 'disconnected' | 'expired' | 'new-session';

export interface ZkConnectOptions {
  /** "host:port,host:port/chroot"; a missing chroot znode is created. */
  connectString: string;
  /** Asked of the ensemble, which bounds it (by default to 2..20 ticks: 4 s..40 s). */
  sessionTimeoutMs?: number;
  /** How long connect() waits for the first session before DCHAT_ZK_UNREACHABLE. */
  connectTimeoutMs?: number;
  /**
   * Digest credentials (the cluster's, current first): the session authenticates with them, and
   * every znode it creates is readable and writable by their holders only. Without them it
   * creates open znodes (`dchat zk` as a general browser).
   */
  digests?: readonly ZkDigest[];
}

/** One entry of a znode's ACL, as `dchat zk getAcl` prints it. */
export interface ZkAclEntry {
  scheme: string;
  id: string;
  /** zkCli's letters: r w c d a. */
  perms: string;
}

const defaultSessionTimeoutMs = 10_000;
const defaultConnectTimeoutMs = 5_000;
/** After the library has tried every server once, it waits up to this long before the next round. */
const reconnectSpinMs = 200;

const createModes: Record<ZkCreateMode, number> = {
  persistent: zookeeper.CreateMode.PERSISTENT,
  ephemeral: zookeeper.CreateMode.EPHEMERAL,
  persistent_sequential: zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeral_sequential: zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
};

type Waiter = (client: zookeeper.Client | undefined) => void;

function checkedMs(name: string, value: number): number {
  if (Number.isFinite(value) && value > 0) return value;
  throw new ZkError('DCHAT_ZK_FAILED', `ZkSession.connect: ${name} ${value} is not a positive number of milliseconds`);
}

export class ZkSession {
  private client: zookeeper.Client;
  private isConnected = false;
  private isClosed = false;
  /** Set on expiry: the next connection belongs to a new session that must be restored. */
  private isNewSessionPending = false;
  private readonly waiters = new Set<Waiter>();
  private readonly ephemerals = new ZkEphemerals(this);
  private readonly liveness: ZkLiveness;
  private readonly watches = new Set<ZkWatch>();
  private readonly events = new EventEmitter();
  private readonly hosts: string;
  private readonly log = createLogger('zk.session');

  private readonly acl: zookeeper.ACL[];

  private constructor(
    readonly connectString: string,
    private readonly sessionTimeoutMs: number,
    private readonly operationTimeoutMs: number,
    private readonly digests: readonly ZkDigest[],
  ) {
    const { hosts, servers } = splitConnectString(connectString);
    this.hosts = hosts;
    this.acl =
      digests.length > 0
        ? digests.map((d) => new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id('digest', d.id)))
        : [new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id('world', 'anyone'))];
    this.client = this.openClient();
    this.liveness = new ZkLiveness({
      sessionTimeoutMs: () => this.client.getSessionTimeout(),
      serverCount: () => servers.length,
      isConnected: () => this.isConnected,
      probe: () => {
        const client = this.client;
        return request((done) => client.exists('/', undefined, done));
      },
      dropConnection: () => this.client.connectionManager?.socket?.destroy(),
    });
    this.liveness.start();
  }

  /** Opens a session; rejects with DCHAT_ZK_UNREACHABLE if none comes within connectTimeoutMs. */
  static async connect(options: ZkConnectOptions): Promise<ZkSession> {
    const { servers, hosts, chroot } = splitConnectString(options.connectString);
    if (servers.length === 0) {
      throw new ZkError('DCHAT_ZK_UNREACHABLE', `ZooKeeper connect string ${JSON.stringify(options.connectString)} names no server; give host:port[,host:port…][/chroot]`);
    }
    const badChroot = chroot ? badPathError(chroot) : undefined;
    if (badChroot) throw badChroot;
    const connectTimeoutMs = checkedMs('connectTimeoutMs', options.connectTimeoutMs ?? defaultConnectTimeoutMs);
    const sessionTimeoutMs = checkedMs('sessionTimeoutMs', options.sessionTimeoutMs ?? defaultSessionTimeoutMs);
    const digests = options.digests ?? [];
    if (chroot) await ZkSession.ensureChroot(hosts, chroot, sessionTimeoutMs, connectTimeoutMs, digests);
    const probing = probeServers(servers, connectTimeoutMs);
    const session = new ZkSession(options.connectString, sessionTimeoutMs, Math.max(sessionTimeoutMs, connectTimeoutMs), digests);
    const client = await session.connectedClientWithin(connectTimeoutMs);
    if (client === undefined) {
      await session.close();
      const outcomes: Map<string, ProbeOutcome> = await probing;
      throw new ZkError('DCHAT_ZK_UNREACHABLE', unreachableMessage(hosts, outcomes, connectTimeoutMs));
    }
    return session;
  }

  /** Without its chroot znode a chrooted session could create nothing, so it is made first. */
  private static async ensureChroot(hosts: string, chroot: string, sessionTimeoutMs: number, connectTimeoutMs: number, digests: readonly ZkDigest[]): Promise<void> {
    const root = await ZkSession.connect({ connectString: hosts, sessionTimeoutMs, connectTimeoutMs, digests });
    try {
      await root.ensurePath(chroot);
    } finally {
      await root.close();
    }
  }

  /** Whether this session holds credentials, and so creates locked znodes. */
  isAuthenticated(): boolean {
    return this.digests.length > 0;
  }

  /** The id of the current session in hex (as ZooKeeper's own tools print it, without 0x). */
  sessionId(): string {
    return longToHex(this.client.getSessionId());
  }

  sessionPassword(): Buffer {
    return this.client.getSessionPassword();
  }

  on(event: 'state', listener: (e: ZkSessionEvent) => void): void {
    this.events.on(event, listener);
  }

  off(event: 'state', listener: (e: ZkSessionEvent) => void): void {
    this.events.off(event, listener);
  }

  /**
   * Creates a znode. A create whose answer was lost with the connection is sent again; when the
   * retry finds the znode there, it is taken for this create's own if it holds the same data and
   * is persistent, or is ephemeral and owned by this session. (A sequential create cannot tell:
   * its retry makes a second znode, as with ZooKeeper's own clients.)
   */
  async create(path: string, data?: Uint8Array, options?: { mode?: ZkCreateMode; parents?: boolean }): Promise<string> {
    if (options?.parents) await this.ensurePath(parentOf(path));
    const modeName = options?.mode ?? 'persistent';
    const mode = createModes[modeName];
    const bytes = toBuffer(data);
    return this.run('create', path, async (c, attempt) => {
      try {
        return await request<string>((done) => c.create(path, bytes, this.acl, mode, done));
      } catch (err) {
        if (attempt === 0 || zkCodeOf(err) !== zkResultCode.nodeExists || !(await this.isOwnCreate(path, bytes, modeName))) throw err;
        return path;
      }
    });
  }

  /** Whether the znode at path is what a lost create of `data` in `mode` would have left. */
  private async isOwnCreate(path: string, data: Buffer, mode: ZkCreateMode): Promise<boolean> {
    if (mode !== 'persistent' && mode !== 'ephemeral') return false;
    const found = await this.getData(path);
    if (!found || !found.data.equals(data)) return false;
    return mode === 'persistent' ? found.stat.ephemeralOwner === '0' : found.stat.ephemeralOwner === this.sessionId();
  }

  async ensurePath(path: string): Promise<void> {
    if (path === '/' || (await this.exists(path))) return;
    const names = path.split('/').slice(1);
    for (let depth = 1; depth <= names.length; depth++) {
      const prefix = '/' + names.slice(0, depth).join('/');
      try {
        await this.create(prefix);
      } catch (err) {
        if (!isDchatError(err, 'DCHAT_ZK_NODE_EXISTS')) throw err;
      }
    }
  }

  /**
   * Creates an ephemeral znode that this process owns: after every session expiry it is put back
   * until unregisterEphemeral or close. A znode left at the path by another session (this process
   * before a restart, whose session has not timed out yet) is replaced. After an expiry, though,
   * a znode another session created meanwhile is kept: the path is given up and `onTaken` told.
   */
  async registerEphemeral(path: string, data: Uint8Array, options?: { onTaken?: TakenCallback; occupant?: ZkStat | undefined }): Promise<void> {
    const bad = badPathError(path);
    if (bad) throw bad;
    await this.ephemerals.register(path, data, options?.onTaken, options?.occupant);
  }

  /**
   * Deletes the znode at `path` if it still has `version` and creates an ephemeral one of this
   * session in its place, in one transaction: one write for ZooKeeper's quorum instead of two.
   */
  async replaceWithEphemeral(path: string, version: number, data: Uint8Array): Promise<void> {
    const bytes = toBuffer(data);
    await this.run('replace', path, (c) =>
      request<unknown>((done) => c.transaction().remove(path, version).create(path, bytes, this.acl, createModes.ephemeral).commit(done)),
    );
  }

  /** New data for a registered ephemeral, also kept for re-creation; an unregistered path is registered. */
  async updateEphemeral(path: string, data: Uint8Array): Promise<void> {
    await this.ephemerals.update(path, data);
  }

  /** Stops owning the path and removes this session's znode there; true when it removed one (not another session's). */
  async unregisterEphemeral(path: string): Promise<boolean> {
    return this.ephemerals.unregister(path);
  }

  /** The ACL of a znode. */
  async getAcl(path: string): Promise<ZkAclEntry[]> {
    const acls = await this.run('getAcl', path, (c) =>
      new Promise<zookeeper.ACL[]>((resolve, reject) => c.getACL(path, (error, found) => (error ? reject(error) : resolve(found)))),
    );
    return acls.map((a) => ({ scheme: a.id.scheme, id: a.id.id, perms: permLetters(a.permission) }));
  }

  /**
   * Gives each existing path of `paths` this session's ACL when it has another: open to anyone
   * (made by an older dchat, or by hand), or the digests of a secret being rotated out. Returns
   * the paths it changed. One this session may not administer is left alone (it is locked to
   * other credentials) and reported in the result's `refused`.
   */
  async lockZnodes(paths: readonly string[]): Promise<{ locked: string[]; refused: string[] }> {
    const result = { locked: [] as string[], refused: [] as string[] };
    if (this.digests.length === 0) return result;
    const wanted = this.acl.map((a) => `${a.id.scheme}:${a.id.id}:${permLetters(a.permission)}`).sort().join(',');
    for (const path of paths) {
      let acl: ZkAclEntry[];
      try {
        acl = await this.getAcl(path);
      } catch (err) {
        if (isDchatError(err, 'DCHAT_ZK_NO_NODE')) continue;
        throw err;
      }
      if (acl.map((a) => `${a.scheme}:${a.id}:${a.perms}`).sort().join(',') === wanted) continue;
      try {
        await this.run('setAcl', path, (c) => request<zookeeper.Stat>((done) => c.setACL(path, this.acl, -1, done)));
        result.locked.push(path);
      } catch (err) {
        if (!isDchatError(err, 'DCHAT_ZK_NO_AUTH')) throw err;
        result.refused.push(path);
      }
    }
    return result;
  }

  async getData(path: string): Promise<{ data: Buffer; stat: ZkStat } | undefined> {
    return this.run('get', path, (c) =>
      new Promise((resolve, reject) =>
        c.getData(path, undefined, (error, data, stat) => {
          if (zkCodeOf(error) === zkResultCode.noNode) resolve(undefined);
          else if (error) reject(error);
          else resolve({ data: data ?? Buffer.alloc(0), stat: toZkStat(stat) });
        }),
      ),
    );
  }

  async setData(path: string, data: Uint8Array, version = -1): Promise<ZkStat> {
    const stat = await this.run('set', path, (c) => request<zookeeper.Stat>((done) => c.setData(path, toBuffer(data), version, done)));
    return toZkStat(stat);
  }

  async delete(path: string, options?: { recursive?: boolean; version?: number }): Promise<void> {
    const version = options?.version ?? -1;
    if (options?.recursive) {
      await this.deleteTree(path, version);
      return;
    }
    await this.run('delete', path, (c) => request<void>((done) => c.remove(path, version, (error) => done(error, undefined))));
  }

  async exists(path: string): Promise<ZkStat | undefined> {
    const stat = await this.run('exists', path, (c) => request<zookeeper.Stat | null>((done) => c.exists(path, undefined, done)));
    return stat ? toZkStat(stat) : undefined;
  }

  /** The children's names, sorted. */
  async getChildren(path: string): Promise<string[]> {
    const children = await this.run('ls', path, (c) =>
      request<string[]>((done) => c.getChildren(path, undefined, (error, names) => done(error, names))),
    );
    return [...children].sort();
  }

  /**
   * Calls onChange with the current children (asynchronously, never from within this call) and
   * after every change, across lost connections and new sessions; a missing znode reads as []
   * until it appears. Returns the unsubscribe function.
   */
  watchChildren(path: string, onChange: (children: string[]) => void): () => void {
    return this.addWatch(new ZkWatch(this, path, { kind: 'children', onChange }));
  }

  /** Like watchChildren for one znode's data; undefined while the znode does not exist. */
  watchData(path: string, onChange: (data: Buffer | undefined) => void): () => void {
    return this.addWatch(new ZkWatch(this, path, { kind: 'data', onChange }));
  }

  /** Ends the session: ZooKeeper deletes its ephemerals before this resolves. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.liveness.stop();
    for (const watch of this.watches) watch.stop();
    this.watches.clear();
    this.ephemerals.clear();
    for (const waiter of this.waiters) waiter(undefined);
    this.waiters.clear();
    const client = this.client;
    const wasConnected = this.isConnected;
    this.isConnected = false;
    // The close request is answered, then the server drops the connection: 'disconnected' tells
    // that the session (and every ephemeral of it) is gone.
    const gone = wasConnected ? this.waitForClientEvent(client, 'disconnected', 3_000) : Promise.resolve();
    client.close();
    await gone;
  }

  /** Whether the session is connected now (a request would be sent at once rather than wait). */
  hasConnection(): boolean {
    return this.isConnected && !this.isClosed;
  }

  /** For ZkWatch: the connected client, waiting as long as it takes; undefined once closed. */
  connectedClient(): Promise<zookeeper.Client | undefined> {
    if (this.isClosed) return Promise.resolve(undefined);
    if (this.isConnected) return Promise.resolve(this.client);
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  private openClient(): zookeeper.Client {
    const client = zookeeper.createClient(this.connectString, {
      sessionTimeout: this.sessionTimeoutMs,
      spinDelay: reconnectSpinMs,
      retries: 0,
    });
    // Kept by the library and sent again on every connection of this client.
    for (const digest of this.digests) client.addAuthInfo('digest', Buffer.from(digest.auth));
    client.on('state', (state: zookeeper.State) => {
      if (client === this.client && !this.isClosed) this.onState(state);
    });
    client.connect();
    return client;
  }

  private onState(state: zookeeper.State): void {
    if (state === zookeeper.State.SYNC_CONNECTED) this.onConnected();
    else if (state === zookeeper.State.DISCONNECTED) {
      this.isConnected = false;
      this.log.debug('%s disconnected from session 0x%s', this.hosts, this.sessionId());
      this.emit('disconnected');
    } else if (state === zookeeper.State.EXPIRED) this.onExpired();
    else this.log.warn('%s: session state %s is not handled', this.hosts, state.getName());
  }

  private onConnected(): void {
    this.isConnected = true;
    this.log.debug('%s connected, session 0x%s', this.hosts, this.sessionId());
    this.emit('connected');
    for (const waiter of this.waiters) waiter(this.client);
    this.waiters.clear();
    if (this.isNewSessionPending) {
      this.isNewSessionPending = false;
      void this.restore();
    }
  }

  private onExpired(): void {
    this.isConnected = false;
    this.log.warn('%s: session 0x%s expired; opening a new one', this.hosts, this.sessionId());
    this.emit('expired');
    this.isNewSessionPending = true;
    this.client = this.openClient();
  }

  /** Puts back what the expired session owned: watches first (they are asynchronous), then ephemerals. */
  private async restore(): Promise<void> {
    for (const watch of this.watches) watch.arm();
    await this.ephemerals.restoreAll((path, err) =>
      this.log.error('%s: could not put back ephemeral %s in session 0x%s: %s', this.hosts, path, this.sessionId(), String(err)),
    );
    if (this.isClosed) return;
    this.log.info('%s: new session 0x%s, %d ephemeral(s) and %d watch(es) restored', this.hosts, this.sessionId(), this.ephemerals.size, this.watches.size);
    this.emit('new-session');
  }

  private async deleteTree(path: string, version: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let children: string[];
      try {
        children = await this.getChildren(path);
      } catch (err) {
        if (isDchatError(err, 'DCHAT_ZK_NO_NODE')) return;
        throw err;
      }
      for (const child of children) await this.deleteTree(childPath(path, child), -1);
      try {
        await this.delete(path, { version });
        return;
      } catch (err) {
        // A child created meanwhile: go round again, a few times.
        if (!isDchatError(err, 'DCHAT_ZK_NOT_EMPTY') || attempt >= 3) throw err;
      }
    }
  }

  private addWatch(watch: ZkWatch): () => void {
    const bad = badPathError(watch.path);
    if (bad) throw bad;
    this.watches.add(watch);
    watch.arm();
    return () => {
      watch.stop();
      this.watches.delete(watch);
    };
  }

  /** Sends a request on the live connection, again after a lost one, until operationTimeoutMs. */
  /** Runs `attempt` (the first has number 0) until it answers, fails for good or the deadline passes. */
  private async run<T>(op: string, path: string, attempt: (client: zookeeper.Client, attemptNumber: number) => Promise<T>): Promise<T> {
    const bad = badPathError(path);
    if (bad) throw bad;
    const deadline = Date.now() + this.operationTimeoutMs;
    for (let attemptNumber = 0; ; attemptNumber++) {
      const client = await this.connectedClientWithin(deadline - Date.now());
      if (client === undefined) throw this.noConnectionError(op, path);
      try {
        return await within(attempt(client, attemptNumber), Math.max(0, deadline - Date.now()), () => this.noAnswerError(op, path));
      } catch (err) {
        if (!isRetryable(err) || Date.now() >= deadline) throw zkErrorFrom(err, op, path);
      }
      // Let the library announce the lost connection or the expiry before asking again.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private noAnswerError(op: string, path: string): ZkError {
    // The client library has no read timeout: without this, a request sent on a connection that
    // went silent would wait forever.
    return new ZkError('DCHAT_ZK_UNREACHABLE', `${op} ${path}: ZooKeeper at ${this.hosts} gave no answer within ${this.operationTimeoutMs} ms; check that the ensemble is up and has a quorum`);
  }

  private noConnectionError(op: string, path: string): ZkError {
    if (this.isClosed) {
      return new ZkError('DCHAT_ZK_FAILED', `${op} ${path}: this ZooKeeper session to ${this.hosts} is closed; open a new one with ZkSession.connect`);
    }
    return new ZkError('DCHAT_ZK_UNREACHABLE', `${op} ${path}: no connection to ZooKeeper at ${this.hosts} for ${this.operationTimeoutMs} ms; check that the ensemble is up and has a quorum (\`echo srvr | nc HOST PORT\`)`);
  }

  private connectedClientWithin(timeoutMs: number): Promise<zookeeper.Client | undefined> {
    if (this.isClosed) return Promise.resolve(undefined);
    if (this.isConnected) return Promise.resolve(this.client);
    return new Promise((resolve) => {
      const waiter: Waiter = (client) => {
        clearTimeout(timer);
        resolve(client);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(undefined);
      }, Math.max(0, timeoutMs));
      this.waiters.add(waiter);
    });
  }

  private waitForClientEvent(client: zookeeper.Client, event: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        client.off(event, done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      client.on(event, done);
    });
  }

  private emit(event: ZkSessionEvent): void {
    this.events.emit('state', event);
  }
}

function permLetters(permission: number): string {
  const P = zookeeper.Permission;
  return [
    [P.READ, 'r'],
    [P.WRITE, 'w'],
    [P.CREATE, 'c'],
    [P.DELETE, 'd'],
    [P.ADMIN, 'a'],
  ]
    .filter(([bit]) => (permission & (bit as number)) !== 0)
    .map(([, letter]) => letter)
    .join('');
}
