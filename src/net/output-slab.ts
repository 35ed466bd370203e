// The process-wide block that TcpConnection.send() copies output into, like node's own Buffer
// pool: every connection takes the next free bytes, so an idle connection holds no output
// memory, and a block is freed by the garbage collector once every write from it has reached
// the kernel. One connection's sends of one turn usually land side by side and go out as one
// write.
import { Buffer as NodeBuffer } from 'node:buffer';

export const OUTPUT_SLAB_BYTES = 256 * 1024;
/** Sends above this get their own copy instead of a slab's room. */
export const LARGE_SEND_BYTES = OUTPUT_SLAB_BYTES / 4;

class OutputSlab {
  bytes: NodeBuffer = NodeBuffer.allocUnsafeSlow(OUTPUT_SLAB_BYTES);
  used = 0;

  /** The block with room for `n` more bytes at `used`; starts a new block when this one is full. */
  reserve(n: number): NodeBuffer {
    if (this.bytes.length - this.used < n) {
      this.bytes = NodeBuffer.allocUnsafeSlow(OUTPUT_SLAB_BYTES);
      this.used = 0;
    }
    return this.bytes;
  }
}

export const outputSlab = new OutputSlab();
