/**
 * One connection to ubusd over its unix socket: HELLO, requests matched by (seq, peer)
 * with zero or more DATA then one STATUS, objects that answer INVOKEs (DATA then
 * STATUS with the INVOKE's seq and the caller as peer), and event listeners. It does
 * not reconnect: `UbusClient` (client.ts) owns a connection per ubusd lifetime.
 */
import { getHost, type Host, type StreamSocket, type TimerHandle } from '../host/index.js';
import { BlobLimitError } from './blob.js';
import { type BlobmsgNode, decodeBlobmsgTable, type JsonObject, nodesToObject } from './blobmsg.js';
import {
  decodeMessage, type UbusMessage, UbusFramer, UBUS_MAX_MSGLEN, UBUS_MSG_DATA, UBUS_MSG_HELLO, UBUS_MSG_INVOKE, UBUS_MSG_STATUS,
  UBUS_STATUS_INVALID_ARGUMENT, UBUS_STATUS_METHOD_NOT_FOUND, UBUS_STATUS_NOT_FOUND, UBUS_STATUS_OK, UBUS_STATUS_UNKNOWN_ERROR,
  ubusStatusText,
} from './message.js';
import {
  addObjectMessage, invokeMessage, lookupMessage, registerEventMessage, replyDataMessage, replyStatusMessage, sendEventMessage, type UbusSignature,
} from './requests.js';

/**
 * - `status`: ubusd or the object answered a non-zero status (`status` set).
 * - `timeout`: no STATUS in time. `closed`: the connection went away first.
 * - `connect`: the socket could not be opened or no HELLO came. `protocol`: bytes that do not parse.
 * - `limit`: a message would exceed UBUS_MAX_MSGLEN.
 */
export interface UbusError {
  kind: 'status' | 'timeout' | 'closed' | 'connect' | 'protocol' | 'limit';
  status?: number;
  message: string;
  /**
   * A failed INVOKE: the DATA replies that came before the status. An object explains a
   * failure this way (ours sends {"error": "..."}); the real `ubus` CLI prints them.
   */
  replies?: JsonObject[];
}

export type UbusResult<T> = { ok: true; value: T } | { ok: false; error: UbusError };

/** A request's messages; a failure status keeps the DATA that came before it. */
type RequestResult = { ok: true; value: UbusMessage[] } | { ok: false; error: UbusError; data?: UbusMessage[] };

export function statusError(status: number, what: string): { ok: false; error: UbusError } {
  return { ok: false, error: { kind: 'status', status, message: `${what}: ${ubusStatusText(status)}` } };
}

/** What a method handler answers: a ubus status and, optionally, one reply object. */
export interface UbusMethodResult {
  status: number;
  data?: JsonObject;
}

export interface UbusInvocation {
  object: string | null;
  method: string;
  /** Caller's client id (peer of the INVOKE). */
  peer: number;
  user?: string;
  group?: string;
}

export type UbusMethodHandler = (args: BlobmsgNode[], inv: UbusInvocation) => Promise<UbusMethodResult> | UbusMethodResult;

export interface UbusMethod {
  /** Argument name → BLOBMSG_TYPE_* (advisory: ubusd does not check it). */
  signature: Record<string, number>;
  handler: UbusMethodHandler;
}

/** The methods of one object, by name. */
export type UbusMethodTable = Record<string, UbusMethod>;

export interface UbusObjectInfo {
  path: string;
  id: number;
  typeId: number;
  /** method → argument → BLOBMSG_TYPE_*. */
  signature: UbusSignature;
}

interface Pending {
  data: UbusMessage[];
  resolve: (r: RequestResult) => void;
  timer: TimerHandle;
  bytes: number;
}

interface LocalObject {
  path: string | null;
  methods: UbusMethodTable;
  /** Catch-all (event listeners: the method is the event name). */
  fallback?: UbusMethodHandler;
}

