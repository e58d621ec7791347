/**
 * Test support: a netlink socket that replays answers recorded from another socket.
 * Benchmarks use it to time the client's own work (framing, decoding, parsing) without
 * the cost of the scripted kernel that produced the answers. Each request gets the
 * datagrams recorded for the request at the same position, with their sequence numbers
 * and port ids rewritten to the new request's.
 */
import type { HostError, NetlinkSocket } from '../../runtime/src/host/types.js';
import { HOST_LITTLE_ENDIAN } from '../../runtime/src/netlink/bytes.js';
import { decodeHeader } from '../../runtime/src/netlink/message.js';
import type { ScriptedSocket } from './netlink-kernel-script.js';

/** Wraps `inner` and keeps, per request, the datagrams it answered with. */
export function recordAnswers(inner: ScriptedSocket): { socket: ScriptedSocket; answers: Uint8Array[][] } {
  const answers: Uint8Array[][] = [];
  const kernel = inner.kernel;
  inner.kernel = (request, header, s) => {
    answers.push([]);
    const deliver = s.deliver.bind(s);
    s.deliver = (d: Uint8Array) => {
      answers.at(-1)?.push(d.slice());
      deliver(d);
    };
    kernel(request, header, s);
    s.deliver = deliver;
  };
  return { socket: inner, answers };
}

export class ReplaySocket implements NetlinkSocket {
  readonly portId: number;
  private next = 0;
  /** Requests answered so far. */
  sent = 0;
  private messageCb: (d: Uint8Array) => void = () => {};
  constructor(
    private readonly answers: Uint8Array[][],
    portId = 4242,
  ) {
    this.portId = portId;
  }
  /** Starts the recorded conversation again from request `at` (0: the first). */
  rewind(at = 0): void {
    this.next = at;
  }
  send(message: Uint8Array): void {
    const h = decodeHeader(message);
    if (!h.ok) throw new Error('replay: unparseable request');
    this.sent++;
    const recorded = this.answers[this.next++ % this.answers.length] ?? [];
    for (const d of recorded) {
      const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
      for (let off = 0; off + 16 <= d.length; ) {
        const len = view.getUint32(off, HOST_LITTLE_ENDIAN);
        view.setUint32(off + 8, h.value.seq, HOST_LITTLE_ENDIAN);
        view.setUint32(off + 12, this.portId, HOST_LITTLE_ENDIAN);
        off += (len + 3) & ~3;
        if (len < 16) break;
      }
      this.messageCb(d);
    }
  }
  onMessage(cb: (datagram: Uint8Array) => void): void {
    this.messageCb = cb;
  }
  onError(_cb: (error: HostError) => void): void {}
  joinGroup(_group: number): void {}
  leaveGroup(_group: number): void {}
  close(): void {}
}
