/**
 * The peer channel's server: mutual TLS with our workload SVID, every client's chain
 * judged by verifyPeerChain (SPIFFE validation against our bundle, then the
 * `peer_allow` matchers), then HTTP/1.1 by the project's own server (bounded heads
 * and bodies, request and idle timeouts, a connection cap) with the verdict attached
 * to the connection. A refused peer's requests are answered 403 with the rule that
 * refused it (its own certificate's problem, or "not authorized"), and logged here
 * with who it was and from where (at most 20 lines a minute, the rest counted).
 */
import type { Host, SocketAddress, StreamServer, TlsSocket } from '../host/types.js';
import { HttpServer, type HttpRequest, type HttpResponse } from '../http/server.js';
import type { IdMatcher } from '../identity/policy.js';
import { type PeerIdentity, peerTlsOptions } from './identity.js';
import { describeRefusal, type PeerVerdict, verifyPeerChain } from './verify.js';

export interface PeerLog {
  info(m: string): void;
  warning(m: string): void;
}

/** The API behind the channel; each route gets the verified peer. */
export interface PeerRoutes {
  /** GET /peer/v1/link: our view of the links to the peer's MACs (null: no mesh view yet). */
  link(macs: string | undefined, peerId: string): { status: number; body: unknown };
}

export interface PeerServerOptions {
  host: Host;
  log: PeerLog;
  identity: PeerIdentity;
  allow: readonly IdMatcher[];
  routes: PeerRoutes;
  /** Connections being served at once (default 16) and TLS handshakes in progress (default 8). */
  maxConnections?: number;
  maxHandshakes?: number;
}

export interface PeerServerStats {
  handshakeFailures: number;
  refused: number;
  accepted: number;
}

const LOG_PER_MINUTE = 20;

function json(status: number, body: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: `${JSON.stringify(body)}\n` };
}

function where(a: SocketAddress | null): string {
  if (a === null) return '?';
  return a.family === 'unix' ? a.path : a.family === 'inet6' ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

export class PeerServer {
  readonly stats: PeerServerStats = { handshakeFailures: 0, refused: 0, accepted: 0 };
  private listener: StreamServer | null = null;
  /** Where the first bind landed (a port 0 resolved): re-binds go there, also after a failed one. */
  private bound: SocketAddress | null = null;
  private readonly http: HttpServer;
  private identity: PeerIdentity;
  private logBudget = LOG_PER_MINUTE;
  private logWindowMono = 0;
  private suppressed = 0;

  private constructor(private readonly o: PeerServerOptions) {
    this.identity = o.identity;
    this.http = HttpServer.detached((req) => this.handle(req), {
      host: o.host,
      maxConnections: o.maxConnections ?? 16,
      limits: { maxRequestLine: 1024, maxHeaderBytes: 4096, maxHeaders: 32, maxBody: 4096 },
      requestTimeoutMs: 5000,
      idleTimeoutMs: 15_000,
      maxRequestsPerConnection: 100,
      maxPendingBytes: 256 * 1024,
      onError: (e) => o.log.warning(`peer: handler failed: ${(e as Error).message ?? e}`),
    });
  }

  static async listen(address: SocketAddress, o: PeerServerOptions): Promise<PeerServer> {
    const s = new PeerServer(o);
    await s.bind(address);
    return s;
  }

  get address(): SocketAddress {
    return this.listener?.address ?? (this.bound as SocketAddress);
  }

  /** A renewed SVID or bundle: new connections use it (the listener is re-bound to the same address). */
  async update(identity: PeerIdentity): Promise<void> {
    const address = this.bound as SocketAddress;
    this.identity = identity;
    this.listener?.close();
    this.listener = null;
    await this.bind(address);
  }

  close(): void {
    this.listener?.close();
    this.listener = null;
    this.http.close();
  }

  private async bind(address: SocketAddress): Promise<void> {
    const tlsListen = this.o.host.net.tlsListen;
    if (!tlsListen) throw new Error(`peer: this engine (${this.o.host.engine}) has no TLS server`);
    this.listener = await tlsListen.call(
      this.o.host.net,
      address,
      peerTlsOptions(this.identity, { maxHandshakes: this.o.maxHandshakes ?? 8 }),
      (sock) => void this.admit(sock),
      (e, remote) => {
        this.stats.handshakeFailures++;
        this.note(`peer: TLS with ${where(remote)} failed: ${e.message}`);
      },
    );
    this.bound ??= this.listener.address;
  }

  /** Judge the client's chain before any of its bytes is read, then serve HTTP on it. */
  private async admit(sock: TlsSocket): Promise<void> {
    sock.pause();
    let verdict: PeerVerdict;
    try {
      verdict = await verifyPeerChain(sock.peerChain, {
        bundles: this.identity.bundles,
        crypto: this.o.host.crypto as NonNullable<Host['crypto']>,
        nowMs: this.o.host.clock.wallMs(),
        allow: this.o.allow,
      });
    } catch (e) {
      // A bug in a validator must not leave the connection hanging, nor admit anyone.
      this.stats.refused++;
      this.note(`peer: ${where(sock.remote)}: validation failed: ${(e as Error).message ?? e}`);
      sock.close(true);
      return;
    }
    if (verdict.ok) this.stats.accepted++;
    else {
      this.stats.refused++;
      this.note(`peer: ${where(sock.remote)}: ${describeRefusal(verdict)}`);
    }
    this.http.adopt(sock, verdict);
    sock.resume();
  }

  private handle(req: HttpRequest): HttpResponse {
    const v = req.context as PeerVerdict;
    if (!v.ok) {
      // The peer learns which rule refused it (its own certificate, or that its ID is
      // not allowed), not our rule list.
      const message = v.code === 'not-authorized' ? `${v.claimed} is not authorized to use this peer API` : v.message;
      return json(403, { error: 'refused', code: v.code, message, node: this.identity.spiffeId });
    }
    const peer = v.id.id;
    if (req.method !== 'GET') return json(405, { error: 'method not allowed' });
    if (req.path === '/peer/v1/link') {
      const r = this.o.routes.link(req.query.get('mac'), peer);
      return json(r.status, r.body);
    }
    if (req.path === '/peer/v1/whoami') return json(200, { node: this.identity.spiffeId, peer });
    return json(404, { error: 'not found', paths: ['/peer/v1/link', '/peer/v1/whoami'] });
  }

  /** Log refusals and failures, at most LOG_PER_MINUTE lines a minute (a scanner must not flood syslog). */
  private note(line: string): void {
    const now = this.o.host.clock.monotonicMs();
    if (now - this.logWindowMono >= 60_000) {
      if (this.suppressed > 0) this.o.log.warning(`peer: ${this.suppressed} more refusal(s)/failure(s) in the last minute not logged`);
      this.logWindowMono = now;
      this.logBudget = LOG_PER_MINUTE;
      this.suppressed = 0;
    }
    if (this.logBudget > 0) {
      this.logBudget--;
      this.o.log.warning(line);
    } else {
      this.suppressed++;
    }
  }
}