export interface ConnectOptions {
  /** Time for connect + HELLO. */
  timeoutMs?: number;
  host?: Host;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Bytes of DATA one request may collect (a LOOKUP of a big bus stays well below). */
const MAX_REPLY_BYTES = 4 * UBUS_MAX_MSGLEN;

export class UbusConnection {
  private readonly framer = new UbusFramer();
  private readonly pending = new Map<string, Pending>();
  private readonly objects = new Map<number, LocalObject>();
  private seq = 0;
  private closed = false;
  private closeHandlers: ((reason: string) => void)[] = [];
  /** Called for each malformed message from ubusd (the connection is dropped). */
  onProtocolError: ((message: string) => void) | null = null;

  /** Our client id, from ubusd's HELLO (-1 until it came). */
  localId = -1;
  private hello: ((r: UbusResult<UbusConnection>) => void) | null = null;

  private constructor(
    private readonly host: Host,
    private readonly socket: StreamSocket,
  ) {
    socket.onData((chunk) => this.receive(chunk));
    socket.onClose((e) => this.shutdown(e ? e.message : 'ubusd closed the connection'));
  }

  /** Connect to `path`, wait for ubusd's HELLO. */
  static async connect(path: string, opts: ConnectOptions = {}): Promise<UbusResult<UbusConnection>> {
    const host = opts.host ?? getHost();
    const timeoutMs = opts.timeoutMs ?? 5000;
    let socket: StreamSocket;
    try {
      socket = await host.net.connect({ family: 'unix', path });
    } catch (e) {
      return { ok: false, error: { kind: 'connect', message: `connect ${path}: ${(e as Error).message}` } };
    }
    const conn = new UbusConnection(host, socket);
    return new Promise((resolve) => {
      const timer = host.timers.setTimeout(() => conn.protocolError(`no HELLO within ${timeoutMs} ms`), timeoutMs);
      conn.hello = (r) => {
        host.timers.clear(timer);
        conn.hello = null;
        resolve(r.ok ? r : { ok: false, error: { kind: 'connect', message: `ubus ${path}: ${r.error.message}` } });
      };
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(cb: (reason: string) => void): void {
    if (this.closed) cb('closed');
    else this.closeHandlers.push(cb);
  }

  close(): void {
    this.socket.close();
    this.shutdown('closed by us');
  }

  private shutdown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.hello?.({ ok: false, error: { kind: 'closed', message: reason } });
    for (const [key, p] of this.pending) {
      this.host.timers.clear(p.timer);
      this.pending.delete(key);
      p.resolve({ ok: false, error: { kind: 'closed', message: `ubus: connection closed (${reason})` } });
    }
    const handlers = this.closeHandlers;
    this.closeHandlers = [];
    for (const h of handlers) h(reason);
  }

  private receive(chunk: Uint8Array): void {
    if (this.closed) return;
    const r = this.framer.push(chunk);
    if (!r.ok) {
      this.protocolError(r.error);
      return;
    }
    for (const m of r.messages) {
      if (this.closed) return;
      this.dispatch(m);
    }
  }

  private protocolError(message: string): void {
    this.onProtocolError?.(message);
    this.socket.close(true);
    this.shutdown(message);
  }

  private dispatch(bytes: Uint8Array): void {
    const d = decodeMessage(bytes);
    if (!d.ok) {
      this.protocolError(d.error.message);
      return;
    }
    const m = d.value;
    if (this.localId < 0) {
      if (m.type !== UBUS_MSG_HELLO) {
        this.protocolError(`first message is ${m.type}, not HELLO`);
        return;
      }
      this.localId = m.peer;
      this.hello?.({ ok: true, value: this });
      return;
    }
    switch (m.type) {
      case UBUS_MSG_DATA:
      case UBUS_MSG_STATUS: {
        const key = `${m.seq}:${m.peer}`;
        const p = this.pending.get(key);
        if (!p) return; // late answer to a request that timed out
        if (m.type === UBUS_MSG_DATA) {
          p.bytes += bytes.length;
          if (p.bytes > MAX_REPLY_BYTES) {
            this.finishRequest(key, { ok: false, error: { kind: 'limit', message: `ubus: reply exceeds ${MAX_REPLY_BYTES} bytes` } });
            return;
          }
          p.data.push(m);
          return;
        }
        const status = m.attrs.status ?? UBUS_STATUS_UNKNOWN_ERROR;
        this.finishRequest(key, status === UBUS_STATUS_OK ? { ok: true, value: p.data } : { ok: false, error: { kind: 'status', status, message: ubusStatusText(status) }, data: p.data });
        return;
      }
      case UBUS_MSG_INVOKE:
        void this.serveInvoke(m);
        return;
      default:
        return; // HELLO again, NOTIFY (subscription state), UNSUBSCRIBE, MONITOR: nothing to do
    }
  }

  private finishRequest(key: string, r: RequestResult): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    this.host.timers.clear(p.timer);
    p.resolve(r);
  }

  private send(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    // ubusd drops a client whose queue exceeds 1 MiB; do not let ours grow beyond that either.
    if (this.socket.pending > UBUS_MAX_MSGLEN) {
      this.protocolError('ubus: send queue full (ubusd not reading)');
      return false;
    }
    this.socket.write(bytes);
    return true;
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) & 0xffff;
    return this.seq;
  }

