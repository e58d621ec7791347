/**
 * The link prober: one packet socket per hard interface of the mesh, a probe broadcast on
 * each every interval, and for every sender heard on an interface (a link: interface +
 * neighbour MAC, the same key the monitor uses) its reception bins and quality.
 *
 * It runs beside the loop: probes go out on their own timer (evenly spaced, whatever a
 * cycle costs), frames come in from the host's event loop, and `tick` (once per cycle)
 * reads what is queued and judges the seconds that are due.
 */
import type { PacketSocket } from '../host/types.js';
import { linkKey } from '../loop/monitor.js';
import { ProbeDelay } from './delay.js';
import { BROADCAST_MAC, decodeProbe, encodeProbe, PROBE_ETHERTYPE } from './frame.js';
import { LinkQuality, type QualityParams } from './quality.js';
import { type ProbeBin, ProbeReception, STALL_MS } from './reception.js';

export interface ProbeTransport {
  /** A socket for our ethertype on this interface, or an error (no permission, no such interface). */
  open(ifindex: number, ethertype: number): { ok: true; socket: PacketSocket } | { ok: false; error: string };
  monoMs(): number;
  /** Wall clock (ms): the kernel stamps frames with it. */
  wallMs(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  random32(): number;
}

export interface ProberSettings {
  /** 0 = off. */
  intervalMs: number;
  /** How the links are judged (its windowSlots: seconds per sliding window). */
  quality: QualityParams;
  /** A sender not heard for this long is forgotten. */
  forgetMs: number;
}

export interface ProbedInterface {
  ifname: string;
  ifindex: number;
  /** Up with carrier: probes are sent only then. */
  up: boolean;
}

export interface ProbeLink {
  key: string;
  ifname: string;
  neighbor: string;
  reception: ProbeReception;
  quality: LinkQuality;
  /** How much later than the link's fastest its timed probes arrive now (delay.ts). */
  delay: ProbeDelay;
}

const MAX_LINKS = 256;
/** Reception is counted per second; the quality judges a sliding window of such slots. */
export const PROBE_SLOT_MS = 1000;


interface Port {
  ifname: string;
  socket: PacketSocket;
  up: boolean;
}

export class LinkProber {
  readonly links = new Map<string, ProbeLink>();
  private readonly ports = new Map<number, Port>();
  private readonly session: number;
  private seq = 0;
  private timer: unknown = null;
  private timerMs = 0;
  /** The last open failure per interface, reported once. */
  readonly problems = new Map<string, string>();
  sent = 0;
  sendFailures = 0;
  frameErrors = 0;

  constructor(
    private readonly transport: ProbeTransport,
    private settings: ProberSettings,
  ) {
    this.session = transport.random32() >>> 0;
  }

  get enabled(): boolean {
    return this.settings.intervalMs > 0;
  }

  configure(settings: ProberSettings): void {
    const windowChanged = settings.quality.windowSlots !== this.settings.quality.windowSlots;
    this.settings = settings;
    for (const l of this.links.values()) l.quality.setParams(settings.quality);
    // Verdicts over windows of another length are not comparable: start the links afresh.
    if (windowChanged) this.links.clear();
    if (!this.enabled) this.stop();
  }

