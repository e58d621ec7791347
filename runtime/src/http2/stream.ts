/**
 * One HTTP/2 stream as the client sees it (RFC 9113 §5.1): opened by our HEADERS, closed
 * when both sides ended it or when either reset it. Data we write is queued and sent as
 * the stream and connection windows allow (the connection does the sending); data we
 * receive is handed to `onData` and the window is given back once the handler returned,
 * unless the stream is paused.
 */
import type { Header } from '../hpack/index.js';
import type { ErrorCodeName } from './constants.js';
import type { Http2Error } from './result.js';

export type StreamState = 'open' | 'half-closed-local' | 'half-closed-remote' | 'closed';

/** What a stream needs from its connection (connection.ts implements it). */
export interface StreamOwner {
  /** Try to send queued data of `stream` (and its END_STREAM). */
  flush(stream: Http2Stream): void;
  /** Send RST_STREAM and forget the stream. */
  reset(stream: Http2Stream, code: ErrorCodeName): void;
  /** The application took `n` bytes of this stream's data: window may be given back. */
  consumed(stream: Http2Stream, n: number): void;
}

export class Http2Stream {
  state: StreamState = 'open';
  /** Bytes we may still send on this stream (the peer's window; may go negative). */
  sendWindow: number;
  /** Bytes the peer may still send us before we give window back. */
  receiveWindow: number;
  /** Received bytes handed out but not yet given back as WINDOW_UPDATE. */
  unacknowledged = 0;
  paused = false;
  /** Outgoing data not yet sent, and whether END_STREAM follows it. */
  readonly outgoing: Uint8Array[] = [];
  outgoingBytes = 0;
  endQueued = false;
  /** The response headers arrived (the next HEADERS block are trailers). */
  headersSeen = false;
  private headersCb: (headers: Header[], endStream: boolean) => void = () => {};
  private dataCb: (chunk: Uint8Array) => void = () => {};
  private endCb: () => void = () => {};
  private closeCb: (error: Http2Error | null) => void = () => {};
  private closeError: Http2Error | null | undefined;

  constructor(readonly id: number, private readonly owner: StreamOwner, sendWindow: number, receiveWindow: number) {
    this.sendWindow = sendWindow;
    this.receiveWindow = receiveWindow;
  }

  /** Each header block the peer sends: the response headers, then (maybe) trailers. */
  onHeaders(cb: (headers: Header[], endStream: boolean) => void): void {
    this.headersCb = cb;
  }
  onData(cb: (chunk: Uint8Array) => void): void {
    this.dataCb = cb;
  }
  /** The peer ended its side (END_STREAM). */
  onEnd(cb: () => void): void {
    this.endCb = cb;
  }
  /** Once: null when both sides ended in order; the error for a reset or a lost connection. */
  onClose(cb: (error: Http2Error | null) => void): void {
    if (this.closeError !== undefined) cb(this.closeError);
    else this.closeCb = cb;
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Queue bytes to send (flow control decides when they go). */
  write(data: Uint8Array): void {
    if (this.endQueued || this.state === 'closed' || this.state === 'half-closed-local') return;
    if (data.length === 0) return;
    this.outgoing.push(data);
    this.outgoingBytes += data.length;
    this.owner.flush(this);
  }

  /** End our side after the queued data (END_STREAM). */
  end(data?: Uint8Array): void {
    if (data) this.write(data);
    if (this.endQueued || this.state === 'closed' || this.state === 'half-closed-local') return;
    this.endQueued = true;
    this.owner.flush(this);
  }

  /** Abandon the stream: RST_STREAM (CANCEL by default). */
  reset(code: ErrorCodeName = 'CANCEL'): void {
    if (this.state === 'closed') return;
    this.owner.reset(this, code);
  }

  /** Stop giving window back: the peer stops once this stream's window is used up. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.owner.consumed(this, 0);
  }

  // ---- called by the connection

  /** @internal */
  deliverHeaders(headers: Header[], endStream: boolean): void {
    this.headersSeen = true;
    this.headersCb(headers, endStream);
  }

  /** @internal */
  deliverData(chunk: Uint8Array): void {
    if (chunk.length > 0) this.dataCb(chunk);
  }

  /** @internal */
  deliverEnd(): void {
    this.endCb();
  }

  /** @internal Mark closed and tell the application (once). */
  finish(error: Http2Error | null): void {
    if (this.closeError !== undefined) return;
    this.state = 'closed';
    this.outgoing.length = 0;
    this.outgoingBytes = 0;
    this.closeError = error;
    const cb = this.closeCb;
    this.closeCb = () => {};
    cb(error);
  }
}
