// Types for the part of node-zookeeper-client (1.1.x, plain JavaScript, no types of its own) that
// dchat uses. Callback errors are `Error | Exception`: they are typed `unknown` and narrowed in
// zk-error.ts. Longs (session id, ephemeral owner, zxids, times) arrive as 8-byte big-endian Buffers.
declare module 'node-zookeeper-client' {
  import type { EventEmitter } from 'node:events';

  namespace zookeeper {
    interface Stat {
      czxid: Buffer;
      mzxid: Buffer;
      ctime: Buffer;
      mtime: Buffer;
      version: number;
      cversion: number;
      aversion: number;
      ephemeralOwner: Buffer;
      dataLength: number;
      numChildren: number;
      pzxid: Buffer;
    }

    interface Event {
      type: number;
      name: string;
      path: string;
      getType(): number;
      getName(): string;
      getPath(): string;
    }

    interface State {
      name: string;
      code: number;
      getName(): string;
      getCode(): number;
    }

    interface ClientOptions {
      sessionTimeout?: number;
      spinDelay?: number;
      retries?: number;
      sessionId?: Buffer;
      sessionPassword?: Buffer;
    }

    class Id {
      constructor(scheme: string, id: string);
      scheme: string;
      id: string;
    }

    class ACL {
      constructor(permission: number, id: Id);
      permission: number;
      id: Id;
    }

    type Watcher = (event: Event) => void;
    type Callback<T> = (error: unknown, result: T) => void;

    interface Client extends EventEmitter {
      /** Internal to the library; dchat only reaches in to drop a connection that went silent. */
      connectionManager?: { socket?: { destroy(): void } };
      connect(): void;
      close(): void;
      getState(): State;
      getSessionId(): Buffer;
      getSessionPassword(): Buffer;
      getSessionTimeout(): number;
      addAuthInfo(scheme: string, auth: Buffer): void;
      create(path: string, data: Buffer | null, acls: ACL[], mode: number, callback: Callback<string>): void;
      getACL(path: string, callback: (error: unknown, acls: ACL[], stat: Stat) => void): void;
      setACL(path: string, acls: ACL[], version: number, callback: Callback<Stat>): void;
      remove(path: string, version: number, callback: (error: unknown) => void): void;
      setData(path: string, data: Buffer | null, version: number, callback: Callback<Stat>): void;
      getData(path: string, watcher: Watcher | undefined, callback: (error: unknown, data: Buffer | undefined, stat: Stat) => void): void;
      exists(path: string, watcher: Watcher | undefined, callback: Callback<Stat | null>): void;
      getChildren(path: string, watcher: Watcher | undefined, callback: (error: unknown, children: string[], stat: Stat) => void): void;
      /** A multi-op: its operations are applied all together or not at all. */
      transaction(): Transaction;
    }

    interface Transaction {
      create(path: string, data: Buffer | null, acls: ACL[], mode: number): Transaction;
      remove(path: string, version: number): Transaction;
      /** On failure, the error is that of the first operation that failed. */
      commit(callback: (error: unknown, results: unknown[]) => void): void;
    }

    const Permission: { READ: number; WRITE: number; CREATE: number; DELETE: number; ADMIN: number; ALL: number };
    const CreateMode: { PERSISTENT: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL: number; EPHEMERAL_SEQUENTIAL: number };
    const State: { DISCONNECTED: State; SYNC_CONNECTED: State; AUTH_FAILED: State; CONNECTED_READ_ONLY: State; EXPIRED: State };
    const Event: { NODE_CREATED: number; NODE_DELETED: number; NODE_DATA_CHANGED: number; NODE_CHILDREN_CHANGED: number };
    const Exception: {
      OK: number; CONNECTION_LOSS: number; NO_NODE: number; NO_AUTH: number; BAD_VERSION: number;
      NO_CHILDREN_FOR_EPHEMERALS: number; NODE_EXISTS: number; NOT_EMPTY: number; SESSION_EXPIRED: number;
      OPERATION_TIMEOUT: number; BAD_ARGUMENTS: number; AUTH_FAILED: number;
    };
    function createClient(connectionString: string, options?: ClientOptions): Client;
  }

  export = zookeeper;
}

// The library's connection to one server: its socket handlers live on the prototype, bound to
// each new socket as it is opened (zk-read-guard.ts wraps the data handler).
declare module 'node-zookeeper-client/lib/ConnectionManager.js' {
  import type { Socket } from 'node:net';

  interface ConnectionManager {
    socket: Socket | undefined;
    pendingBuffer: Buffer | null | undefined;
  }

  const ConnectionManager: {
    prototype: ConnectionManager & { onSocketData(this: ConnectionManager, buffer: Buffer): void };
  };
  export = ConnectionManager;
}
