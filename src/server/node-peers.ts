// ChatServiceRpc stubs for the other nodes of a cluster, one channel per node's RPC address.
// These calls go to one particular node (where a user is logged in), so each channel has a
// fixed one-address registry instead of a load-balanced list.
import type { ClusterSecret } from '../base/cluster-secret.js';
import { dchat } from '../gen/proto.js';
import { RpcChannel } from '../rpc/rpc-channel.js';
import { StaticRegistry } from '../rpc/static-registry.js';

/** Node-to-node calls are short: a push that does not finish in this time falls back to the offline path. */
const peerCallDeadlineMs = 3000;

/** A retired channel outlives the deadline of its last calls by this much. */
const retireGraceMs = 500;

export class NodePeers {
  private readonly peers = new Map<string, { channel: RpcChannel; stub: dchat.ChatServiceRpc }>();
  /** Channels replaced by fresh ones, kept until the calls on them are over. */
  private readonly retired = new Set<RpcChannel>();

  constructor(private readonly credentials: ClusterSecret | undefined) {}

  stubFor(rpcAddress: string): dchat.ChatServiceRpc {
    let peer = this.peers.get(rpcAddress);
    if (!peer) {
      const channel = new RpcChannel({
        registry: new StaticRegistry([rpcAddress]),
        credentials: this.credentials,
        defaultDeadlineMs: peerCallDeadlineMs,
        connectTimeoutMs: 1000,
      });
      peer = { channel, stub: channel.stub(dchat.ChatServiceRpc) };
      this.peers.set(rpcAddress, peer);
    }
    return peer.stub;
  }

  /** Drops the channel to a node that failed a call, and its calls; the next call opens a fresh one. */
  forget(rpcAddress: string): void {
    const peer = this.peers.get(rpcAddress);
    if (!peer) return;
    this.peers.delete(rpcAddress);
    void peer.channel.close();
  }

  /**
   * Starts a fresh channel to a node for the calls to come, and lets the calls already on the old
   * one finish: the node may be the same live process, listed again after its ZooKeeper session
   * expired, whose answers to pushes in flight are on their way. The old channel is closed once
   * their deadline has passed.
   */
  retire(rpcAddress: string): void {
    const peer = this.peers.get(rpcAddress);
    if (!peer) return;
    this.peers.delete(rpcAddress);
    this.retired.add(peer.channel);
    const timer = setTimeout(() => {
      this.retired.delete(peer.channel);
      void peer.channel.close();
    }, peerCallDeadlineMs + retireGraceMs);
    timer.unref();
  }

  async close(): Promise<void> {
    const all = [...[...this.peers.values()].map((p) => p.channel), ...this.retired];
    this.peers.clear();
    this.retired.clear();
    await Promise.all(all.map((channel) => channel.close()));
  }
}
