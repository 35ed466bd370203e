// The callback types of src/net (muduo's Callbacks.h): how the application hears about a
// connection's life, its input, and its output queue.
import type { Buffer } from './buffer.js';
import type { TcpConnection } from './tcp-connection.js';

/** Called when a connection is established AND when it closes; `conn.isConnected()` tells which. */
export type ConnectionCallback = (conn: TcpConnection) => void;

/**
 * Called when bytes arrived. `buffer` holds everything not yet retrieved, partial frames of
 * earlier calls included: retrieve what you consume and leave the rest for the next call.
 */
export type MessageCallback = (conn: TcpConnection, buffer: Buffer, receiveTimeMs: number) => void;

/** Called when the output queue has been fully handed to the kernel. */
export type WriteCompleteCallback = (conn: TcpConnection) => void;

/**
 * Called once each time the output queue (`conn.queuedBytes()`) rises to the high-water mark:
 * the peer reads slower than the application sends. It is re-armed when the queue falls
 * back below the mark.
 */
export type HighWaterMarkCallback = (conn: TcpConnection, queuedBytes: number) => void;

/** Called by TcpConnection after its connection callback ran for the close: owners forget it. */
export type CloseCallback = (conn: TcpConnection) => void;
