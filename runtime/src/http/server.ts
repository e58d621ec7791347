/**
 * A small HTTP/1.1 server on the host's stream sockets: bounded heads and bodies
 * (parser.ts), keep-alive with an idle timeout, a deadline for each request's head and
 * body (slow clients), a cap on connections (excess get 503 and are closed), requests
 * on one connection answered in order (pipelining), and a cap on unsent response bytes
 * (a client that does not read is dropped).
 */
import { getHost, type Host, type SocketAddress, type StreamServer, type StreamSocket, type TimerHandle } from '../host/index.js';
import { utf8Encode } from '../netlink/bytes.js';
import { DEFAULT_HTTP_LIMITS, type HttpLimits, parseRequestHead, type RequestHead, STATUS_TEXT } from './parser.js';

export interface HttpRequest extends RequestHead {
  body: Uint8Array;
  remote: SocketAddress | null;
  /** What the owner attached to the connection (`adopt`), e.g. the verified peer of a TLS connection. */
  context?: unknown;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export type HttpHandler = (req: HttpRequest) => Promise<HttpResponse> | HttpResponse;

export interface HttpServerOptions {
  limits?: Partial<HttpLimits>;
  maxConnections?: number;
  /** Time for a request's head and body to arrive, from its first byte (or from accept). */
  requestTimeoutMs?: number;
  /** Keep-alive: time a connection may wait for its next request. */
  idleTimeoutMs?: number;
  maxRequestsPerConnection?: number;
  /** Unsent response bytes per connection before the client is dropped. */
  maxPendingBytes?: number;
  /** Value of the Server header. */
  serverName?: string;
  host?: Host;
  /** Called when a handler throws (the client gets a 500). */
  onError?: (e: unknown) => void;
}

export interface HttpServerStats {
  accepted: number;
  active: number;
  rejectedBusy: number;
  requests: number;
  badRequests: number;
  timeouts: number;
}

export class HttpServer {
  readonly stats: HttpServerStats = { accepted: 0, active: 0, rejectedBusy: 0, requests: 0, badRequests: 0, timeouts: 0 };
  private readonly conns = new Set<Connection>();
  private server: StreamServer | null = null;
  readonly limits: HttpLimits;
  readonly host: Host;

  private constructor(
    readonly handler: HttpHandler,
    readonly opts: HttpServerOptions,
  ) {
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...opts.limits };
    this.host = opts.host ?? getHost();
  }

  static async listen(address: SocketAddress, handler: HttpHandler, opts: HttpServerOptions = {}): Promise<HttpServer> {
    const s = new HttpServer(handler, opts);
    s.server = await s.host.net.listen(address, (sock) => s.accept(sock));
    return s;
  }

  /** A server without a listener of its own: its owner hands it connections (`adopt`), e.g. TLS ones. */
  static detached(handler: HttpHandler, opts: HttpServerOptions = {}): HttpServer {
    return new HttpServer(handler, opts);
  }

  get address(): SocketAddress {
    return (this.server as StreamServer).address;
  }

  /** Serve HTTP on a connection accepted elsewhere; every request on it carries `context`. */
  adopt(sock: StreamSocket, context?: unknown): void {
    this.accept(sock, context);
  }

  close(): void {
    this.server?.close();
    this.server = null;
    for (const c of this.conns) c.close(true);
  }

  private accept(sock: StreamSocket, context?: unknown): void {
    this.stats.accepted++;
    if (this.conns.size >= (this.opts.maxConnections ?? 64)) {
      this.stats.rejectedBusy++;
      sock.onData(() => {});
      sock.onClose(() => {});
      sock.write(encodeResponse({ status: 503, headers: { 'retry-after': '1' }, body: 'too many connections\n' }, false, false, this.opts.serverName));
      sock.close();
      return;
    }
    const c = new Connection(this, sock, context, () => {
      this.conns.delete(c);
      this.stats.active = this.conns.size;
    });
    this.conns.add(c);
    this.stats.active = this.conns.size;
  }
}

export function encodeResponse(res: HttpResponse, keepAlive: boolean, head: boolean, serverName = 'x0tta6bl4'): Uint8Array {
  const body = typeof res.body === 'string' ? utf8Encode(res.body) : (res.body ?? new Uint8Array(0));
  const lines = [`HTTP/1.1 ${res.status} ${STATUS_TEXT[res.status] ?? 'Status'}`, `server: ${serverName}`];
  const h = res.headers ?? {};
  for (const [k, v] of Object.entries(h)) lines.push(`${k}: ${v}`);
  if (!('content-type' in h) && body.length > 0) lines.push('content-type: text/plain; charset=utf-8');
  lines.push(`content-length: ${body.length}`, `connection: ${keepAlive ? 'keep-alive' : 'close'}`, '', '');
  const headBytes = utf8Encode(lines.join('\r\n'));
  if (head || body.length === 0) return headBytes;
  const out = new Uint8Array(headBytes.length + body.length);
  out.set(headBytes);
  out.set(body, headBytes.length);
  return out;
}

