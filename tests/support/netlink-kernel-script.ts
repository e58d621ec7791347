/**
 * Test support (not used by the agent): manual timers, a scripted NetlinkSocket that
 * replays kernel byte sequences, and builders for kernel-side control messages.
 */
import { HostError, type NetlinkSocket, type TimerHandle, type Timers } from '../../runtime/src/host/types.js';
import { HOST_LITTLE_ENDIAN } from '../../runtime/src/netlink/bytes.js';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS } from '../../runtime/src/netlink/constants.js';
import { decodeHeader, type NetlinkHeader } from '../../runtime/src/netlink/message.js';
import { MessageWriter, stampMessage } from '../../runtime/src/netlink/writer.js';

/** Timers driven by `advance(ms)`. */
export class ManualTimers implements Timers {
  now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void; every: number }>();

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.pending.set(id, { at: this.now + ms, fn, every: 0 });
    return id as unknown as TimerHandle;
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.pending.set(id, { at: this.now + ms, fn, every: Math.max(1, ms) });
    return id as unknown as TimerHandle;
  }
  clear(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.pending.delete(handle as unknown as number);
  }
  get active(): number {
    return this.pending.size;
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let nextId = -1;
      let nextAt = Number.POSITIVE_INFINITY;
      for (const [id, t] of this.pending) if (t.at <= end && t.at < nextAt) [nextId, nextAt] = [id, t.at];
      if (nextId < 0) break;
      const t = this.pending.get(nextId) as { at: number; fn: () => void; every: number };
      this.now = t.at;
      if (t.every) t.at += t.every;
      else this.pending.delete(nextId);
      t.fn();
    }
    this.now = end;
  }
}

/** A NetlinkSocket whose kernel side is a test script. */
export class ScriptedSocket implements NetlinkSocket {
  readonly sent: Uint8Array[] = [];
  readonly groups = new Set<number>();
  closed = false;
  private messageCb: (d: Uint8Array) => void = () => {};
  private errorCb: (e: HostError) => void = () => {};

  /** `kernel` sees each request and answers through `deliver`. */
  constructor(
    public kernel: (request: Uint8Array, header: NetlinkHeader, socket: ScriptedSocket) => void = () => {},
    readonly portId = 4242,
  ) {}

  send(message: Uint8Array): void {
    this.sent.push(message.slice());
    const h = decodeHeader(message);
    if (!h.ok) throw new Error('test kernel: unparseable request');
    this.kernel(message, h.value, this);
  }
  onMessage(cb: (datagram: Uint8Array) => void): void {
    this.messageCb = cb;
  }
  onError(cb: (error: HostError) => void): void {
    this.errorCb = cb;
  }
  joinGroup(group: number): void {
    this.groups.add(group);
  }
  leaveGroup(group: number): void {
    this.groups.delete(group);
  }
  close(): void {
    this.closed = true;
  }
  deliver(datagram: Uint8Array): void {
    this.messageCb(datagram);
  }
  fail(code: string, errno: number): void {
    this.errorCb(new HostError(`recvmsg: ${code}`, code, errno));
  }
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Finish a writer as a kernel reply to (seq, pid). */
export function reply(w: MessageWriter, seq: number, pid: number, flags = 0): Uint8Array {
  const bytes = w.finish();
  stampMessage(bytes, flags, seq, pid);
  return bytes;
}

/** NLMSG_DONE with a status (0 or negative errno). */
export function doneMessage(seq: number, pid: number, status = 0, flags = NLM_F_MULTI): Uint8Array {
  return reply(new MessageWriter(NLMSG_DONE).s32(status), seq, pid, flags);
}

export interface AckOptions {
  /** Echo the request's payload (the kernel does for errors unless NETLINK_CAP_ACK). */
  echo?: boolean;
  message?: string;
  offset?: number;
}

/** NLMSG_ERROR answering `request` with `errno` (0 = ACK), like netlink_ack(). */
export function ackMessage(request: Uint8Array, errno: number, pid: number, options: AckOptions = {}): Uint8Array {
  const h = decodeHeader(request);
  if (!h.ok) throw new Error('ackMessage: bad request');
  const echo = errno !== 0 && options.echo !== false;
  const hasTlvs = options.message !== undefined || options.offset !== undefined;
  const w = new MessageWriter(NLMSG_ERROR).s32(-errno);
  w.bytes(echo ? request.subarray(0, h.value.length) : request.subarray(0, 16)).pad();
  if (options.message !== undefined) w.attrString(NLMSGERR_ATTR_MSG, options.message);
  if (options.offset !== undefined) w.attrU32(NLMSGERR_ATTR_OFFS, options.offset);
  const flags = (echo ? 0 : NLM_F_CAPPED) | (hasTlvs ? NLM_F_ACK_TLVS : 0);
  return reply(w, h.value.seq, pid, flags);
}

/** Host-order u16/u32 bytes, for hand-made fixtures that must hold on either byte order. */
export function u16h(v: number): number[] {
  return HOST_LITTLE_ENDIAN ? [v & 255, v >> 8] : [v >> 8, v & 255];
}
export function u32h(v: number): number[] {
  const b = [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  return HOST_LITTLE_ENDIAN ? b.reverse() : b;
}

/** Deterministic PRNG (mulberry32) for fuzz tests. */
export { prng } from './prng.js';
