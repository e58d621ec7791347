/**
 * gRPC calls over one HTTP/2 stream each: unary, server streaming, bidirectional.
 * A call's outcome is a `GrpcStatus`; reads reject with a `GrpcError` when it is not OK.
 */
import type { Header } from '../hpack/index.js';
import { getHost } from '../host/index.js';
import type { TimerHandle } from '../host/types.js';
import type { Http2Error, Http2Stream } from '../http2/index.js';
import { decodeMessage, encodeMessage } from '../protobuf/index.js';
import type { GrpcChannel, Method } from './channel.js';
import { frameMessage, MessageReader } from './framing.js';
import { encodeTimeout, headerValue, statusFromTrailers } from './metadata.js';
import { GrpcError, type GrpcStatus, makeStatus, Status, statusFromHttp } from './status.js';

export interface CallOptions {
  /** Time the whole call may take, from now (sent as grpc-timeout, enforced here too). */
  timeoutMs?: number;
  /** Extra request metadata (lowercase names; "-bin" values are not encoded for you). */
  metadata?: readonly Header[];
}

/** Unread response bytes above which we stop giving the server flow-control window. */
const READ_AHEAD_BYTES = 1024 * 1024;

function statusFromStreamError(e: Http2Error): GrpcStatus {
  switch (e.code) {
    case 'CANCEL': return makeStatus(Status.CANCELLED, e.message);
    case 'REFUSED_STREAM': return makeStatus(Status.UNAVAILABLE, e.message);
    case 'ENHANCE_YOUR_CALM': return makeStatus(Status.RESOURCE_EXHAUSTED, e.message);
    case 'INADEQUATE_SECURITY': return makeStatus(Status.PERMISSION_DENIED, e.message);
    default: return makeStatus(e.scope === 'connection' ? Status.UNAVAILABLE : Status.INTERNAL, `${e.code}: ${e.message}`);
  }
}

/**
 * One call in progress. `send`/`end` write requests (bidi streams), `read()` yields
 * responses then null after an OK status, `status` settles when the call is over.
 */
export class ClientCall<Req, Res> {
  /** Response headers (rejects when the call ends without them). */
  readonly headers: Promise<Header[]>;
  /** The final status; never rejects. */
  readonly status: Promise<GrpcStatus>;
  private resolveHeaders!: (h: Header[]) => void;
  private rejectHeaders!: (e: Error) => void;
  private resolveStatus!: (s: GrpcStatus) => void;
  private final: GrpcStatus | null = null;
  private readonly queue: Res[] = [];
  private queuedBytes = 0;
  private readonly waiters: { resolve: (v: Res | null) => void; reject: (e: Error) => void }[] = [];
  private readonly reader: MessageReader;
  private stream: Http2Stream | null = null;
  private timer: TimerHandle | undefined;
  private gotHeaders = false;

  constructor(channel: GrpcChannel, private readonly method: Method<Req, Res>, options: CallOptions = {}) {
    this.reader = new MessageReader(channel.maxMessageBytes);
    this.headers = new Promise((resolve, reject) => {
      this.resolveHeaders = resolve;
      this.rejectHeaders = reject;
    });
    this.headers.catch(() => {});
    this.status = new Promise((resolve) => {
      this.resolveStatus = resolve;
    });
    const timeout = options.timeoutMs === undefined ? null : encodeTimeout(options.timeoutMs);
    const r = channel.connection.request(channel.requestHeaders(method.path, timeout, options.metadata ?? []));
    if (!r.ok) {
      this.finish(statusFromStreamError(r.error));
      return;
    }
    const s = r.value;
    this.stream = s;
    s.onHeaders((h, end) => this.onHeaders(h, end));
    s.onData((chunk) => this.onData(chunk));
    s.onEnd(() => {
      if (this.final === null) this.finish(makeStatus(Status.INTERNAL, 'server ended the stream without trailers'));
    });
    s.onClose((e) => {
      if (this.final === null) this.finish(e ? statusFromStreamError(e) : makeStatus(Status.INTERNAL, 'stream closed without trailers'));
    });
    if (options.timeoutMs !== undefined) {
      this.timer = getHost().timers.setTimeout(() => this.abort(Status.DEADLINE_EXCEEDED, `deadline of ${options.timeoutMs} ms exceeded`), options.timeoutMs);
    }
  }

  /** Send one request message (ignored once the call ended or `end()` was called). */
  send(message: Req): void {
    if (this.final !== null || !this.stream) return;
    this.stream.write(frameMessage(encodeMessage(this.method.request, message)));
  }

  /** No more requests (half-close). */
  end(): void {
    if (this.final !== null || !this.stream) return;
    this.stream.end();
  }

  /** Abandon the call: RST_STREAM CANCEL; the status becomes CANCELLED. */
  cancel(message = 'cancelled by the client'): void {
    this.abort(Status.CANCELLED, message);
  }

