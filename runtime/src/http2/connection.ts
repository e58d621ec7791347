/**
 * An HTTP/2 client connection (RFC 9113) over any duplex byte stream.
 *
 *   const conn = Http2Connection.connect(byteStream);
 *   const s = conn.request([[':method', 'POST'], [':scheme', 'https'], [':path', '/x'], [':authority', 'h']]);
 *   if (s.ok) { s.value.onHeaders(...); s.value.onData(...); s.value.end(body); }
 *
 * Everything is bounded by the options: frame size, header list size, concurrent
 * streams, and both flow-control windows. Violations by the peer end the stream
 * (RST_STREAM) or the connection (GOAWAY) with the RFC's error code, and callers see an
 * `Http2Error` saying which rule broke.
 */
import { type Header, HpackDecoder, HpackEncoder } from '../hpack/index.js';
import { getHost } from '../host/index.js';
import type { TimerHandle } from '../host/types.js';
import type { ByteStream } from './byte-stream.js';
import {
  DEFAULT_WINDOW, ERROR_CODES, type ErrorCodeName, errorCodeName, FRAME_HEADER_LENGTH, MAX_WINDOW, MIN_MAX_FRAME_SIZE, PREFACE,
  SETTINGS_ENABLE_PUSH, SETTINGS_HEADER_TABLE_SIZE, SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_CONCURRENT_STREAMS, SETTINGS_MAX_FRAME_SIZE,
  SETTINGS_MAX_HEADER_LIST_SIZE,
} from './constants.js';
import {
  decodeFrame, encodeData, encodeGoaway, encodeHeaders, encodePing, encodeRstStream, encodeSettings, encodeSettingsAck, encodeWindowUpdate, type Frame,
  frameLength, frameStreamId,
} from './frame.js';
import { connectionError, type H2Result, type Http2Error, Http2Failure, ok, streamError } from './result.js';
import { Http2Stream, type StreamOwner } from './stream.js';

export interface Http2ConnectionOptions {
  /** Most streams we keep open at once (the peer's limit applies too). Default 100. */
  maxConcurrentStreams?: number;
  /** Our receive window per stream (SETTINGS_INITIAL_WINDOW_SIZE). Default 65 535. */
  initialWindowSize?: number;
  /** Our receive window for the whole connection. Default 1 MiB. */
  connectionWindowSize?: number;
  /** Largest frame payload we accept (SETTINGS_MAX_FRAME_SIZE). Default 16 384. */
  maxFrameSize?: number;
  /** Largest decoded header list we accept (SETTINGS_MAX_HEADER_LIST_SIZE). Default 64 KiB. */
  maxHeaderListSize?: number;
  /** Our HPACK decoder's table size (SETTINGS_HEADER_TABLE_SIZE). Default 4096. */
  headerTableSize?: number;
  /** How long the peer may take to acknowledge our SETTINGS. Default 10 000 ms. */
  settingsTimeoutMs?: number;
}

/** What the peer told us in its SETTINGS (RFC defaults until then). */
export interface PeerSettings {
  headerTableSize: number;
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  maxHeaderListSize: number;
}

interface PendingHeaders {
  streamId: number;
  endStream: boolean;
  parts: Uint8Array[];
  size: number;
}

const MAX_PENDING_PINGS = 16;

export class Http2Connection implements StreamOwner {
  readonly peer: PeerSettings = {
    headerTableSize: 4096, maxConcurrentStreams: Infinity, initialWindowSize: DEFAULT_WINDOW, maxFrameSize: MIN_MAX_FRAME_SIZE, maxHeaderListSize: Infinity,
  };
  /** Resolves when the peer's first SETTINGS arrived; rejects (Http2Failure) if the connection ends first. */
  readonly ready: Promise<void>;
  private readyResolve!: () => void;
  private readyReject!: (e: Error) => void;
  private readonly opts: Required<Http2ConnectionOptions>;
  private readonly streams = new Map<number, Http2Stream>();
  private readonly encoder = new HpackEncoder();
  private readonly decoder: HpackDecoder;
  private nextStreamId = 1;
  private connSendWindow = DEFAULT_WINDOW;
  private connReceiveWindow = DEFAULT_WINDOW;
  private connUnacknowledged = 0;
  private inbuf: Uint8Array = new Uint8Array(0);
  private gotSettings = false;
  private pendingHeaders: PendingHeaders | null = null;
  private goawayReceived = false;
  private isClosed = false;
  private settingsTimer: TimerHandle | undefined;
  private pings: { data: Uint8Array; resolve: () => void; reject: (e: Error) => void }[] = [];
  private pingCounter = 0;
  private closeCbs: ((error: Http2Error | null) => void)[] = [];
  private closeError: Http2Error | null | undefined;

