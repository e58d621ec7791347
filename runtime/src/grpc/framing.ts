/**
 * gRPC length-prefixed messages: 1 byte compressed flag, 4 bytes big-endian length,
 * then the message. We never ask for compression, so a compressed message is an error.
 */

export function frameMessage(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  const n = message.length;
  out[1] = (n >>> 24) & 0xff;
  out[2] = (n >>> 16) & 0xff;
  out[3] = (n >>> 8) & 0xff;
  out[4] = n & 0xff;
  out.set(message, 5);
  return out;
}

/** Collects DATA chunks and cuts whole messages out of them, bounded by `maxMessageBytes`. */
export class MessageReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  constructor(private readonly maxMessageBytes: number) {}

  /** Bytes received that do not yet form a whole message. */
  get pending(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk.slice());
    this.buffered += chunk.length;
  }

  /** The next whole message, null when more bytes are needed, or an error (`tooLarge`: above the limit). */
  next(): Uint8Array | null | { error: string; tooLarge?: boolean } {
    if (this.buffered < 5) return null;
    const head = this.peek(5);
    if (head[0] !== 0) return { error: head[0] === 1 ? 'compressed message, but we asked for no compression' : `bad message flag ${head[0]}` };
    const len = (((head[1] as number) << 24) | ((head[2] as number) << 16) | ((head[3] as number) << 8) | (head[4] as number)) >>> 0;
    if (len > this.maxMessageBytes) return { error: `message of ${len} bytes exceeds the limit of ${this.maxMessageBytes}`, tooLarge: true };
    if (this.buffered < 5 + len) return null;
    return this.take(5 + len).subarray(5);
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    if (first.length >= n) return first.subarray(0, n);
    this.merge();
    return (this.chunks[0] as Uint8Array).subarray(0, n);
  }

  private take(n: number): Uint8Array {
    if ((this.chunks[0] as Uint8Array).length < n) this.merge();
    const first = this.chunks[0] as Uint8Array;
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }

  private merge(): void {
    const all = new Uint8Array(this.buffered);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.chunks = [all];
  }
}
