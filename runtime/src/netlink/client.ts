/**
 * Request/response over a NetlinkSocket: sequence numbers, multipart dumps ending in
 * NLMSG_DONE, ACKs and errors (with extended ACK), NLM_F_DUMP_INTR retries, ENOBUFS
 * handling and inactivity timeouts. Messages that answer no request (multicast
 * notifications, seq 0) go to event listeners.
 *
 * One request is in flight at a time: the kernel runs one dump per socket (a second
 * one gets EBUSY), and it keeps replies unambiguous. Others wait in a queue.
 */
import type { HostError, NetlinkSocket, TimerHandle, Timers } from '../host/types.js';
import { HOST_LITTLE_ENDIAN } from './bytes.js';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, NLMSG_NOOP, NLMSG_OVERRUN } from './constants.js';
import { errnoName, errnoText } from './errno.js';
import { decodeDoneMessage, decodeErrorMessage, type NetlinkMessage, splitMessages } from './message.js';
import { fail, type NetlinkError, type NlResult, ok } from './result.js';
import { stampMessage } from './writer.js';

export interface NetlinkClientOptions {
  timers: Timers;
  /** Inactivity limit per request: no reply message for this long fails it. Default 3000 ms. */
  timeoutMs?: number;
  /** How often a dump is repeated when the kernel flags it inconsistent. Default 3. */
  dumpRetries?: number;
  /** Bound on messages collected for one request. Default 200000. */
  maxMessages?: number;
  /** First sequence number (never 0; wraps to 1). Default 1. */
  firstSeq?: number;
}

export interface RequestOptions {
  timeoutMs?: number;
}

/**
 * A dump's fast path (a native decoder): take() is handed each datagram that may answer
 * the dump, takes the leading data messages it can (those answering `seq`), keeps them
 * itself and returns the offset of the first message it left. The client routes the
 * rest as usual. Once a data message has gone the usual way the fast path is not asked
 * again in that attempt, so its items followed by the dump's replies are in the
 * kernel's order. reset() drops its items when the dump starts over.
 */
export interface DumpFastPath {
  take(datagram: Uint8Array, offset: number, seq: number): number;
  reset(): void;
  count(): number;
}

export interface DumpOptions extends RequestOptions {
  fastPath?: DumpFastPath;
}

export type RequestKind = 'do' | 'dump';

export interface ClientStats {
  requests: number;
  datagrams: number;
  /** Datagrams that did not parse. */
  decodeErrors: number;
  /** Replies for requests that already finished (timed out or failed). */
  staleMessages: number;
  events: number;
  dumpRetries: number;
  enobufs: number;
}

interface Pending {
  kind: RequestKind;
  template: Uint8Array;
  seq: number;
  replies: NetlinkMessage[];
  interrupted: boolean;
  fastPath: DumpFastPath | undefined;
  attempts: number;
  timeoutMs: number;
  timer: TimerHandle | undefined;
  resolve: (result: NlResult<NetlinkMessage[]>) => void;
}

export class NetlinkClient {
  readonly stats: ClientStats = { requests: 0, datagrams: 0, decodeErrors: 0, staleMessages: 0, events: 0, dumpRetries: 0, enobufs: 0 };
  private readonly timers: Timers;
  private readonly timeoutMs: number;
  private readonly dumpRetries: number;
  private readonly maxMessages: number;
  private nextSeq: number;
  private current: Pending | null = null;
  private readonly queue: Pending[] = [];
  private readonly eventListeners: ((message: NetlinkMessage) => void)[] = [];
  private readonly resyncListeners: ((error: NetlinkError) => void)[] = [];
  private closed = false;

  constructor(
    readonly socket: NetlinkSocket,
    options: NetlinkClientOptions,
  ) {
    this.timers = options.timers;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.dumpRetries = options.dumpRetries ?? 3;
    this.maxMessages = options.maxMessages ?? 200000;
    this.nextSeq = (options.firstSeq ?? 1) >>> 0 || 1;
    socket.onMessage((datagram) => this.onDatagram(datagram));
    socket.onError((error) => this.onSocketError(error));
  }

  /** A request answered by an ACK (NLM_F_ACK is added); resolves with the replies before the ACK. */
  request(message: Uint8Array, options?: RequestOptions): Promise<NlResult<NetlinkMessage[]>> {
    return this.enqueue('do', message, options);
  }

