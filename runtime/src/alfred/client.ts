/**
 * The alfred unix-socket client: one connection per request, as the daemon wants
 * (it reads a request with a single read, answers, and closes). Push sends one
 * dataset; request collects every dataset of a type until the daemon closes;
 * events keep a connection open and report which datasets changed. Every call
 * is bounded in time and bytes and returns errors as values.
 */
import type { Host, StreamSocket, TimerHandle } from '../host/index.js';
import {
  type AlfredDataset, ALFRED_EVENT_NOTIFY, ALFRED_PUSH_DATA, ALFRED_STATUS_ERROR, type Decoded, decodeEventNotify, decodePushBody,
  encodeEventRegister, encodePush, encodeRequest, type EventNotice, FrameReader, statusErrorCode,
} from './packets.js';

export const DEFAULT_ALFRED_SOCKET = '/var/run/alfred.sock';

export interface AlfredClientOptions {
  socketPath?: string;
  /** A request may wait up to alfred's own 10 s request timeout on a secondary. */
  timeoutMs?: number;
  maxDatasets?: number;
}

export interface EventSubscription {
  close(): void;
}

export class AlfredClient {
  private txId: number;
  readonly socketPath: string;
  private readonly timeoutMs: number;
  private readonly maxDatasets: number;

  constructor(
    private readonly host: Host,
    options: AlfredClientOptions = {},
  ) {
    this.socketPath = options.socketPath ?? DEFAULT_ALFRED_SOCKET;
    this.timeoutMs = options.timeoutMs ?? 12_000;
    this.maxDatasets = options.maxDatasets ?? 1024;
    this.txId = (host.processes.pid * 7919 + Math.floor(host.clock.monotonicMs())) & 0xffff;
  }

  private nextTx(): number {
    this.txId = (this.txId + 1) & 0xffff;
    return this.txId;
  }

  private async connect(): Promise<Decoded<StreamSocket>> {
    try {
      return { ok: true, value: await this.host.net.connect({ family: 'unix', path: this.socketPath }) };
    } catch (e) {
      return { ok: false, error: `alfred: ${(e as Error).message ?? String(e)}` };
    }
  }

  /** Store one dataset of `type` on the local alfred (it syncs it to the mesh). */
  async push(type: number, data: Uint8Array, version = 0): Promise<Decoded<void>> {
    let packet: Uint8Array;
    try {
      packet = encodePush(type, version, data, this.nextTx());
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
    const c = await this.connect();
    if (!c.ok) return c;
    const socket = c.value;
    return new Promise((resolve) => {
      let done = false;
      const finish = (r: Decoded<void>) => {
        if (done) return;
        done = true;
        this.host.timers.clear(timer);
        socket.close();
        resolve(r);
      };
      const timer = this.host.timers.setTimeout(() => finish({ ok: false, error: 'alfred: push timed out' }), this.timeoutMs);
      socket.onClose((e) => finish(e ? { ok: false, error: `alfred: ${e.message}` } : { ok: true, value: undefined }));
      socket.onData(() => {});
      // The whole packet in one write: the daemon does one read() per request.
      if (socket.write(packet) === 0) finish({ ok: true, value: undefined });
      else socket.onDrain(() => finish({ ok: true, value: undefined }));
    });
  }

  /** Every dataset of `type` that the local alfred knows (its own and the mesh's). */
  async request(type: number): Promise<Decoded<AlfredDataset[]>> {
    let packet: Uint8Array;
    try {
      packet = encodeRequest(type, this.nextTx());
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
    const c = await this.connect();
    if (!c.ok) return c;
    const socket = c.value;
    const reader = new FrameReader();
    const datasets: AlfredDataset[] = [];
    return new Promise((resolve) => {
      let done = false;
      let timer: TimerHandle | undefined;
      const finish = (r: Decoded<AlfredDataset[]>) => {
        if (done) return;
        done = true;
        this.host.timers.clear(timer);
        socket.close(true);
        resolve(r);
      };
      timer = this.host.timers.setTimeout(() => finish({ ok: false, error: `alfred: no complete answer within ${this.timeoutMs} ms` }), this.timeoutMs);
      socket.onData((chunk) => {
        const frames = reader.push(chunk);
        if (!frames.ok) return finish(frames);
        for (const f of frames.value) {
          if (f.type === ALFRED_STATUS_ERROR) return finish({ ok: false, error: `alfred: request failed (status ${statusErrorCode(f.body)})` });
          if (f.type !== ALFRED_PUSH_DATA) continue;
          const sets = decodePushBody(f.body);
          if (!sets.ok) return finish(sets);
          datasets.push(...sets.value);
          if (datasets.length > this.maxDatasets) return finish({ ok: false, error: `alfred: more than ${this.maxDatasets} datasets` });
        }
      });
      socket.onClose((e) => {
        if (e) return finish({ ok: false, error: `alfred: ${e.message}` });
        if (reader.pending > 0) return finish({ ok: false, error: `alfred: answer truncated (${reader.pending} bytes of an incomplete packet)` });
        finish({ ok: true, value: datasets });
      });
      socket.write(packet);
    });
  }

  /** Notifications of changed datasets (alfred >= 2022.2) until close() or the daemon goes away. */
  async events(onNotice: (n: EventNotice) => void, onEnd?: (error: string | null) => void): Promise<Decoded<EventSubscription>> {
    const c = await this.connect();
    if (!c.ok) return c;
    const socket = c.value;
    const reader = new FrameReader(4096);
    let closed = false;
    socket.onData((chunk) => {
      const frames = reader.push(chunk);
      if (!frames.ok) {
        socket.close(true);
        return;
      }
      for (const f of frames.value) {
        if (f.type !== ALFRED_EVENT_NOTIFY) continue;
        const n = decodeEventNotify(f.body);
        if (n.ok) onNotice(n.value);
      }
    });
    socket.onClose((e) => {
      if (!closed) onEnd?.(e ? e.message : null);
      closed = true;
    });
    // Register, then never write again: a second write makes the daemon drop us.
    socket.write(encodeEventRegister());
    return {
      ok: true,
      value: {
        close() {
          if (closed) return;
          closed = true;
          socket.close(true);
        },
      },
    };
  }
}
