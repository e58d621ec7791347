/**
 * What one receiver heard of one sender's probes on one interface, in bins of fixed
 * length: how many probes the sender sent in the bin (from its sequence numbers) and how
 * many arrived. Sequence numbers make the count independent of timer jitter on either
 * side; a bin in which nothing arrived is counted from the sender's announced interval
 * (the link, or the sender, is silent) and the sequence base moves on by as much, so the
 * probes lost then are not counted twice when the sender is heard again.
 */
import type { ProbeFrame } from './frame.js';

export interface ProbeBin {
  /** Monotonic ms at the end of the bin. */
  endMono: number;
  expected: number;
  received: number;
}

/** A receiver that did not look for this long stalled. */
export const STALL_MS = 3000;

/**
 * A bin in which nothing arrived is held this long before it counts as lost: if the
 * sender's next probe follows its last one without a gap, the sender sent nothing then
 * (its agent or the whole machine paused; in the lab every node of the VM at once), and
 * the bin says nothing about the link.
 */
export const SILENCE_HOLD_MS = 3000;

/**
 * A neighbour's probes count as stopped after this many probe intervals without one: two
 * lost in a row happen on any lossy link, three seldom. The loop's early cycles
 * (neighbor-lost's, and the anomaly model's) look only at links silent this long.
 */
export const PROBES_STOPPED_INTERVALS = 2.5;

/** A jump larger than this is a sender that restarted without a new session (or garbage). */
const MAX_SEQ_JUMP = 100_000;