  /**
   * A dump (NLM_F_DUMP is added); resolves with every message before NLMSG_DONE, except
   * those `options.fastPath` took (they come first in the dump's order).
   */
  dump(message: Uint8Array, options?: DumpOptions): Promise<NlResult<NetlinkMessage[]>> {
    return this.enqueue('dump', message, options);
  }

  /** Multicast notifications and other unsolicited messages. */
  onEvent(listener: (message: NetlinkMessage) => void): void {
    this.eventListeners.push(listener);
  }

  /** The kernel dropped messages (ENOBUFS): event listeners must re-read their state. */
  onResync(listener: (error: NetlinkError) => void): void {
    this.resyncListeners.push(listener);
  }

  joinGroup(group: number): void {
    this.socket.joinGroup(group);
  }

  leaveGroup(group: number): void {
    this.socket.leaveGroup(group);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const all = this.current ? [this.current, ...this.queue] : [...this.queue];
    this.current = null;
    this.queue.length = 0;
    for (const p of all) this.settle(p, fail('closed', 'netlink client closed'));
    this.socket.close();
  }

  private enqueue(kind: RequestKind, message: Uint8Array, options?: DumpOptions): Promise<NlResult<NetlinkMessage[]>> {
    if (this.closed) return Promise.resolve(fail('closed', 'netlink client closed'));
    if (message.length < NLMSG_HDRLEN) return Promise.resolve(fail('decode', 'request shorter than a netlink header'));
    this.stats.requests++;
    return new Promise((resolve) => {
      this.queue.push({
        kind,
        template: message,
        seq: 0,
        replies: [],
        interrupted: false,
        fastPath: kind === 'dump' ? options?.fastPath : undefined,
        attempts: 0,
        timeoutMs: options?.timeoutMs ?? this.timeoutMs,
        timer: undefined,
        resolve,
      });
      if (!this.current) this.pump();
    });
  }

  private allocSeq(): number {
    const seq = this.nextSeq;
    this.nextSeq = (this.nextSeq + 1) >>> 0 || 1;
    return seq;
  }

  private pump(): void {
    while (!this.current && this.queue.length) {
      const next = this.queue.shift() as Pending;
      this.current = next;
      this.send(next);
    }
  }

  private send(p: Pending): void {
    p.seq = this.allocSeq();
    p.replies = [];
    p.interrupted = false;
    p.fastPath?.reset();
    p.attempts++;
    const bytes = p.template.slice();
    stampMessage(bytes, NLM_F_REQUEST | (p.kind === 'dump' ? NLM_F_DUMP : NLM_F_ACK), p.seq, 0);
    this.armTimer(p);
    try {
      this.socket.send(bytes);
    } catch (e) {
      // The host reports send failures (EPERM, ENOBUFS on send) by throwing HostError.
      this.finish(p, socketFailure(e));
    }
  }

  private armTimer(p: Pending): void {
    this.timers.clear(p.timer);
    p.timer = this.timers.setTimeout(() => {
      p.timer = undefined;
      if (this.current === p) this.finish(p, fail('timeout', `no netlink reply within ${p.timeoutMs} ms (seq ${p.seq})`, { code: 'ETIMEDOUT' }));
    }, p.timeoutMs);
  }

  private settle(p: Pending, result: NlResult<NetlinkMessage[]>): void {
    this.timers.clear(p.timer);
    p.timer = undefined;
    p.resolve(result);
  }

  private finish(p: Pending, result: NlResult<NetlinkMessage[]>): void {
    if (this.current !== p) return;
    this.current = null;
    this.settle(p, result);
    this.pump();
  }

  private onDatagram(datagram: Uint8Array): void {
    if (this.closed) return;
    this.stats.datagrams++;
    const p = this.current;
    // The fast path first (a dump's plain entries, decoded natively), then the rest of
    // the datagram message by message.
    let taken = 0;
    if (p?.fastPath && p.replies.length === 0) {
      taken = p.fastPath.take(datagram, 0, p.seq);
      if (taken > 0 && p.fastPath.count() > this.maxMessages) {
        this.finish(p, fail('limit', `more than ${this.maxMessages} reply messages`, { code: 'E2BIG' }));
        return;
      }
    }
    const rest = taken > 0 ? datagram.subarray(taken) : datagram;
    const split = splitMessages(rest);
    if (!split.ok) {
      this.stats.decodeErrors++;
      // If it claims to answer the request in flight, that request cannot complete.
      if (p && rest.length >= NLMSG_HDRLEN) {
        const seq = new DataView(rest.buffer, rest.byteOffset, rest.byteLength).getUint32(8, HOST_LITTLE_ENDIAN);
        if (seq === p.seq) this.finish(p, split);
      }
      return;
    }
    // The request's timeout restarts with every datagram that answers it (once per
    // datagram, not per message: a timer costs more than decoding an entry on quickjs).
    let answered = taken > 0;
    for (const message of split.value) answered = this.route(message) || answered;
    if (answered && p && this.current === p) this.armTimer(p);
  }

