/**
 * How much later than usual a neighbour's probes arrive: a one-way delay measure that
 * needs no synchronised clocks. Each timed probe (frame.ts, send time) gives
 * arrival − send = the one-way delay + the offset between the two routers' monotonic
 * clocks. The offset is unknown but steady, so the lowest value seen is the link's
 * fastest delivery (the baseline), and how far the probes of the last moments lie above
 * it is delay that was added: queues, retries, an overloaded link, netem in the lab.
 *
 * - The baseline is the lowest value seen, allowed to rise by at most BASELINE_RISE_MS_PER_S:
 *   two routers' crystals drift apart by up to ~100 ppm (0.1 ms a second); a baseline that
 *   could only fall would count a slower clock on the sender as growing delay.
 * - The excess is the lowest value among the probes of the last DELAY_WINDOW_MS minus
 *   the baseline, so one late probe (the receiver busy for a moment, a retry) counts for
 *   nothing; a delay that every probe carries shows in full. Fewer than
 *   DELAY_MIN_PROBES timed probes in the window: no measure (a silent link is the silence
 *   test's, not this one's).
 * - A new sender session (its agent restarted, perhaps its router: a new clock) starts
 *   afresh.
 */

/** The probes whose lowest delay is the current measure. */
export const DELAY_WINDOW_MS = 2000;
/** Fewer timed probes than this in the window give no measure. */
export const DELAY_MIN_PROBES = 3;
/** How fast the baseline may rise (ms per second): two clocks drifting apart by 100 ppm. */
export const BASELINE_RISE_MS_PER_S = 0.1;
/** Probes kept (the newest): at the default 200 ms interval the window holds 10. */
const KEPT = 32;

export class ProbeDelay {
  private session = -1;
  /** arrival − send of the session's first timed probe (u32 ms): the others are kept relative to it. */
  private origin = 0;
  /** The baseline (relative ms) and when it was last lowered. */
  private baseline = Number.NaN;
  private baselineMono = 0;
  private readonly arrivals = new Float64Array(KEPT);
  private readonly offsets = new Float64Array(KEPT);
  private count = 0;
  private next = 0;

  /** A timed probe of sender session `session`, sent at `sentMs` (its u32 ms), arrived at `arrivalMono` (ours). */
  record(session: number, sentMs: number, arrivalMono: number): void {
    if (!Number.isFinite(arrivalMono)) return;
    const offset = ((Math.floor(arrivalMono) % 0x1_0000_0000) - sentMs) >>> 0;
    if (session !== this.session) {
      this.session = session;
      this.origin = offset;
      this.baseline = Number.NaN;
      this.count = 0;
      this.next = 0;
    }
    // Signed distance from the session's first probe: wraps of either clock cancel out.
    const rel = (offset - this.origin) | 0;
    if (!(rel >= this.baselineAt(arrivalMono))) {
      this.baseline = rel;
      this.baselineMono = arrivalMono;
    }
    this.arrivals[this.next] = arrivalMono;
    this.offsets[this.next] = rel;
    this.next = (this.next + 1) % KEPT;
    if (this.count < KEPT) this.count++;
  }

  /** The baseline as it stands at `nowMono` (NaN before the first timed probe). */
  private baselineAt(nowMono: number): number {
    return this.baseline + (BASELINE_RISE_MS_PER_S * Math.max(0, nowMono - this.baselineMono)) / 1000;
  }

  /** Ms by which the last DELAY_WINDOW_MS's fastest probe lies above the baseline, or null (too few timed probes). */
  excessMs(nowMono: number): number | null {
    let n = 0;
    let lowest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.count; i++) {
      const at = this.arrivals[i] as number;
      if (at <= nowMono - DELAY_WINDOW_MS || at > nowMono) continue;
      n++;
      lowest = Math.min(lowest, this.offsets[i] as number);
    }
    if (n < DELAY_MIN_PROBES) return null;
    return Math.max(0, lowest - this.baselineAt(nowMono));
  }
}
