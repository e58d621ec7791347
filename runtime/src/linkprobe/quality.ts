/**
 * Judging a link by its probe bins against its own normal loss.
 *
 * The reception closes one-second slots; every slot, the last `windowSlots` of them are
 * judged together as one bin (a sliding window: a fault that toggles every few seconds
 * still leaves windows wholly inside its clean and its lossy phases, where fixed bins
 * would mostly straddle both). Every bin is classified: `lossy` when it lost significantly more than the link's normal
 * (a binomial upper tail below `significance` AND at least `effect` more loss than
 * normal), `clean` when it lost little more than normal, `neutral` in between, and
 * `unknown` while too few probes were due (warm-up, a sender that just appeared). The
 * normal loss is an EWMA of the bins that were not lossy, so a link that always loses
 * 20 % is its own normal and never alarms (the lab's Freifunk subgraphs have such links),
 * while a fault does not become normal: for `freezeMs` after a lossy window the normal
 * does not learn at all. Without that, a link flapping for minutes taught its normal the
 * windows that straddle a toggle (neutral, half lossy): in the lab the normal crept up
 * until no window was lossy, the incident closed and the penalty was restored while the
 * link still flapped.
 *
 * A window is judged against the normal from before its first slot: the windows that
 * share slots with it have taught the normal meanwhile, and at a fault's onset those are
 * the fault's first seconds (neutral windows, a few probes lost). Judged against the
 * normal they had just raised, the first window that lost 5 of 20 was not significant
 * and a toggle went unseen (tests/lab/analysis/linkprobe-simulation.ts: 0.96 % of ends
 * saw a 5 s toggle later than 30 s, 0.56 % now).
 *
 * An *episode* starts when a lossy bin follows a clean one. A link whose quality toggles
 * has episode after episode; a link that fails once and stays bad or comes back has one.
 * The flapping detector counts episodes in its window.
 */
import { NumberRing } from '../loop/ring.js';
import type { ProbeBin } from './reception.js';

export interface QualityParams {
  /** Upper-tail probability below which a bin's loss is not chance (e.g. 1e-4). */
  significance: number;
  /** A lossy bin lost at least this fraction more than normal (e.g. 0.15). */
  effect: number;
  /** The normal loss is never assumed below this (a perfect link would make any loss significant). */
  floor: number;
  /** Bins that only teach the normal loss before any is judged. */
  warmupBins: number;
  /** Bins with fewer due probes are not judged. */
  minExpected: number;
  /** EWMA weight of one bin in the normal loss (per window; each slot adds 1/windowSlots of it). */
  normalAlpha: number;
  /** Slots (one second each) judged together. */
  windowSlots: number;
  /** The normal loss does not learn for this long after a lossy window. */
  freezeMs: number;
}

export const QUALITY_DEFAULTS: QualityParams = {
  significance: 1e-4,
  effect: 0.15,
  floor: 0.02,
  warmupBins: 20,
  minExpected: 8,
  normalAlpha: 0.05,
  windowSlots: 4,
  freezeMs: 60_000,
};

export type BinClass = 'lossy' | 'clean' | 'neutral' | 'unknown';

/** P(X >= k) for X ~ Binomial(n, p), by summing the lower terms (n is at most a few hundred). */
export function binomialUpperTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  // Terms from i = 0 upward with the ratio recurrence; the sum of the lower tail.
  let term = (1 - p) ** n;
  let lower = 0;
  for (let i = 0; i < k; i++) {
    lower += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return Math.max(0, 1 - lower);
}

export interface JudgedBin extends ProbeBin {
  lossPercent: number;
  verdict: BinClass;
}

const BINS_KEPT = 32;
const EPISODES_KEPT = 16;

export class LinkQuality {
  /** The link's normal loss (0..1). */
  normalLoss: number;
  private judged = 0;
  private lastLossyMono = Number.NEGATIVE_INFINITY;
  private state: 'clean' | 'lossy' | null = null;
  /**
   * The normal loss before each of the latest windowSlots - 1 judgements, oldest first: a
   * window is judged against the normal from before its first slot, which no window
   * sharing a slot with it has taught yet.
   */
  private readonly normalBefore: number[] = [];
  /** Monotonic ms at which each episode started. */
  readonly episodes = new NumberRing(EPISODES_KEPT);
  /** Monotonic ms of each lossy bin's end. */
  readonly lossyBins = new NumberRing(EPISODES_KEPT * 4);
  /** Monotonic ms of the end of the latest judged window in which nothing arrived (the link was dead). */
  lastDeadMono = Number.NEGATIVE_INFINITY;
  /** The latest bins, oldest first (evidence). */
  readonly recent: JudgedBin[] = [];

  constructor(private params: QualityParams = QUALITY_DEFAULTS) {
    this.normalLoss = params.floor;
  }

  setParams(p: QualityParams): void {
    this.params = p;
  }

  get warm(): boolean {
    return this.judged >= this.params.warmupBins;
  }

  get lossy(): boolean {
    return this.state === 'lossy';
  }

  private readonly slots: ProbeBin[] = [];

  /** After a gap in the slots: the next window starts afresh. */
  restartWindow(): void {
    this.slots.length = 0;
  }

  /** One closed slot; judges the window that ends with it once the window is full. */
  observe(slot: ProbeBin): BinClass {
    this.slots.push(slot);
    while (this.slots.length > this.params.windowSlots) this.slots.shift();
    if (this.slots.length < this.params.windowSlots) return 'unknown';
    let expected = 0;
    let received = 0;
    for (const s of this.slots) {
      expected += s.expected;
      received += s.received;
    }
    return this.judge({ endMono: slot.endMono, expected, received });
  }

  private judge(bin: ProbeBin): BinClass {
    const p = this.params;
    const alpha = p.normalAlpha / p.windowSlots;
    const n = bin.expected;
    const lost = Math.max(0, n - bin.received);
    const loss = n > 0 ? lost / n : 0;
    let verdict: BinClass = 'unknown';
    if (n >= p.minExpected) {
      if (this.judged < p.warmupBins) {
        // Warm-up: the mean loss so far, then the EWMA takes over.
        this.normalLoss = Math.max(p.floor, (this.normalLoss * this.judged + loss) / (this.judged + 1));
        this.judged++;
      } else {
        this.normalBefore.push(this.normalLoss);
        while (this.normalBefore.length > Math.max(1, p.windowSlots - 1)) this.normalBefore.shift();
        const normal = Math.max(p.floor, this.normalBefore[0] as number);
        if (loss >= normal + p.effect && binomialUpperTail(n, lost, normal) < p.significance) verdict = 'lossy';
        else if (loss <= normal + p.effect / 2) verdict = 'clean';
        else verdict = 'neutral';
        if (verdict === 'lossy') this.lastLossyMono = bin.endMono;
        if (bin.received === 0) this.lastDeadMono = bin.endMono;
        else if (bin.endMono - this.lastLossyMono >= p.freezeMs) this.normalLoss = Math.max(p.floor, this.normalLoss + alpha * (loss - this.normalLoss));
        this.judged++;
        if (verdict === 'lossy') {
          this.lossyBins.push(bin.endMono);
          if (this.state === 'clean') this.episodes.push(bin.endMono);
          this.state = 'lossy';
        } else if (verdict === 'clean') {
          this.state = 'clean';
        }
      }
    }
    this.recent.push({ ...bin, lossPercent: Math.round(loss * 1000) / 10, verdict });
    if (this.recent.length > BINS_KEPT) this.recent.shift();
    return verdict;
  }
}
