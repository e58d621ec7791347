/**
 * Mutual TLS for the quickjs-ng host: runtime/native/x0_tls.c (mbedTLS) on our
 * non-blocking descriptors, driven by quickjs-libc's poll loop. mbedTLS reads and
 * writes the descriptor itself; each call answers "done", bytes, or "want read/write",
 * and we wait for that readiness before calling again. The queue, back-pressure,
 * reads and close are the stream core's (stream.ts), shared with plain sockets.
 */
import * as os from 'qjs:os';
import * as native from 'x0tta6bl4:native';
import type { SocketAddress, StreamServer, TlsOptions, TlsSocket } from '../types.js';
import { HostError } from '../types.js';
import { toHostError } from './errors.js';
import { connectFd, listenFds, streamNames } from './sockets.js';
import { Stream, type StreamTransport, WANT_READ, WANT_WRITE } from './stream.js';

const DEFAULT_HANDSHAKE_MS = 10_000;
const DEFAULT_MAX_HANDSHAKES = 32;
/** Reads in one readiness turn before yielding to the loop (fairness). */
const MAX_READS_PER_TURN = 64;

function configFor(server: boolean, o: TlsOptions): native.TlsConfig {
  try {
    return native.tlsConfig(server, o.chain, o.privateKey, o.trust, o.alpn ?? [], o.callerVerifies === true);
  } catch (e) {
    throw toHostError(e);
  }
}

/** mbedTLS on the descriptor: it answers with bytes or the readiness it wants. */
function tlsTransport(session: native.TlsSession): StreamTransport {
  return {
    write: (data) => native.tlsWrite(session, data),
    read: (buffer) => native.tlsRead(session, buffer),
    buffered: () => native.tlsPending(session),
    shutdown: () => native.tlsClose(session), // close_notify when the handshake was done
    readsPerTurn: MAX_READS_PER_TURN,
  };
}

/** The stream core (stream.ts) behind a handshake: reads start once it is done. */
class TlsStream extends Stream implements TlsSocket {
  peerChain: readonly Uint8Array[] = [];
  alpn: string | null = null;
  version = '';
  private readonly session: native.TlsSession;
  private established = false;
  private readonly timer: unknown;
  private readonly ready: (s: TlsStream) => void;
  private readonly failed: (e: HostError) => void;

  constructor(
    fd: number,
    config: native.TlsConfig,
    remote: SocketAddress | null,
    timeoutMs: number,
    ready: (s: TlsStream) => void,
    failed: (e: HostError) => void,
  ) {
    const names = streamNames(fd, remote);
    let session: native.TlsSession;
    try {
      session = native.tlsSession(config, fd);
    } catch (e) {
      native.close(fd);
      throw toHostError(e);
    }
    super(fd, names, tlsTransport(session));
    this.session = session;
    this.ready = ready;
    this.failed = failed;
    this.timer = os.setTimeout(() => this.finish(new HostError(`tls handshake: no answer within ${timeoutMs} ms`, 'ETIMEDOUT', 110)), timeoutMs);
    this.handshake();
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
      // Wait for the readiness mbedTLS asked for, then go on.
      os.setReadHandler(this.fd, r === WANT_READ ? () => this.handshake() : null);
      os.setWriteHandler(this.fd, r === WANT_WRITE ? () => this.handshake() : null);
      return;
    }
    os.clearTimeout(this.timer);
    this.established = true;
    const info = native.tlsInfo(this.session);
    this.version = info.version;
    this.alpn = info.alpn;
    this.peerChain = native.tlsPeerChain(this.session);
    os.setWriteHandler(this.fd, null);
    // Also reads now what the peer sent right behind its last handshake message.
    this.start();
    this.ready(this);
  }

  protected override finish(error: HostError | null): void {
    if (!this.closed) os.clearTimeout(this.timer);
    super.finish(error);
  }

  protected override ended(error: HostError | null): void {
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
  // Handshakes cost CPU (an ECDHE and a signature each): at most this many at once.
  const maxHandshakes = options.maxHandshakes ?? DEFAULT_MAX_HANDSHAKES;
  let handshaking = 0;
  return listenFds(address, (fd, remote) => {
    if (handshaking >= maxHandshakes) {
      native.close(fd);
      onError(new HostError(`tls: ${handshaking} handshakes in progress, connection closed`, 'EBUSY', 16), remote);
      return;
    }
    handshaking++;
    let counted = true;
    const settle = (): void => {
      if (counted) handshaking--;
      counted = false;
    };
    try {
      new TlsStream(
        fd,
        config,
        remote,
        options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_MS,
        (s) => {
          settle();
          onConnection(s);
        },
        (e) => {
          settle();
          onError(e, remote);
        },
      );
    } catch (e) {
      settle();
      onError(toHostError(e), remote);
    }
  });
}