  /** The next response, null after an OK end; rejects with GrpcError when the call failed. */
  read(): Promise<Res | null> {
    if (this.queue.length > 0) {
      const m = this.queue.shift() as Res;
      this.afterRead();
      return Promise.resolve(m);
    }
    if (this.final !== null) {
      return this.final.code === Status.OK ? Promise.resolve(null) : Promise.reject(new GrpcError(this.final, this.method.path));
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Res, void, void> {
    for (;;) {
      const m = await this.read();
      if (m === null) return;
      yield m;
    }
  }

  private afterRead(): void {
    // queuedBytes is approximate (wire size of queued messages); it only gates flow control.
    if (this.queue.length === 0) this.queuedBytes = 0;
    if (this.stream && this.queuedBytes < READ_AHEAD_BYTES) this.stream.resume();
  }

  private onHeaders(h: Header[], end: boolean): void {
    if (!this.gotHeaders) {
      this.gotHeaders = true;
      const httpStatus = Number(headerValue(h, ':status'));
      const grpcStatus = headerValue(h, 'grpc-status');
      if (httpStatus !== 200 && grpcStatus === undefined) {
        this.abort(statusFromHttp(httpStatus), `HTTP status ${headerValue(h, ':status') ?? 'missing'}`);
        return;
      }
      const type = headerValue(h, 'content-type') ?? '';
      if (!type.startsWith('application/grpc') && grpcStatus === undefined) {
        this.abort(Status.UNKNOWN, `content-type "${type}" is not gRPC`);
        return;
      }
      this.resolveHeaders(h);
      if (end) this.finish(statusFromTrailers(h)); // Trailers-Only
      return;
    }
    if (this.reader.pending > 0) {
      this.finish(makeStatus(Status.INTERNAL, 'trailers after a partial message'));
      return;
    }
    this.finish(statusFromTrailers(h));
  }

  private onData(chunk: Uint8Array): void {
    if (this.final !== null) return;
    this.reader.push(chunk);
    for (;;) {
      const m = this.reader.next();
      if (m === null) break;
      if (!(m instanceof Uint8Array)) {
        this.abort(m.tooLarge ? Status.RESOURCE_EXHAUSTED : Status.INTERNAL, m.error);
        return;
      }
      const d = decodeMessage(this.method.response, m);
      if (!d.ok) {
        this.abort(Status.INTERNAL, `response does not decode: ${d.error.message}`);
        return;
      }
      const w = this.waiters.shift();
      if (w) w.resolve(d.value);
      else {
        this.queue.push(d.value);
        this.queuedBytes += m.length + 5;
      }
    }
    if (this.queuedBytes >= READ_AHEAD_BYTES) this.stream?.pause();
  }

  /** End the call locally: reset the stream and settle with `code`. */
  private abort(code: number, message: string): void {
    if (this.final !== null) return;
    this.finish(makeStatus(code, message));
  }

  private finish(status: GrpcStatus): void {
    if (this.final !== null) return;
    this.final = status;
    getHost().timers.clear(this.timer);
    if (!this.gotHeaders) this.rejectHeaders(new GrpcError(status, this.method.path));
    this.resolveStatus(status);
    for (const w of this.waiters.splice(0)) {
      if (status.code === Status.OK) w.resolve(null);
      else w.reject(new GrpcError(status, this.method.path));
    }
    // Our side may still be open: after an OK end it ends in order, otherwise the stream is reset.
    if (this.stream && !this.stream.closed) {
      if (status.code === Status.OK) this.stream.end();
      else this.stream.reset('CANCEL');
    }
  }
}

/** A unary call: one request, one response. Rejects with GrpcError. */
export async function unaryCall<Req, Res>(channel: GrpcChannel, method: Method<Req, Res>, request: Req, options?: CallOptions): Promise<Res> {
  const call = new ClientCall(channel, method, options);
  call.send(request);
  call.end();
  const response = await call.read();
  const status = await call.status;
  if (status.code !== Status.OK) throw new GrpcError(status, method.path);
  if (response === null) throw new GrpcError(makeStatus(Status.INTERNAL, 'OK status without a response message'), method.path);
  if (await call.read() !== null) throw new GrpcError(makeStatus(Status.INTERNAL, 'more than one response to a unary call'), method.path);
  return response;
}

/** A server-streaming call: one request sent, responses read with `read()` or `for await`. */
export function serverStreamingCall<Req, Res>(channel: GrpcChannel, method: Method<Req, Res>, request: Req, options?: CallOptions): ClientCall<Req, Res> {
  const call = new ClientCall(channel, method, options);
  call.send(request);
  call.end();
  return call;
}

/** A bidirectional-streaming call: `send()` and `read()` in any order, `end()` when done sending. */
export function bidiStreamingCall<Req, Res>(channel: GrpcChannel, method: Method<Req, Res>, options?: CallOptions): ClientCall<Req, Res> {
  return new ClientCall(channel, method, options);
}
