/**
 * The transport an HTTP/2 connection runs on: any duplex byte stream. A host
 * `StreamSocket`/`TlsSocket` is one as it is; `bytePipe()` makes an in-process pair
 * for tests.
 */
export interface ByteStream {
  write(data: Uint8Array): unknown;
  onData(cb: (chunk: Uint8Array) => void): void;
  /** Called once, when the stream is gone (null: closed in order). */
  onClose(cb: (error: Error | null) => void): void;
  /** Close after what is written has been sent; `abort` drops it. */
  close(abort?: boolean): void;
}

/**
 * Two connected in-process ends: what one writes the other receives, asynchronously (a
 * microtask later, in order), so neither side re-enters the other's handler.
 */
export function bytePipe(): [ByteStream, ByteStream] {
  type End = { data: (c: Uint8Array) => void; close: (e: Error | null) => void; closed: boolean };
  const ends: [End, End] = [
    { data: () => {}, close: () => {}, closed: false },
    { data: () => {}, close: () => {}, closed: false },
  ];
  const make = (me: End, peer: End): ByteStream => ({
    write(data) {
      if (me.closed) return 0;
      const copy = data.slice();
      queueMicrotask(() => {
        if (!peer.closed) peer.data(copy);
      });
      return 0;
    },
    onData(cb) {
      me.data = cb;
    },
    onClose(cb) {
      me.close = cb;
    },
    close() {
      queueMicrotask(() => {
        for (const e of [me, peer]) {
          if (e.closed) continue;
          e.closed = true;
          e.close(null);
        }
      });
    },
  });
  return [make(ends[0], ends[1]), make(ends[1], ends[0])];
}