  private constructor(private readonly transport: ByteStream, options: Http2ConnectionOptions) {
    this.opts = {
      maxConcurrentStreams: options.maxConcurrentStreams ?? 100,
      initialWindowSize: options.initialWindowSize ?? DEFAULT_WINDOW,
      connectionWindowSize: options.connectionWindowSize ?? 1024 * 1024,
      maxFrameSize: options.maxFrameSize ?? MIN_MAX_FRAME_SIZE,
      maxHeaderListSize: options.maxHeaderListSize ?? 65536,
      headerTableSize: options.headerTableSize ?? 4096,
      settingsTimeoutMs: options.settingsTimeoutMs ?? 10_000,
    };
    this.decoder = new HpackDecoder({ maxTableSize: Math.max(4096, this.opts.headerTableSize), maxHeaderListSize: this.opts.maxHeaderListSize });
    this.ready = new Promise<void>((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.ready.catch(() => {}); // a caller that never awaits it must not see an unhandled rejection
  }

  /** Start a client connection on `transport`: sends the preface and our SETTINGS. */
  static connect(transport: ByteStream, options: Http2ConnectionOptions = {}): Http2Connection {
    const c = new Http2Connection(transport, options);
    c.start();
    return c;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get activeStreams(): number {
    return this.streams.size;
  }

  /** Once, when the connection is gone: null after close() or the peer's clean GOAWAY. */
  onClose(cb: (error: Http2Error | null) => void): void {
    if (this.closeError !== undefined) cb(this.closeError);
    else this.closeCbs.push(cb);
  }

  /**
   * Open a stream with a request header block. Fails (without sending) when the
   * connection is closed or going away, or the stream limit is reached.
   */
  request(headers: readonly Header[], endStream = false): H2Result<Http2Stream> {
    if (this.isClosed) return connectionError('CONNECT_ERROR', 'connection is closed');
    if (this.goawayReceived) return streamError('REFUSED_STREAM', 'connection is going away (GOAWAY received)');
    const limit = Math.min(this.opts.maxConcurrentStreams, this.peer.maxConcurrentStreams);
    if (this.streams.size >= limit) return streamError('REFUSED_STREAM', `${this.streams.size} streams open, the limit is ${limit}`);
    if (this.nextStreamId > MAX_WINDOW) return streamError('REFUSED_STREAM', 'stream ids exhausted: open a new connection');
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new Http2Stream(id, this, this.peer.initialWindowSize, this.opts.initialWindowSize);
    this.streams.set(id, stream);
    const block = this.encoder.encode(headers);
    for (const f of encodeHeaders(id, block, endStream, this.peer.maxFrameSize)) this.send(f);
    if (endStream) {
      stream.endQueued = true;
      stream.state = 'half-closed-local';
    }
    return ok(stream);
  }

  /** Round trip a PING; rejects when the connection ends first. */
  ping(): Promise<void> {
    if (this.isClosed) return Promise.reject(new Http2Failure({ scope: 'connection', code: 'CONNECT_ERROR', message: 'connection is closed' }));
    if (this.pings.length >= MAX_PENDING_PINGS) return Promise.reject(new Error(`more than ${MAX_PENDING_PINGS} pings outstanding`));
    const data = new Uint8Array(8);
    new DataView(data.buffer).setUint32(4, ++this.pingCounter);
    return new Promise((resolve, reject) => {
      this.pings.push({ data, resolve, reject });
      this.send(encodePing(data, false));
    });
  }

  /** Say goodbye (GOAWAY NO_ERROR), end every stream and close the transport. */
  close(): void {
    this.shutdown({ scope: 'connection', code: 'NO_ERROR', message: 'closed by us' }, null);
  }

  // ---------------------------------------------------------------- StreamOwner

  flush(stream: Http2Stream): void {
    if (this.isClosed || stream.closed) return;
    while (stream.outgoing.length > 0) {
      const room = Math.min(stream.sendWindow, this.connSendWindow, this.peer.maxFrameSize);
      if (room <= 0) return;
      const head = stream.outgoing[0] as Uint8Array;
      const chunk = head.length <= room ? head : head.subarray(0, room);
      if (chunk === head) stream.outgoing.shift();
      else stream.outgoing[0] = head.subarray(room);
      stream.outgoingBytes -= chunk.length;
      stream.sendWindow -= chunk.length;
      this.connSendWindow -= chunk.length;
      const last = stream.outgoing.length === 0 && stream.endQueued;
      this.send(encodeData(stream.id, chunk, last));
      if (last) this.localEnd(stream);
    }
    if (stream.endQueued && (stream.state === 'open' || stream.state === 'half-closed-remote')) {
      this.send(encodeData(stream.id, new Uint8Array(0), true));
      this.localEnd(stream);
    }
  }

  reset(stream: Http2Stream, code: ErrorCodeName): void {
    if (stream.closed) return;
    this.send(encodeRstStream(stream.id, ERROR_CODES[code]));
    this.forget(stream, { scope: 'stream', code, message: 'reset by us' });
  }

  consumed(stream: Http2Stream, n: number): void {
    stream.unacknowledged += n;
    if (stream.paused || stream.closed || stream.state === 'half-closed-remote') return;
    if (stream.unacknowledged > 0 && stream.unacknowledged * 2 >= this.opts.initialWindowSize) {
      this.send(encodeWindowUpdate(stream.id, stream.unacknowledged));
      stream.receiveWindow += stream.unacknowledged;
      stream.unacknowledged = 0;
    }
  }

  // ---------------------------------------------------------------- internals

  private start(): void {
    this.transport.onData((chunk) => this.receive(chunk));
    this.transport.onClose((e) => {
      const message = e ? `transport failed: ${e.message}` : 'transport closed by the peer';
      const clean = this.goawayReceived && !e;
      const err: Http2Error = { scope: 'connection', code: clean ? 'NO_ERROR' : 'CONNECT_ERROR', message };
      this.shutdown(err, clean ? null : err, false);
    });
    const preface = Uint8Array.from(PREFACE, (c) => c.charCodeAt(0));
    const settings: [number, number][] = [
      [SETTINGS_ENABLE_PUSH, 0],
      [SETTINGS_MAX_CONCURRENT_STREAMS, this.opts.maxConcurrentStreams],
      [SETTINGS_INITIAL_WINDOW_SIZE, this.opts.initialWindowSize],
      [SETTINGS_MAX_FRAME_SIZE, this.opts.maxFrameSize],
      [SETTINGS_MAX_HEADER_LIST_SIZE, this.opts.maxHeaderListSize],
    ];
    if (this.opts.headerTableSize !== 4096) settings.push([SETTINGS_HEADER_TABLE_SIZE, this.opts.headerTableSize]);
    this.send(preface);
    this.send(encodeSettings(settings));
    const extra = this.opts.connectionWindowSize - DEFAULT_WINDOW;
    if (extra > 0) {
      this.send(encodeWindowUpdate(0, extra));
      this.connReceiveWindow += extra;
    }
    this.settingsTimer = getHost().timers.setTimeout(() => {
      this.fail(connectionError('SETTINGS_TIMEOUT', `SETTINGS not acknowledged within ${this.opts.settingsTimeoutMs} ms`).error);
    }, this.opts.settingsTimeoutMs);
  }

  private send(bytes: Uint8Array): void {
    if (!this.isClosed) this.transport.write(bytes);
  }

  private receive(chunk: Uint8Array): void {
    if (this.isClosed) return;
    let buf: Uint8Array;
    if (this.inbuf.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.inbuf.length + chunk.length);
      buf.set(this.inbuf);
      buf.set(chunk, this.inbuf.length);
    }
    let at = 0;
    while (!this.isClosed) {
      const r = decodeFrame(buf, at, this.opts.maxFrameSize);
      if (!r.ok) {
        if (r.error.scope === 'connection') {
          this.fail(r.error);
          return;
        }
        // A stream error in a frame we can skip: reset that stream, go on.
        this.streamFailed(frameStreamId(buf, at), r.error);
        at += frameLength(buf, at);
        continue;
      }
      if (r.value === null) break;
      at = r.value.next;
      if (!this.gotSettings && r.value.frame.type !== 'SETTINGS') {
        this.fail({ scope: 'connection', code: 'PROTOCOL_ERROR', message: `first frame from the server is ${r.value.frame.type}, not SETTINGS` });
        return;
      }
      const e = this.handle(r.value.frame);
      if (e) {
        if (e.scope === 'connection') {
          this.fail(e);
          return;
        }
        this.streamFailed('streamId' in r.value.frame ? r.value.frame.streamId : 0, e);
      }
    }
    // Keep the partial frame (a copy: `chunk` belongs to the transport).
    this.inbuf = at >= buf.length ? new Uint8Array(0) : buf.slice(at);
    if (this.inbuf.length > FRAME_HEADER_LENGTH + this.opts.maxFrameSize) {
      this.fail({ scope: 'connection', code: 'FRAME_SIZE_ERROR', message: 'partial frame larger than the frame size limit' });
    }
  }

  /** Handle one decoded frame; a returned error ends the stream or the connection. */
  private handle(f: Frame): Http2Error | null {
    if (this.pendingHeaders && f.type !== 'CONTINUATION') {
      return { scope: 'connection', code: 'PROTOCOL_ERROR', message: `${f.type} frame inside a header block (CONTINUATION expected)` };
    }
    switch (f.type) {
      case 'SETTINGS': return this.onSettings(f.ack, f.settings);
      case 'PING': return this.onPing(f.ack, f.data);
      case 'GOAWAY': return this.onGoaway(f.lastStreamId, f.errorCode, f.debug);
      case 'WINDOW_UPDATE': return this.onWindowUpdate(f.streamId, f.increment);
      case 'RST_STREAM': return this.onRstStream(f.streamId, f.errorCode);
      case 'HEADERS':
        if (!f.endHeaders) {
          this.pendingHeaders = { streamId: f.streamId, endStream: f.endStream, parts: [f.fragment.slice()], size: f.fragment.length };
          return null;
        }
        return this.onHeaderBlock(f.streamId, f.fragment, f.endStream);
      case 'CONTINUATION': return this.onContinuation(f.streamId, f.fragment, f.endHeaders);
      case 'DATA': return this.onData(f.streamId, f.data, f.flowLength, f.endStream);
      case 'PUSH_PROMISE': return { scope: 'connection', code: 'PROTOCOL_ERROR', message: 'PUSH_PROMISE although we disabled push' };
      default: return null; // PRIORITY, unknown types: ignored
    }
  }

  private onSettings(ack: boolean, settings: [number, number][]): Http2Error | null {
    if (ack) {
      getHost().timers.clear(this.settingsTimer);
      this.settingsTimer = undefined;
      this.decoder.setMaxTableSize(this.opts.headerTableSize);
      return null;
    }
    for (const [id, value] of settings) {
      switch (id) {
        case SETTINGS_HEADER_TABLE_SIZE:
          this.peer.headerTableSize = value;
          this.encoder.setPeerMaxTableSize(value);
          break;
        case SETTINGS_ENABLE_PUSH:
          if (value !== 0) return { scope: 'connection', code: 'PROTOCOL_ERROR', message: 'server sent SETTINGS_ENABLE_PUSH 1' };
          break;
        case SETTINGS_MAX_CONCURRENT_STREAMS:
          this.peer.maxConcurrentStreams = value;
          break;
        case SETTINGS_INITIAL_WINDOW_SIZE: {
          const delta = value - this.peer.initialWindowSize;
          this.peer.initialWindowSize = value;
          for (const s of this.streams.values()) {
            s.sendWindow += delta;
            if (s.sendWindow > MAX_WINDOW) return { scope: 'connection', code: 'FLOW_CONTROL_ERROR', message: `stream ${s.id} window above 2^31-1` };
          }
          break;
        }
        case SETTINGS_MAX_FRAME_SIZE:
          this.peer.maxFrameSize = value;
          break;
        case SETTINGS_MAX_HEADER_LIST_SIZE:
          this.peer.maxHeaderListSize = value;
          break;
      }
    }
    this.send(encodeSettingsAck());
    if (!this.gotSettings) {
      this.gotSettings = true;
      this.readyResolve();
    }
    this.flushAll();
    return null;
  }

  private onPing(ack: boolean, data: Uint8Array): Http2Error | null {
    if (!ack) {
      this.send(encodePing(data, true));
      return null;
    }
    const i = this.pings.findIndex((p) => p.data.every((b, k) => b === data[k]));
    if (i >= 0) this.pings.splice(i, 1)[0]?.resolve();
    return null;
  }

  private onGoaway(lastStreamId: number, errorCode: number, debug: Uint8Array): Http2Error | null {
    this.goawayReceived = true;
    const why = `GOAWAY ${errorCodeName(errorCode)}${debug.length ? `: ${String.fromCharCode(...debug.subarray(0, 200))}` : ''}`;
    for (const s of [...this.streams.values()]) {
      // Streams above lastStreamId were never processed: safe to retry elsewhere.
      if (s.id > lastStreamId) this.forget(s, { scope: 'stream', code: 'REFUSED_STREAM', message: `not processed by the server (${why})` });
    }
    if (errorCode !== ERROR_CODES.NO_ERROR) {
      return { scope: 'connection', code: (errorCodeName(errorCode) in ERROR_CODES ? errorCodeName(errorCode) : 'INTERNAL_ERROR') as ErrorCodeName, message: `peer sent ${why}` };
    }
    if (this.streams.size === 0) this.shutdown({ scope: 'connection', code: 'NO_ERROR', message: why }, null);
    return null;
  }

  private onWindowUpdate(streamId: number, increment: number): Http2Error | null {
    if (streamId === 0) {
      this.connSendWindow += increment;
      if (this.connSendWindow > MAX_WINDOW) return { scope: 'connection', code: 'FLOW_CONTROL_ERROR', message: 'connection window above 2^31-1' };
      this.flushAll();
      return null;
    }
    const s = this.streams.get(streamId);
    if (!s) return this.unknownStream(streamId, 'WINDOW_UPDATE');
    s.sendWindow += increment;
    if (s.sendWindow > MAX_WINDOW) return { scope: 'stream', code: 'FLOW_CONTROL_ERROR', message: `stream ${streamId} window above 2^31-1` };
    this.flush(s);
    return null;
  }

  private onRstStream(streamId: number, errorCode: number): Http2Error | null {
    const s = this.streams.get(streamId);
    if (!s) return this.unknownStream(streamId, 'RST_STREAM');
    const name = errorCodeName(errorCode);
    // NO_ERROR after the response ended: the server just does not want the rest of the request.
    if (errorCode === ERROR_CODES.NO_ERROR && s.state === 'half-closed-remote') this.forget(s, null);
    else this.forget(s, { scope: 'stream', code: (name in ERROR_CODES ? name : 'INTERNAL_ERROR') as ErrorCodeName, message: `reset by the peer (${name})` });
    return null;
  }

  private onContinuation(streamId: number, fragment: Uint8Array, endHeaders: boolean): Http2Error | null {
    const p = this.pendingHeaders;
    if (!p || p.streamId !== streamId) return { scope: 'connection', code: 'PROTOCOL_ERROR', message: `unexpected CONTINUATION on stream ${streamId}` };
    p.size += fragment.length;
    // A compressed block cannot usefully be larger than the decoded list we accept.
    if (p.size > this.opts.maxHeaderListSize) {
      return { scope: 'connection', code: 'ENHANCE_YOUR_CALM', message: `header block over ${this.opts.maxHeaderListSize} bytes` };
    }
    p.parts.push(fragment.slice());
    if (!endHeaders) return null;
    this.pendingHeaders = null;
    const block = new Uint8Array(p.size);
    let at = 0;
    for (const part of p.parts) {
      block.set(part, at);
      at += part.length;
    }
    return this.onHeaderBlock(streamId, block, p.endStream);
  }

  private onHeaderBlock(streamId: number, block: Uint8Array, endStream: boolean): Http2Error | null {
    // Decode even for a stream we no longer track: the HPACK context is shared.
    const d = this.decoder.decode(block);
    if (!d.ok) return { scope: 'connection', code: 'COMPRESSION_ERROR', message: d.error.message };
    const s = this.streams.get(streamId);
    if (!s) return this.unknownStream(streamId, 'HEADERS');
    if (s.state === 'half-closed-remote') return { scope: 'stream', code: 'STREAM_CLOSED', message: `HEADERS after the end of stream ${streamId}` };
    for (const [name] of d.value) {
      if (name !== name.toLowerCase()) return { scope: 'stream', code: 'PROTOCOL_ERROR', message: `header name "${name}" is not lowercase` };
    }
    if (s.headersSeen && !endStream) return { scope: 'stream', code: 'PROTOCOL_ERROR', message: `trailers without END_STREAM on stream ${streamId}` };
    s.deliverHeaders(d.value, endStream);
    if (endStream && !s.closed) this.remoteEnd(s);
    return null;
  }

  private onData(streamId: number, data: Uint8Array, flowLength: number, endStream: boolean): Http2Error | null {
    if (flowLength > this.connReceiveWindow) {
      return { scope: 'connection', code: 'FLOW_CONTROL_ERROR', message: `DATA of ${flowLength} bytes exceeds the connection window ${this.connReceiveWindow}` };
    }
    this.connReceiveWindow -= flowLength;
    // Connection window comes back whatever happens to the stream.
    this.connUnacknowledged += flowLength;
    if (this.connUnacknowledged * 2 >= this.opts.connectionWindowSize) {
      this.send(encodeWindowUpdate(0, this.connUnacknowledged));
      this.connReceiveWindow += this.connUnacknowledged;
      this.connUnacknowledged = 0;
    }
    const s = this.streams.get(streamId);
    if (!s) return this.unknownStream(streamId, 'DATA');
    if (s.state === 'half-closed-remote') return { scope: 'stream', code: 'STREAM_CLOSED', message: `DATA after the end of stream ${streamId}` };
    if (!s.headersSeen) return { scope: 'stream', code: 'PROTOCOL_ERROR', message: `DATA before response headers on stream ${streamId}` };
    if (flowLength > s.receiveWindow) {
      return { scope: 'stream', code: 'FLOW_CONTROL_ERROR', message: `DATA of ${flowLength} bytes exceeds stream ${streamId}'s window ${s.receiveWindow}` };
    }
    s.receiveWindow -= flowLength;
    s.deliverData(data);
    if (s.closed) return null;
    this.consumed(s, flowLength);
    if (endStream) this.remoteEnd(s);
    return null;
  }

  /** A frame for a stream we do not track: closed ones are ignored, idle ones are an error. */
  private unknownStream(streamId: number, what: string): Http2Error | null {
    if (streamId % 2 === 1 && streamId < this.nextStreamId) return null; // closed (or reset by us): late frame
    return { scope: 'connection', code: 'PROTOCOL_ERROR', message: `${what} on idle stream ${streamId}` };
  }

  private remoteEnd(s: Http2Stream): void {
    s.deliverEnd();
    if (s.closed) return;
    if (s.state === 'half-closed-local') this.forget(s, null);
    else s.state = 'half-closed-remote';
  }

  private localEnd(s: Http2Stream): void {
    if (s.state === 'half-closed-remote') this.forget(s, null);
    else s.state = 'half-closed-local';
  }

  private forget(s: Http2Stream, error: Http2Error | null): void {
    this.streams.delete(s.id);
    s.finish(error);
    if (this.goawayReceived && this.streams.size === 0 && !this.isClosed) {
      this.shutdown({ scope: 'connection', code: 'NO_ERROR', message: 'all streams done after GOAWAY' }, null);
    }
  }

  private streamFailed(streamId: number, e: Http2Error): void {
    const s = this.streams.get(streamId);
    if (streamId !== 0) this.send(encodeRstStream(streamId, ERROR_CODES[e.code]));
    if (s) this.forget(s, e);
  }

  private flushAll(): void {
    for (const s of [...this.streams.values()]) this.flush(s);
  }

  private fail(e: Http2Error): void {
    this.shutdown(e, e);
  }

  /** End everything: GOAWAY (when the transport is still there), streams, transport, callbacks. */
  private shutdown(e: Http2Error, reported: Http2Error | null, sendGoaway = true): void {
    if (this.isClosed) return;
    if (sendGoaway) this.send(encodeGoaway(0, ERROR_CODES[e.code], e.code === 'NO_ERROR' ? '' : e.message.slice(0, 200)));
    this.isClosed = true;
    getHost().timers.clear(this.settingsTimer);
    const streamErr: Http2Error = { scope: 'connection', code: e.code === 'NO_ERROR' ? 'CANCEL' : e.code, message: `connection ended: ${e.message}` };
    for (const s of [...this.streams.values()]) {
      this.streams.delete(s.id);
      s.finish(streamErr);
    }
    for (const p of this.pings.splice(0)) p.reject(new Http2Failure(streamErr));
    if (!this.gotSettings) this.readyReject(new Http2Failure(reported ?? streamErr));
    this.transport.close(reported !== null);
    this.closeError = reported;
    for (const cb of this.closeCbs.splice(0)) cb(reported);
  }
}