  /**
   * Follow the mesh's hard interfaces: open sockets for new ones, close those gone.
   * Returns the interfaces that could not be opened and were not failing before.
   */
  sync(interfaces: readonly ProbedInterface[]): [string, string][] {
    const failed: [string, string][] = [];
    if (!this.enabled) return failed;
    const wanted = new Set<number>();
    for (const i of interfaces) {
      wanted.add(i.ifindex);
      const port = this.ports.get(i.ifindex);
      if (port) {
        port.up = i.up;
        continue;
      }
      const r = this.transport.open(i.ifindex, PROBE_ETHERTYPE);
      if (!r.ok) {
        if (this.problems.get(i.ifname) !== r.error) failed.push([i.ifname, r.error]);
        this.problems.set(i.ifname, r.error);
        continue;
      }
      this.problems.delete(i.ifname);
      const p: Port = { ifname: i.ifname, socket: r.socket, up: i.up };
      r.socket.onMessage((data, from, wallMs) => this.receive(p, data, from, wallMs));
      // A socket that failed stopped reading: drop it, and the next sync opens a new one.
      r.socket.onError(() => {
        r.socket.close();
        if (this.ports.get(i.ifindex) === p) this.ports.delete(i.ifindex);
      });
      this.ports.set(i.ifindex, p);
    }
    for (const [ifindex, port] of this.ports) {
      if (wanted.has(ifindex)) continue;
      port.socket.close();
      this.ports.delete(ifindex);
    }
    if (this.timer === null || this.timerMs !== this.settings.intervalMs) {
      if (this.timer !== null) this.transport.clearInterval(this.timer);
      this.timerMs = this.settings.intervalMs;
      this.timer = this.transport.setInterval(() => this.send(), this.timerMs);
    }
    return failed;
  }

  /**
   * Close due slots and judge them; forget senders silent for long. Frames still queued
   * in the kernel are read first, each counted in the slot of its kernel timestamp: an
   * agent busy for a second (a slow cycle) must not count its own delay as the
   * neighbours' loss (in the lab one node opened link-flapping on all four of its links
   * at once that way). After a longer gap (the agent or the whole machine stalled) the
   * missed slots are not judged at all. `heardOtherwise(key)`: whether batman-adv hears
   * that neighbour now (its OGMs arrive), so that a silent sender is a stopped agent, not
   * a dead link.
   */
  tick(heardOtherwise: (key: string) => boolean = () => false): void {
    for (const p of this.ports.values()) p.socket.drain();
    const now = this.transport.monoMs();
    for (const [key, l] of this.links) {
      if (now - l.reception.lastHeardMono > this.settings.forgetMs) {
        this.links.delete(key);
        continue;
      }
      this.judge(l, l.reception.close(now, STALL_MS, heardOtherwise(key)));
    }
  }

  private judge(l: ProbeLink, bins: ProbeBin[]): void {
    if (l.reception.takeSkipped()) l.quality.restartWindow();
    for (const bin of bins) l.quality.observe(bin);
  }

  stop(): void {
    if (this.timer !== null) this.transport.clearInterval(this.timer);
    this.timer = null;
    for (const p of this.ports.values()) p.socket.close();
    this.ports.clear();
    this.links.clear();
  }

  private send(): void {
    this.seq = (this.seq + 1) >>> 0;
    // Stamped as late as possible: the timer may fire late, the stamp says when it went.
    const frame = encodeProbe({ intervalMs: this.settings.intervalMs, session: this.session, seq: this.seq, sentMs: this.transport.monoMs() });
    for (const p of this.ports.values()) {
      if (!p.up) continue;
      try {
        if (p.socket.send(frame, BROADCAST_MAC)) this.sent++;
        else this.sendFailures++;
      } catch {
        // ENETDOWN while an interface restarts, and the like: the next probe tries again.
        this.sendFailures++;
      }
    }
  }

  private receive(port: Port, data: Uint8Array, from: string, wallMs: number): void {
    const f = decodeProbe(data);
    if (!f.ok) {
      this.frameErrors++;
      return;
    }
    if (f.value.session === this.session) return; // our own, looped back
    const key = linkKey(port.ifname, from);
    const mono = this.transport.monoMs();
    // When the kernel received it, on our monotonic clock (never in the future).
    const now = mono - Math.max(0, Math.min(STALL_MS, this.transport.wallMs() - wallMs));
    let l = this.links.get(key);
    if (!l) {
      if (this.links.size >= MAX_LINKS) return;
      l = { key, ifname: port.ifname, neighbor: from, reception: new ProbeReception(now, PROBE_SLOT_MS), quality: new LinkQuality(this.settings.quality), delay: new ProbeDelay() };
      this.links.set(key, l);
    }
    if (f.value.sentMs !== undefined) l.delay.record(f.value.session, f.value.sentMs, now);
    this.judge(l, l.reception.record(f.value, now));
  }
}
