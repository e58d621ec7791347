/**
 * Mutual TLS for the quickjs-ng host: runtime/native/x0_tls.c (mbedTLS) on our
 * non-blocking descriptors, driven by quickjs-libc's poll loop. mbedTLS reads and
 * writes the descriptor itself; each call answers "done", bytes, or "want read/write",
 * and we wait for that readiness before calling again.
 */
import * as os from 'qjs:os';
import * as native from 'x0tta6bl4:native';
import type { SocketAddress, StreamServer, TlsOptions, TlsSocket } from '../types.js';
import { HostError } from '../types.js';
import { connectFd, listenFds, safeName, toHostError } from './sockets.js';

const WANT_READ = -1;
const WANT_WRITE = -2;
const DEFAULT_HANDSHAKE_MS = 10_000;
/** Reads in one readiness turn before yielding to the loop (fairness). */
const MAX_READS_PER_TURN = 64;
const readBuffer = new Uint8Array(64 * 1024);

function configFor(server: boolean, o: TlsOptions): native.TlsConfig {
  try {
    return native.tlsConfig(server, o.chain, o.privateKey, o.trust, o.alpn);
  } catch (e) {
    throw toHostError(e);
  }
}

class TlsStream implements TlsSocket {
  readonly remote: SocketAddress | null;
  readonly local: SocketAddress | null;
  peerChain: readonly Uint8Array[] = [];
  alpn: string | null = null;
  version = '';
  private fd: number;
  private readonly session: native.TlsSession;
  private established = false;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private blocked = false; // write() returned > 0 since the last drain
  private closing = false;
  private closed = false;
  private paused = false;
  private timer: unknown;
  private dataCb: (chunk: Uint8Array) => void = () => {};
  private closeCb: (error: HostError | null) => void = () => {};
  private drainCb: () => void = () => {};

  constructor(
    fd: number,
    config: native.TlsConfig,
    remote: SocketAddress | null,
    timeoutMs: number,
    private readonly ready: (s: TlsStream) => void,
    private readonly failed: (e: HostError) => void,
  ) {
    this.fd = fd;
    this.remote = remote ?? safeName(() => native.getpeername(fd));
    this.local = safeName(() => native.getsockname(fd));
    try {
      this.session = native.tlsSession(config, fd);
    } catch (e) {
      native.close(fd);
      throw toHostError(e);
    }
    this.timer = os.setTimeout(() => this.finish(new HostError(`tls handshake: no answer within ${timeoutMs} ms`, 'ETIMEDOUT', 110)), timeoutMs);
    this.handshake();
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
    // Copy: the caller may reuse its buffer; mbedTLS wants the same bytes again after a want.
    this.queue.push(data.slice());
    this.queued += data.length;
    this.flush();
    if (this.queued > 0) this.blocked = true;
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
    os.setReadHandler(this.fd, () => this.readable());
    // Records already decrypted inside mbedTLS make no poll readiness: read them now.
    if (native.tlsPending(this.session) > 0) os.setTimeout(() => this.readable(), 0);
  }

  close(abort = false): void {
    if (this.closed) return;
    if (!abort && this.queued > 0) {
      this.closing = true;
      return;
    }
    this.finish(null);
  }

  /** Wait for the readiness mbedTLS asked for, then call `next`. */
  private waitFor(want: number, next: () => void): void {
    os.setReadHandler(this.fd, want === WANT_READ ? next : null);
    os.setWriteHandler(this.fd, want === WANT_WRITE ? next : null);
  }

  private handshake(): void {
    let r: number;
    try {
      r = native.tlsHandshake(this.session);
    } catch (e) {
      this.finish(toHostError(e));
      return;
    }
    if (r !== 0) {
      this.waitFor(r, () => this.handshake());
      return;
    }
    os.clearTimeout(this.timer);
    this.established = true;
    const info = native.tlsInfo(this.session);
    this.version = info.version;
    this.alpn = info.alpn;
    this.peerChain = native.tlsPeerChain(this.session);
    os.setWriteHandler(this.fd, null);
    os.setReadHandler(this.fd, () => this.readable());
    this.ready(this);
    // The peer may have sent data right behind its last handshake message.
    if (!this.closed && native.tlsPending(this.session) > 0) os.setTimeout(() => this.readable(), 0);
  }

  private flush(): void {
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0] as Uint8Array;
      let r: number;
      try {
        r = native.tlsWrite(this.session, head);
      } catch (e) {
        this.finish(toHostError(e));
        return;
      }
      if (r === WANT_WRITE) {
        os.setWriteHandler(this.fd, () => this.flush());
        return;
      }
      if (r === WANT_READ) return; // readable() flushes again after its reads
      this.queued -= r;
      if (r < head.length) this.queue[0] = head.subarray(r);
      else this.queue.shift();
    }
    if (this.closed) return;
    os.setWriteHandler(this.fd, null);
    if (this.closing) this.finish(null);
    else if (this.blocked) {
      this.blocked = false;
      this.drainCb();
    }
  }

  private readable(): void {
    for (let i = 0; i < MAX_READS_PER_TURN && !this.closed && !this.paused; i++) {
      let n: number;
      try {
        n = native.tlsRead(this.session, readBuffer);
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
      if (i === MAX_READS_PER_TURN - 1 && !this.closed && native.tlsPending(this.session) > 0) os.setTimeout(() => this.readable(), 0);
    }
    if (!this.closed && this.queued > 0) this.flush();
  }

  private finish(error: HostError | null): void {
    if (this.closed) return;
    this.closed = true;
    os.clearTimeout(this.timer);
    os.setReadHandler(this.fd, null);
    os.setWriteHandler(this.fd, null);
    try {
      native.tlsClose(this.session); // close_notify when the handshake was done
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
    if (this.established) this.closeCb(error);
    else this.failed(error ?? new HostError('tls handshake: the peer closed the connection', 'ECONNRESET', 104));
  }
}

export async function tlsConnect(address: SocketAddress, options: TlsOptions): Promise<TlsSocket> {
  const config = configFor(false, options);
  const fd = await connectFd(address);
  return new Promise((resolve, reject) => {
    try {
      new TlsStream(fd, config, address, options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_MS, resolve, reject);
    } catch (e) {
      reject(toHostError(e));
    }
  });
}

export function tlsListen(
  address: SocketAddress,
  options: TlsOptions,
  onConnection: (s: TlsSocket) => void,
  onError: (e: HostError, remote: SocketAddress | null) => void = () => {},
): Promise<StreamServer> {
  let config: native.TlsConfig;
  try {
    config = configFor(true, options);
  } catch (e) {
    return Promise.reject(e);
  }
  return listenFds(address, (fd, remote) => {
    try {
      new TlsStream(fd, config, remote, options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_MS, onConnection, (e) => onError(e, remote));
    } catch (e) {
      onError(toHostError(e), remote);
    }
  });
}
