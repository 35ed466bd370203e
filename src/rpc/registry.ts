// Where providers announce themselves and callers find them. Two implementations share this
// interface: in-process-registry.ts (the standalone node's default) and zk-registry.ts
// (ZooKeeper: /<ServiceName>/<host:port>, ephemeral). static-registry.ts serves fixed lists.

/** One provider of one service, as a caller sees it. */
export interface ProviderEntry {
  /** "host:port" of the provider's RPC port. */
  readonly address: string;
  /** What the provider said about itself when it registered (pid, start time, ...). */
  readonly data: ProviderData;
}

export interface ProviderData {
  host: string;
  port: number;
  pid?: number;
  startedAtMs?: number;
  /** Every service the provider hosts, so that a caller can share one connection among them. */
  services?: string[];
}

export interface Registration {
  /** Takes the entry out of the registry; calls already routed to it still complete. */
  unregister(): Promise<void>;
}

export interface RpcRegistry {
  /** Says what this registry is, for error messages: "ZooKeeper at 127.0.0.1:2181", "in-process". */
  readonly description: string;
  register(serviceName: string, address: string, data: ProviderData): Promise<Registration>;
  /**
   * Keeps `onChange` told of the live providers of `serviceName`: once soon after the call (never
   * synchronously inside it), then after every change. Returns the function that stops it.
   */
  watch(serviceName: string, onChange: (providers: readonly ProviderEntry[]) => void): () => void;
  close(): Promise<void>;
}
