/**
 * The agent's long-lived ubus presence: keeps a connection to ubusd, registers our
 * objects on every (re)connect, and reconnects after ubusd restarts with exponential
 * back-off (no busy loop). Events sent while disconnected are dropped and counted:
 * ubus events are not queued by ubusd either.
 */
import { getHost, type Host, type TimerHandle } from '../host/index.js';
import type { JsonObject } from './blobmsg.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, UbusConnection, type UbusMethodTable, type UbusResult } from './connection.js';

export const DEFAULT_UBUS_SOCKET = '/var/run/ubus/ubus.sock';

export interface UbusClientOptions {
  socketPath?: string;
  /** First retry delay; doubles per failure up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  requestTimeoutMs?: number;
  host?: Host;
  /** Progress lines (connected, registered, lost, retry in N ms). */
  log?: (level: 'info' | 'notice' | 'warning', message: string) => void;
}

export interface UbusClientStats {
  connects: number;
  disconnects: number;
  registrationFailures: number;
  eventsSent: number;
  eventsDropped: number;
}

export class UbusClient {
  private conn: UbusConnection | null = null;
  private readonly objects = new Map<string, UbusMethodTable>();
  private readonly objectIds = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private running = false;
  private failures = 0;
  private connecting = false;
  readonly socketPath: string;
  readonly stats: UbusClientStats = { connects: 0, disconnects: 0, registrationFailures: 0, eventsSent: 0, eventsDropped: 0 };
  private readonly host: Host;

  constructor(private readonly opts: UbusClientOptions = {}) {
    this.host = opts.host ?? getHost();
    this.socketPath = opts.socketPath ?? DEFAULT_UBUS_SOCKET;
  }

  /** Connected and every object registered. */
  get ready(): boolean {
    return this.conn !== null && !this.conn.isClosed && this.objectIds.size === this.objects.size;
  }

  /** The id ubusd gave object `path` on this connection. */
  objectId(path: string): number | undefined {
    return this.objectIds.get(path);
  }

  /** Publish an object; registered now when connected, and after every reconnect. */
  async addObject(path: string, methods: UbusMethodTable): Promise<void> {
    this.objects.set(path, methods);
    if (this.conn && !this.conn.isClosed) await this.register(this.conn, path, methods);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt();
  }

  stop(): void {
    this.running = false;
    this.host.timers.clear(this.timer);
    this.timer = undefined;
    this.conn?.close();
    this.conn = null;
    this.objectIds.clear();
  }

  /** The delay before retry number `failures` (1-based): initial · 2^(n-1), capped. */
  backoffMs(failures: number): number {
    const initial = this.opts.initialBackoffMs ?? 500;
    const max = this.opts.maxBackoffMs ?? 30_000;
    return Math.min(max, initial * 2 ** Math.min(30, Math.max(0, failures - 1)));
  }

  private log(level: 'info' | 'notice' | 'warning', message: string): void {
    this.opts.log?.(level, message);
  }

  private retry(): void {
    if (!this.running) return;
    this.failures++;
    const delay = this.backoffMs(this.failures);
    // Say it once per outage, then only at the cap, so a router without ubusd is not spammed.
    if (this.failures === 1 || delay === (this.opts.maxBackoffMs ?? 30_000)) this.log('warning', `ubus: ${this.socketPath} unavailable; retrying in ${delay} ms`);
    this.timer = this.host.timers.setTimeout(() => this.attempt(), delay);
  }

  private attempt(): void {
    if (!this.running || this.connecting) return;
    this.connecting = true;
    void this.connectAndRegister().finally(() => {
      this.connecting = false;
    });
  }

  private async connectAndRegister(): Promise<void> {
    const r = await UbusConnection.connect(this.socketPath, { host: this.host, timeoutMs: this.opts.requestTimeoutMs ?? 5000 });
    if (!r.ok) {
      this.retry();
      return;
    }
    const conn = r.value;
    if (!this.running) {
      conn.close();
      return;
    }
    this.conn = conn;
    this.objectIds.clear();
    this.stats.connects++;
    conn.onClose((reason) => {
      if (this.conn !== conn) return;
      this.conn = null;
      this.objectIds.clear();
      this.stats.disconnects++;
      this.log('warning', `ubus: connection lost (${reason})`);
      this.retry();
    });
    for (const [path, methods] of this.objects) {
      if (!(await this.register(conn, path, methods))) {
        // e.g. the path is still held by a previous instance: drop and retry later.
        this.stats.registrationFailures++;
        conn.close();
        return;
      }
    }
    this.failures = 0;
    this.log('info', `ubus: connected as client ${(conn.localId >>> 0).toString(16)}, ${this.objects.size} object(s) registered`);
  }

  private async register(conn: UbusConnection, path: string, methods: UbusMethodTable): Promise<boolean> {
    const r = await conn.addObject(path, methods, undefined, this.opts.requestTimeoutMs);
    if (!r.ok) {
      this.log('warning', `ubus: cannot register ${path}: ${r.error.message}`);
      return false;
    }
    this.objectIds.set(path, r.value);
    return true;
  }

  /** Send an event now, or drop it (counted) while ubusd is away. */
  async sendEvent(id: string, data: JsonObject): Promise<UbusResult<void>> {
    const conn = this.conn;
    if (!conn || conn.isClosed) {
      this.stats.eventsDropped++;
      return { ok: false, error: { kind: 'closed', message: 'ubus: not connected' } };
    }
    const r = await conn.sendEvent(id, data, this.opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    if (r.ok) this.stats.eventsSent++;
    else this.stats.eventsDropped++;
    return r;
  }
}