  /** Delivers one message; true when it belonged to the request in flight. */
  private route(message: NetlinkMessage): boolean {
    const p = this.current;
    if (!p || message.seq !== p.seq) {
      // Notifications carry seq 0 (and usually pid 0); anything else with a seq we
      // are not waiting for is a late reply to a request that already finished.
      if (message.seq === 0 || message.pid !== this.socket.portId) {
        this.stats.events++;
        for (const listener of this.eventListeners) listener(message);
      } else {
        this.stats.staleMessages++;
      }
      return false;
    }
    this.routeToCurrent(p, message);
    return true;
  }

  private routeToCurrent(p: Pending, message: NetlinkMessage): void {
    switch (message.type) {
      case NLMSG_NOOP:
        return;
      case NLMSG_OVERRUN:
        this.finish(p, fail('socket', 'netlink overrun: data lost', { code: 'EOVERRUN' }));
        return;
      case NLMSG_ERROR: {
        const decoded = decodeErrorMessage(message);
        if (!decoded.ok) {
          this.finish(p, decoded);
          return;
        }
        const { errno, extack } = decoded.value;
        if (errno === 0) {
          this.finish(p, ok(p.replies));
          return;
        }
        this.finish(p, kernelError(errno, extack));
        return;
      }
      case NLMSG_DONE: {
        const decoded = decodeDoneMessage(message);
        if (!decoded.ok) {
          this.finish(p, decoded);
          return;
        }
        if (decoded.value.errno) {
          this.finish(p, kernelError(decoded.value.errno, decoded.value.extack));
          return;
        }
        if (p.kind === 'dump' && (p.interrupted || message.flags & NLM_F_DUMP_INTR)) {
          if (p.attempts > this.dumpRetries) {
            this.finish(p, fail('interrupted', `dump still inconsistent (NLM_F_DUMP_INTR) after ${p.attempts} attempts`, { code: 'EINTR' }));
            return;
          }
          this.stats.dumpRetries++;
          this.send(p);
          return;
        }
        this.finish(p, ok(p.replies));
        return;
      }
      default:
        if (message.flags & NLM_F_DUMP_INTR) p.interrupted = true;
        if (p.replies.length + (p.fastPath?.count() ?? 0) >= this.maxMessages) {
          this.finish(p, fail('limit', `more than ${this.maxMessages} reply messages`, { code: 'E2BIG' }));
          return;
        }
        p.replies.push(message);
    }
  }

  private onSocketError(error: HostError): void {
    if (this.closed) return;
    const netlinkError: NetlinkError = { kind: 'socket', message: error.message, errno: error.errno, code: error.code };
    // ENOBUFS: the kernel dropped messages for us; EMSGSIZE: the host dropped a
    // datagram larger than its buffer. Either way something was lost.
    if (error.code === 'ENOBUFS' || error.code === 'EMSGSIZE') {
      this.stats.enobufs++;
      for (const listener of this.resyncListeners) listener(netlinkError);
      // A dump can simply be repeated; a 'do' may have taken effect, so the caller decides.
      const p = this.current;
      if (p?.kind === 'dump' && p.attempts <= this.dumpRetries) {
        this.stats.dumpRetries++;
        this.send(p);
        return;
      }
    }
    if (this.current) this.finish(this.current, { ok: false, error: netlinkError });
  }
}

export function kernelError(errno: number, extack?: NetlinkError['extack']): { ok: false; error: NetlinkError } {
  const code = errnoName(errno);
  const detail = extack?.message ? `: ${extack.message}` : '';
  return fail('kernel', `${errnoText(errno)} (${code})${detail}`, { errno, code, ...(extack ? { extack } : {}) });
}

function socketFailure(e: unknown): { ok: false; error: NetlinkError } {
  const err = e as Partial<HostError> | undefined;
  const message = typeof err?.message === 'string' ? err.message : String(e);
  return fail('socket', `netlink send failed: ${message}`, {
    ...(typeof err?.errno === 'number' ? { errno: err.errno } : {}),
    ...(typeof err?.code === 'string' ? { code: err.code } : {}),
  });
}
