/**
 * The server end of an in-process HTTP/2 connection for tests: it checks the client
 * preface, decodes every frame the client sends (with our frame decoder and an HPACK
 * decoder of its own), and sends whatever frames a test scripts. It does nothing on
 * its own except what a test asks for.
 */
import { getHost } from '../../runtime/src/host/index.js';
import { type Header, HpackDecoder, HpackEncoder } from '../../runtime/src/hpack/index.js';
import {
  type ByteStream, bytePipe, decodeFrame, encodeData, encodeFrame, encodeHeaders, encodeSettings, encodeSettingsAck, encodeWindowUpdate, type Frame,
  Http2Connection, type Http2ConnectionOptions, PREFACE,
} from '../../runtime/src/http2/index.js';
import { waitFor } from './tmp.js';

export type Received = Frame & { headers?: Header[] };

export class H2Peer {
  readonly frames: Received[] = [];
  readonly decoder = new HpackDecoder();
  readonly encoder = new HpackEncoder();
  closed = false;
  prefaceOk: boolean | null = null;
  private buf = new Uint8Array(0);
  private block: Uint8Array[] = [];

  constructor(readonly stream: ByteStream, private readonly maxFrameSize = 16_384) {
    stream.onData((chunk) => this.receive(chunk));
    stream.onClose(() => {
      this.closed = true;
    });
  }

  private receive(chunk: Uint8Array): void {
    const all = new Uint8Array(this.buf.length + chunk.length);
    all.set(this.buf);
    all.set(chunk, this.buf.length);
    let at = 0;
    if (this.prefaceOk === null) {
      if (all.length < PREFACE.length) {
        this.buf = all;
        return;
      }
      this.prefaceOk = String.fromCharCode(...all.subarray(0, PREFACE.length)) === PREFACE;
      at = PREFACE.length;
    }
    for (;;) {
      const r = decodeFrame(all, at, this.maxFrameSize);
      if (!r.ok) throw new Error(`client sent a bad frame: ${r.error.message}`);
      if (r.value === null) break;
      at = r.value.next;
      const f: Received = { ...r.value.frame };
      if (f.type === 'DATA') f.data = f.data.slice();
      if (f.type === 'HEADERS' || f.type === 'CONTINUATION') {
        this.block.push(f.fragment.slice());
        if (f.endHeaders) {
          const d = this.decoder.decode(concat(this.block));
          this.block = [];
          if (!d.ok) throw new Error(`client sent a bad header block: ${d.error.message}`);
          f.headers = d.value;
        }
      }
      this.frames.push(f);
    }
    this.buf = all.slice(at);
  }

  send(bytes: Uint8Array): void {
    this.stream.write(bytes);
  }

  settings(settings: [number, number][] = []): void {
    this.send(encodeSettings(settings));
  }

  ackSettings(): void {
    this.send(encodeSettingsAck());
  }

  headers(streamId: number, headers: Header[], endStream = false, maxFrameSize = 16_384): void {
    for (const f of encodeHeaders(streamId, this.encoder.encode(headers), endStream, maxFrameSize)) this.send(f);
  }

  data(streamId: number, data: Uint8Array, endStream = false): void {
    this.send(encodeData(streamId, data, endStream));
  }

  windowUpdate(streamId: number, increment: number): void {
    this.send(encodeWindowUpdate(streamId, increment));
  }

  raw(type: number, flags: number, streamId: number, payload: Uint8Array): void {
    this.send(encodeFrame(type, flags, streamId, payload));
  }

  of<T extends Received['type']>(type: T): Extract<Received, { type: T }>[] {
    return this.frames.filter((f) => f.type === type) as Extract<Received, { type: T }>[];
  }

  async waitFor<T extends Received['type']>(type: T, pred: (f: Extract<Received, { type: T }>) => boolean = () => true, what: string = type): Promise<Extract<Received, { type: T }>> {
    let found: Extract<Received, { type: T }> | undefined;
    await waitFor(() => {
      found = this.of(type).find(pred);
      return found !== undefined;
    }, 2000, what);
    return found as Extract<Received, { type: T }>;
  }

  /** Bytes of DATA the client sent on a stream so far. */
  dataOn(streamId: number): number {
    return this.of('DATA').filter((f) => f.streamId === streamId).reduce((n, f) => n + f.data.length, 0);
  }
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A client connection and a scripted server peer, already past the SETTINGS exchange. */
export async function connectedPair(options: Http2ConnectionOptions = {}, serverSettings: [number, number][] = []): Promise<{ conn: Http2Connection; peer: H2Peer }> {
  const [a, b] = bytePipe();
  const peer = new H2Peer(b, options.maxFrameSize);
  const conn = Http2Connection.connect(a, options);
  peer.settings(serverSettings);
  await conn.ready;
  await peer.waitFor('SETTINGS', (f) => !f.ack, 'client SETTINGS');
  peer.ackSettings();
  return { conn, peer };
}

/** Let queued microtasks and timers run. */
export function settle(ms = 10): Promise<void> {
  return new Promise((r) => getHost().timers.setTimeout(r, ms));
}