class Connection {
  private buf = new Uint8Array(0);
  private scanned = 0;
  private timer: TimerHandle | undefined;
  private busy = false;
  private closed = false;
  private served = 0;
  /** A request's bytes have started (its deadline runs). */
  private inRequest = false;

  constructor(
    private readonly server: HttpServer,
    private readonly sock: StreamSocket,
    private readonly context: unknown,
    private readonly onGone: () => void,
  ) {
    sock.onData((chunk) => this.receive(chunk));
    sock.onClose(() => this.gone());
    this.arm(server.opts.requestTimeoutMs ?? 10_000, true);
  }

  close(abort = false): void {
    if (this.closed) return;
    this.sock.close(abort);
    this.gone();
  }

  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.host.timers.clear(this.timer);
    this.onGone();
  }

  private arm(ms: number, request: boolean): void {
    const timers = this.server.host.timers;
    timers.clear(this.timer);
    this.timer = timers.setTimeout(() => {
      if (this.closed || this.busy) return;
      this.server.stats.timeouts++;
      // A request that started but did not finish in time gets a 408; an idle one just closes.
      if (request && this.buf.length > 0) this.reply({ status: 408, body: 'request timeout\n' }, false, false);
      this.close();
    }, ms);
  }

  private receive(chunk: Uint8Array): void {
    if (this.closed) return;
    const l = this.server.limits;
    const cap = l.maxRequestLine + l.maxHeaderBytes + l.maxBody + 8;
    if (this.buf.length + chunk.length > 2 * cap) {
      // Pipelined garbage beyond any request we would accept: stop reading.
      this.close(true);
      return;
    }
    const next = new Uint8Array(this.buf.length + chunk.length);
    next.set(this.buf);
    next.set(chunk, this.buf.length);
    this.buf = next;
    if (!this.inRequest) {
      this.inRequest = true;
      this.arm(this.server.opts.requestTimeoutMs ?? 10_000, true);
    }
    this.pump();
  }

  /** Handle the next complete request in the buffer, if any and if none is in progress. */
  private pump(): void {
    if (this.busy || this.closed || this.buf.length === 0) return;
    const l = this.server.limits;
    // Only parse when a head end may have arrived, or the buffer outgrew every limit.
    let found = false;
    for (let i = Math.max(0, this.scanned - 3); i + 3 < this.buf.length; i++) {
      if (this.buf[i] === 13 && this.buf[i + 1] === 10 && this.buf[i + 2] === 13 && this.buf[i + 3] === 10) {
        found = true;
        break;
      }
    }
    const over = this.buf.length > l.maxRequestLine + l.maxHeaderBytes + 4;
    const noLine = this.buf.length > l.maxRequestLine && this.buf.subarray(0, l.maxRequestLine + 2).indexOf(10) < 0;
    if (!found && !over && !noLine) {
      this.scanned = this.buf.length;
      return;
    }
    const r = parseRequestHead(this.buf, l);
    if (r.state === 'incomplete') {
      this.scanned = this.buf.length;
      return;
    }
    if (r.state === 'error') {
      this.server.stats.badRequests++;
      this.reply({ status: r.status, body: `${r.message}\n` }, false, false);
      this.close();
      return;
    }
    const total = r.headLength + r.head.contentLength;
    if (this.buf.length < total) return; // body still arriving, under the request deadline
    const body = this.buf.slice(r.headLength, total);
    this.buf = this.buf.slice(total);
    this.scanned = 0;
    this.served++;
    this.server.stats.requests++;
    const keepAlive = r.head.keepAlive && this.served < (this.server.opts.maxRequestsPerConnection ?? 1000);
    const req: HttpRequest = { ...r.head, body, remote: this.sock.remote, ...(this.context !== undefined && { context: this.context }) };
    this.busy = true;
    this.server.host.timers.clear(this.timer);
    // Read nothing more until this request is answered (the kernel holds what follows).
    // Resuming afterwards also puts the connection at the back of quickjs-libc's
    // handler list, which calls only the first ready handler, in registration order,
    // each turn: without that, connections that always have a request waiting
    // starved the later ones for seconds (docs/performance.md, HTTP under load).
    this.sock.pause();
    void this.run(req, keepAlive);
  }

  private async run(req: HttpRequest, keepAlive: boolean): Promise<void> {
    let res: HttpResponse;
    try {
      res = await this.server.handler(req);
    } catch (e) {
      this.server.opts.onError?.(e);
      res = { status: 500, body: 'internal error\n' };
    }
    this.busy = false;
    if (this.closed) return;
    this.reply(res, keepAlive, req.method === 'HEAD');
    if (!keepAlive) {
      this.close();
      return;
    }
    this.sock.resume();
    this.inRequest = this.buf.length > 0;
    this.arm(this.inRequest ? (this.server.opts.requestTimeoutMs ?? 10_000) : (this.server.opts.idleTimeoutMs ?? 30_000), this.inRequest);
    this.pump();
  }

  private reply(res: HttpResponse, keepAlive: boolean, head: boolean): void {
    const queued = this.sock.write(encodeResponse(res, keepAlive, head, this.server.opts.serverName));
    if (queued > (this.server.opts.maxPendingBytes ?? 1 << 20)) this.close(true);
  }
}