  /** Send a request built for `seq`; resolve with its DATA messages once STATUS 0 arrives. */
  request(peer: number, build: (seq: number) => Uint8Array, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<RequestResult> {
    if (this.closed) return Promise.resolve({ ok: false, error: { kind: 'closed', message: 'ubus: connection closed' } });
    const seq = this.nextSeq();
    let bytes: Uint8Array;
    try {
      bytes = build(seq);
    } catch (e) {
      if (e instanceof BlobLimitError || e instanceof RangeError) return Promise.resolve({ ok: false, error: { kind: 'limit', message: e.message } });
      throw e;
    }
    const key = `${seq}:${peer >>> 0}`;
    return new Promise((resolve) => {
      const timer = this.host.timers.setTimeout(() => this.finishRequest(key, { ok: false, error: { kind: 'timeout', message: `ubus: no answer within ${timeoutMs} ms` } }), timeoutMs);
      this.pending.set(key, { data: [], resolve, timer, bytes: 0 });
      this.send(bytes);
    });
  }

  /** LOOKUP: every object (no path), a prefix (`net.*`) or one path. */
  async lookup(path?: string, timeoutMs?: number): Promise<UbusResult<UbusObjectInfo[]>> {
    const r = await this.request(0, (seq) => lookupMessage(seq, path), timeoutMs);
    if (!r.ok) return r;
    const out: UbusObjectInfo[] = [];
    for (const m of r.value) {
      const a = m.attrs;
      if (a.objpath === undefined || a.objid === undefined) continue;
      const signature: UbusSignature = {};
      if (a.signature) {
        const sig = decodeBlobmsgTable(a.signature);
        if (!sig.ok) return { ok: false, error: { kind: 'protocol', message: `ubus: signature of ${a.objpath}: ${sig.error.message}` } };
        for (const method of sig.value) {
          const args: Record<string, number> = {};
          if (Array.isArray(method.value)) for (const arg of method.value) args[arg.name] = typeof arg.value === 'number' ? arg.value : 0;
          signature[method.name] = args;
        }
      }
      out.push({ path: a.objpath, id: a.objid, typeId: a.objtype ?? 0, signature });
    }
    return { ok: true, value: out };
  }

  /** INVOKE a method; the DATA replies, each as a JSON object. */
  async invoke(objid: number, method: string, args: JsonObject, timeoutMs?: number): Promise<UbusResult<JsonObject[]>> {
    const r = await this.request(objid, (seq) => invokeMessage(seq, objid, method, args), timeoutMs);
    const messages = r.ok ? r.value : (r.data ?? []);
    const out: JsonObject[] = [];
    for (const m of messages) {
      if (!m.attrs.data) continue;
      const t = decodeBlobmsgTable(m.attrs.data);
      if (!t.ok) return { ok: false, error: { kind: 'protocol', message: `ubus: reply of ${method}: ${t.error.message}` } };
      out.push(nodesToObject(t.value));
    }
    if (!r.ok) return { ok: false, error: out.length ? { ...r.error, replies: out } : r.error };
    return { ok: true, value: out };
  }

  /** LOOKUP `path`, then INVOKE (what `ubus call` does). */
  async call(path: string, method: string, args: JsonObject, timeoutMs?: number): Promise<UbusResult<JsonObject[]>> {
    const found = await this.lookup(path, timeoutMs);
    if (!found.ok) return found;
    const obj = found.value.find((o) => o.path === path);
    if (!obj) return statusError(UBUS_STATUS_NOT_FOUND, path);
    return this.invoke(obj.id, method, args, timeoutMs);
  }

  /** ADD_OBJECT; `path` null makes an anonymous object (event listeners). Returns its id. */
  async addObject(path: string | null, methods: UbusMethodTable, fallback?: UbusMethodHandler, timeoutMs?: number): Promise<UbusResult<number>> {
    const signature: UbusSignature = {};
    for (const [name, m] of Object.entries(methods)) signature[name] = m.signature;
    const r = await this.request(0, (seq) => addObjectMessage(seq, path, signature), timeoutMs);
    if (!r.ok) return r;
    const id = r.value.find((m) => m.attrs.objid !== undefined)?.attrs.objid;
    if (id === undefined) return { ok: false, error: { kind: 'protocol', message: 'ubus: ADD_OBJECT answered without an object id' } };
    this.objects.set(id, fallback ? { path, methods, fallback } : { path, methods });
    return { ok: true, value: id };
  }

  /** Publish an event (`ubus send`). */
  async sendEvent(id: string, data: JsonObject, timeoutMs?: number): Promise<UbusResult<void>> {
    const r = await this.request(1, (seq) => sendEventMessage(seq, id, data), timeoutMs);
    return r.ok ? { ok: true, value: undefined } : r;
  }

  /** Receive events matching `pattern` (trailing `*` = prefix), as `ubus listen` does. */
  async listen(pattern: string, onEvent: (id: string, data: JsonObject) => void, timeoutMs?: number): Promise<UbusResult<number>> {
    const obj = await this.addObject(null, {}, (args, inv) => {
      onEvent(inv.method, nodesToObject(args));
      return { status: UBUS_STATUS_OK };
    }, timeoutMs);
    if (!obj.ok) return obj;
    const r = await this.request(1, (seq) => registerEventMessage(seq, obj.value, pattern), timeoutMs);
    return r.ok ? obj : r;
  }

  private async serveInvoke(m: UbusMessage): Promise<void> {
    const objid = m.attrs.objid ?? 0;
    const reply = (status: number, data?: JsonObject) => {
      if (m.attrs.noReply) return;
      if (data) {
        try {
          this.send(replyDataMessage(m.seq, m.peer, objid, data));
        } catch (e) {
          if (!(e instanceof BlobLimitError || e instanceof RangeError)) throw e;
          status = UBUS_STATUS_UNKNOWN_ERROR;
        }
      }
      this.send(replyStatusMessage(m.seq, m.peer, objid, status));
    };
    const obj = this.objects.get(objid);
    if (!obj) {
      reply(UBUS_STATUS_NOT_FOUND);
      return;
    }
    const method = m.attrs.method ?? '';
    const handler = (Object.hasOwn(obj.methods, method) ? obj.methods[method]?.handler : undefined) ?? obj.fallback;
    if (!handler) {
      reply(UBUS_STATUS_METHOD_NOT_FOUND);
      return;
    }
    if (!m.attrs.data) {
      reply(UBUS_STATUS_INVALID_ARGUMENT);
      return;
    }
    const args = decodeBlobmsgTable(m.attrs.data);
    if (!args.ok) {
      reply(UBUS_STATUS_INVALID_ARGUMENT);
      return;
    }
    const inv: UbusInvocation = { object: obj.path, method, peer: m.peer };
    if (m.attrs.user !== undefined) inv.user = m.attrs.user;
    if (m.attrs.group !== undefined) inv.group = m.attrs.group;
    let result: UbusMethodResult;
    try {
      result = await handler(args.value, inv);
    } catch {
      result = { status: UBUS_STATUS_UNKNOWN_ERROR };
    }
    if (this.closed) return;
    reply(result.status, result.data);
  }
}
