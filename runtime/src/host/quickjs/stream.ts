/**
 * The byte stream core of the quickjs-ng host, shared by plain sockets (sockets.ts)
 * and TLS (tls.ts): a queue of unsent bytes with back-pressure (`pending`, `onDrain`),
 * reads driven by quickjs-libc's poll loop with pause/resume, a graceful or aborting
 * close, and one way to end with or without an error.
 *
 * What differs is the transport: plain send/recv on the descriptor, or mbedTLS on it.
 * A transport answers each read or write with bytes, or with the readiness to wait
 * for before calling again (WANT_READ, WANT_WRITE), and throws on a fatal error.
 */
import * as os from 'qjs:os';
import * as native from 'x0tta6bl4:native';
import type { HostError, SocketAddress, StreamSocket } from '../types.js';
import { toHostError } from './errors.js';

export const WANT_READ = -1;
export const WANT_WRITE = -2;

export interface StreamTransport {
  /** Bytes taken from `data` (> 0), WANT_READ or WANT_WRITE; throws on a fatal error. */
  write(data: Uint8Array): number;
  /** Bytes read into `buffer` (> 0), 0 at the end of the stream, WANT_READ or WANT_WRITE; throws on a fatal error. */
  read(buffer: Uint8Array): number;
  /** Bytes the transport has read already, which no poll readiness announces. */
  buffered(): number;
  /** Called before the descriptor closes (TLS: close_notify); may throw, ignored. */
  shutdown(): void;
  /** Reads in one readiness turn before yielding to the loop (fairness). */
  readonly readsPerTurn: number;
}

/** send/recv on a non-blocking descriptor: one read per readiness, nothing buffered. */
export function plainTransport(fd: number): StreamTransport {
  return {
    write: (data) => native.send(fd, data) ?? WANT_WRITE,
    read: (buffer) => native.recv(fd, buffer) ?? WANT_READ,
    buffered: () => 0,
    shutdown: () => {},
    readsPerTurn: 1,
  };
}

/** One read buffer for every stream: each read is copied out before the next. */
const readBuffer = new Uint8Array(64 * 1024);
/** What tryWrite returns after a fatal error (the stream is then closed). */
const FAILED = -3;

export class Stream implements StreamSocket {
  readonly remote: SocketAddress | null;
  readonly local: SocketAddress | null;
  protected fd: number;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private blocked = false; // a write left bytes queued since the last drain
  private flushAfterRead = false; // the transport wants to read before it can write
  private closing = false;
  protected closed = false;
  private paused = false;
  private dataCb: (chunk: Uint8Array) => void = () => {};
  protected closeCb: (error: HostError | null) => void = () => {};
  private drainCb: () => void = () => {};

  /** Reads start with start(): at once for a plain socket, after the handshake for TLS. */
  constructor(
    fd: number,
    names: { remote: SocketAddress | null; local: SocketAddress | null },
    private readonly transport: StreamTransport,
  ) {
    this.fd = fd;
    this.remote = names.remote;
    this.local = names.local;
  }

  get pending(): number {
    return this.queued;
  }
  onData(cb: (chunk: Uint8Array) => void): void {
    this.dataCb = cb;
  }
  onClose(cb: (error: HostError | null) => void): void {
    this.closeCb = cb;
  }
  onDrain(cb: () => void): void {
    this.drainCb = cb;
  }

  write(data: Uint8Array): number {
    if (this.closed || this.closing) return this.queued;
    if (this.queued === 0) {
      const r = this.tryWrite(data);
      if (r === FAILED) return 0;
      if (r === data.length) return 0;
      if (r > 0) data = data.subarray(r);
      this.waitToWrite(r);
    }
    // Copy: the caller may reuse its buffer after write() returns.
    this.queue.push(data.slice());
    this.queued += data.length;
    this.blocked = true;
    return this.queued;
  }

  pause(): void {
    if (this.closed || this.paused) return;
    this.paused = true;
    os.setReadHandler(this.fd, null);
  }

  resume(): void {
    if (this.closed || !this.paused) return;
    this.paused = false;
    this.start();
  }

  close(abort = false): void {
    if (this.closed) return;
    if (!abort && this.queued > 0) {
      this.closing = true;
      return;
    }
    this.finish(null);
  }

  /** Read on readiness, and now what the transport holds already (no readiness tells). */
  protected start(): void {
    os.setReadHandler(this.fd, () => this.readable());
    if (this.transport.buffered() > 0) os.setTimeout(() => this.readable(), 0);
  }

  /** Bytes written, a want, or FAILED after a fatal error (the stream is then closed). */
  private tryWrite(data: Uint8Array): number {
    try {
      return this.transport.write(data);
    } catch (e) {
      this.finish(toHostError(e));
      return FAILED;
    }
  }

  /** After a write that did not take everything (r: bytes taken or a want): wait for what the transport asked for. */
  private waitToWrite(r: number): void {
    if (r === WANT_READ) this.flushAfterRead = true; // readable() flushes after its reads
    else os.setWriteHandler(this.fd, () => this.flush());
  }

  private flush(): void {
    this.flushAfterRead = false;
    while (this.queue.length > 0) {
      const head = this.queue[0] as Uint8Array;
      const r = this.tryWrite(head);
      if (r === FAILED) return;
      if (r <= 0) {
        // Nothing taken: wait (a stream socket that takes 0 bytes is full).
        this.waitToWrite(r === 0 ? WANT_WRITE : r);
        return;
      }
      this.queued -= r;
      if (r < head.length) this.queue[0] = head.subarray(r);
      else this.queue.shift();
    }
    os.setWriteHandler(this.fd, null);
    if (this.closing) this.finish(null);
    else if (this.blocked) {
      this.blocked = false;
      this.drainCb();
    }
  }

  private readable(): void {
    const turns = this.transport.readsPerTurn;
    for (let i = 0; i < turns && !this.closed && !this.paused; i++) {
      let n: number;
      try {
        n = this.transport.read(readBuffer);
      } catch (e) {
        this.finish(toHostError(e));
        return;
      }
      if (n === 0) {
        this.finish(null);
        return;
      }
      if (n === WANT_WRITE) {
        os.setWriteHandler(this.fd, () => this.readable());
        break;
      }
      if (n === WANT_READ) break;
      this.dataCb(readBuffer.slice(0, n));
      if (i === turns - 1 && !this.closed && this.transport.buffered() > 0) os.setTimeout(() => this.readable(), 0);
    }
    if (!this.closed && this.flushAfterRead) this.flush();
  }

  /** Close the descriptor and report the end once: `error` null for a clean end. */
  protected finish(error: HostError | null): void {
    if (this.closed) return;
    this.closed = true;
    os.setReadHandler(this.fd, null);
    os.setWriteHandler(this.fd, null);
    try {
      this.transport.shutdown();
    } catch {
      // The connection is going away either way.
    }
    try {
      native.close(this.fd);
    } catch {
      // The descriptor is gone either way.
    }
    this.fd = -1;
    this.queue = [];
    this.queued = 0;
    this.ended(error);
  }

  /** How the end is reported; TLS reports a failed handshake differently. */
  protected ended(error: HostError | null): void {
    this.closeCb(error);
  }
}