/** Signed distance a - b of two 32-bit sequence numbers. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class ProbeReception {
  private session = -1;
  private lastSeq = 0;
  /** The highest sequence number already accounted for in a closed bin (or the session start). */
  private base = 0;
  /** Probes of an earlier session in the current bin. */
  private carried = 0;
  private received = 0;
  private binStart: number;
  intervalMs = 0;
  lastHeardMono: number;
  /** Frames that were neither new nor plausible (duplicates, reordering, jumps). */
  discarded = 0;
  /** When the receiver last looked (a record or a close). */
  private lastActivityMono: number;
  /** Bins were skipped since the last call of takeSkipped(). */
  private skipped = false;
  /** Silent bins not judged yet (SILENCE_HOLD_MS), oldest first: their end and the probes due in them. */
  private silent: { endMono: number; due: number }[] = [];

  constructor(
    nowMono: number,
    private readonly binMs: number,
  ) {
    this.binStart = nowMono;
    this.lastHeardMono = nowMono;
    this.lastActivityMono = nowMono;
  }

  /** Whether bins were skipped (a stall) since the last call. */
  takeSkipped(): boolean {
    const s = this.skipped;
    this.skipped = false;
    return s;
  }

  /**
   * One probe heard at `nowMono`; bins that ended before it are closed first and returned.
   * A probe stamped before the current bin (read late, after its bin was closed) counts in
   * the current one.
   */
  record(f: ProbeFrame, atMono: number): ProbeBin[] {
    const nowMono = Math.max(atMono, this.binStart);
    const closed = this.close(nowMono);
    this.lastHeardMono = nowMono;
    this.intervalMs = f.intervalMs;
    if (f.session !== this.session) {
      // A new sender session (first frame, or the sender's agent restarted): count from here.
      // The silence before it was the restart, not loss.
      if (this.silent.length > 0) closed.push(...this.settleSilence(0));
      if (this.session !== -1) this.carried += Math.max(0, seqDiff(this.lastSeq, this.base));
      this.session = f.session;
      this.base = (f.seq - 1) >>> 0;
      this.lastSeq = f.seq;
      this.received++;
      return closed;
    }
    const d = seqDiff(f.seq, this.lastSeq);
    if (d <= 0) {
      this.discarded++;
      return closed;
    }
    if (this.silent.length > 0) closed.push(...this.settleSilence(Math.min(d - 1, MAX_SEQ_JUMP)));
    if (d > MAX_SEQ_JUMP) {
      this.discarded++;
      this.carried += Math.max(0, seqDiff(this.lastSeq, this.base));
      this.base = (f.seq - 1) >>> 0;
    } else if (seqDiff(f.seq, this.base) <= 0) {
      // The silent bins assumed more probes than the sender sent: start again from here.
      this.base = (f.seq - 1) >>> 0;
    }
    this.lastSeq = f.seq;
    this.received++;
    return closed;
  }

  /**
   * Forget the bins up to `nowMono` without judging them (the receiver stalled: its
   * silence says nothing about the link); counting goes on from the latest probe.
   */
  skipTo(nowMono: number): void {
    this.skipped = true;
    this.silent = [];
    this.lastActivityMono = nowMono;
    this.binStart = nowMono;
    this.base = this.lastSeq;
    this.received = 0;
    this.carried = 0;
  }

  /**
   * Close every bin that ended by `nowMono`. A receiver that did not look for longer than
   * `stallMs` (neither closing nor recording: its agent, or the whole machine, stopped)
   * skips the bins it missed: their silence says nothing about the link.
   */
  close(nowMono: number, stallMs = STALL_MS, senderHeard = false): ProbeBin[] {
    const out: ProbeBin[] = [];
    if (nowMono - this.lastActivityMono > stallMs) {
      this.skipTo(nowMono);
      return out;
    }
    this.lastActivityMono = Math.max(this.lastActivityMono, nowMono);
    const perBin = this.intervalMs > 0 ? Math.round(this.binMs / this.intervalMs) : 0;
    while (nowMono - this.binStart >= this.binMs) {
      let expected: number;
      if (this.received === 0 && this.carried === 0 && (this.silent.length > 0 || perBin > 0)) {
        // Nothing arrived: held until the sender's next probe says whether it sent any.
        this.binStart += this.binMs;
        this.silent.push({ endMono: this.binStart, due: perBin });
        continue;
      }
      if (this.received === 0) {
        expected = this.carried + perBin;
        this.base = (this.base + perBin) >>> 0;
      } else {
        expected = this.carried + Math.max(0, seqDiff(this.lastSeq, this.base));
        this.base = this.lastSeq;
      }
      // Bounded: a burst after a long silence is judged by what one bin can hold.
      expected = Math.min(Math.max(expected, this.received), perBin > 0 ? 4 * perBin : expected);
      this.binStart += this.binMs;
      out.push({ endMono: this.binStart, expected, received: this.received });
      this.received = 0;
      this.carried = 0;
    }
    // Silent for longer than the hold: the link (or the sender) is gone; those bins lost
    // everything that was due in them. Unless the sender is heard otherwise (batman-adv's
    // OGMs from it keep coming): then its agent stopped sending (killed, restarting), the
    // link is fine, and the bins are not judged. In the lab's chaos a neighbour's agent
    // killed for 3 s and its node crashing 6 s later were two loss episodes: link-flapping.
    const first = this.silent[0];
    if (first && nowMono - (first.endMono - this.binMs) >= SILENCE_HOLD_MS) {
      for (const b of this.silent) {
        if (!senderHeard) out.push({ endMono: b.endMono, expected: b.due, received: 0 });
        this.base = (this.base + b.due) >>> 0;
      }
      if (senderHeard) this.skipped = true;
      this.silent = [];
    }
    return out;
  }

  /**
   * The sender's next probe came after `missed` probes we never saw: the held silent bins
   * lost those (as many as each could hold, oldest first); a sender that sent nothing
   * meanwhile (missed 0) leaves them with nothing due: not judged.
   */
  private settleSilence(missed: number): ProbeBin[] {
    const out: ProbeBin[] = [];
    let left = Math.max(0, missed);
    for (const b of this.silent) {
      const due = Math.min(b.due, left);
      left -= due;
      out.push({ endMono: b.endMono, expected: due, received: 0 });
      this.base = (this.base + due) >>> 0;
    }
    this.silent = [];
    return out;
  }
}
