// The link-flapping detector's statistics, simulated: probes every 200 ms through a link
// whose loss follows a schedule, judged by the agent's own ProbeReception and LinkQuality
// (seeded generator, so the numbers in docs/healing.md reproduce):
//
//   npx esbuild tests/lab/analysis/linkprobe-simulation.ts --bundle --platform=node \
//     --outfile=build/linkprobe-simulation.cjs --log-level=error && node build/linkprobe-simulation.cjs
//
// As in the lab, the toggles do not line up with the receiver's one-second slots (a
// random offset per run), the sender's timer jitters, and the agent closes slots on its
// own one-second tick.
import { LinkQuality, QUALITY_DEFAULTS } from '../../../runtime/src/linkprobe/quality.js';
import { ProbeReception } from '../../../runtime/src/linkprobe/reception.js';
import { countSince } from '../../../runtime/src/loop/monitor.js';
import { prng as rng } from '../../support/prng.js';

const INTERVAL = 200;

/**
 * Probes through a link losing `loss(t)` until `until` (ms); every agent tick, `tick`
 * sees the quality. Returns the quality and when it first had two episodes.
 */
function run(loss: (t: number) => number, until: number, seed: number, tick?: (t: number, q: LinkQuality) => void) {
  const random = rng(seed);
  const tickOffset = Math.floor(random() * 1000);
  const r = new ProbeReception(tickOffset, 1000);
  const q = new LinkQuality(QUALITY_DEFAULTS);
  let seq = 0;
  let second: number | null = null;
  let nextSend = random() * INTERVAL;
  let nextTick = tickOffset + 1000;
  while (nextTick <= until) {
    if (nextTick <= nextSend) {
      for (const b of r.close(nextTick)) q.observe(b);
      if (second === null && countSince(q.episodes, 0) >= 2) second = nextTick;
      tick?.(nextTick, q);
      nextTick += 1000;
    } else {
      seq++;
      if (random() >= loss(nextSend)) for (const b of r.record({ intervalMs: INTERVAL, session: 1, seq }, nextSend)) q.observe(b);
      // Up to ±15 ms of timer jitter on the sender.
      nextSend += INTERVAL + (random() - 0.5) * 30;
    }
  }
  return { q, second };
}

/** Extra loss toggled on for half of each period from `start` (ms) on, `count` periods. */
const toggling =
  (start: number, period: number, extra: number, count = Number.POSITIVE_INFINITY) =>
  (t: number) =>
    t >= start && t < start + count * period && (t - start) % period < period / 2 ? extra : 0;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

// 1. The lab test's fault: 40 % loss toggled every 5 s, five times, from a random offset.
{
  const N = 4000;
  const ends: number[] = [];
  let firstLate = 0;
  let secondLate = 0;
  let secondLate60 = 0;
  for (let i = 1; i <= N; i++) {
    const start = 60_000 + rng(i)() * 1000;
    const flap = toggling(start, 10_000, 0.4, 5);
    // Both directions see the same toggles and lose independently.
    const [a, b] = [run(flap, start + 90_000, 2 * i), run(flap, start + 90_000, 2 * i + 1)].map((x) => (x.second === null ? Number.POSITIVE_INFINITY : (x.second - start) / 1000));
    ends.push(a as number, b as number);
    const [first, second] = [Math.min(a as number, b as number), Math.max(a as number, b as number)];
    if (first > 30) firstLate++;
    if (second > 30) secondLate++;
    if (second > 60) secondLate60++;
  }
  ends.sort((x, y) => x - y);
  const late = ends.filter((x) => x > 30).length;
  console.log(
    `40 % loss toggled every 5 s (${2 * N} ends): flapping after p50 ${pct(ends, 0.5)?.toFixed(1)} s, p95 ${pct(ends, 0.95)?.toFixed(1)} s, p99 ${pct(ends, 0.99)?.toFixed(1)} s, max ${pct(ends, 1)?.toFixed(1)} s; later than 30 s: ${late} (${((100 * late) / ends.length).toFixed(2)} %)`,
  );
  console.log(`  as link pairs (${N}): first end later than 30 s ${firstLate}; second end later than 30 s ${secondLate} (${((100 * secondLate) / N).toFixed(2)} %), later than 60 s ${secondLate60}`);
}

// 2. Toggled every 15 s: the second episode cannot start before 30 s.
{
  const times: number[] = [];
  let missed = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const { second } = run(toggling(60_000, 30_000, 0.4), 180_000, seed);
    if (second === null) missed++;
    else times.push((second - 60_000) / 1000);
  }
  times.sort((a, b) => a - b);
  console.log(`40 % loss toggled every 15 s: flapping after p50 ${pct(times, 0.5)?.toFixed(1)} s, p95 ${pct(times, 0.95)?.toFixed(1)} s, max ${pct(times, 1)?.toFixed(1)} s; missed ${missed}/200`);
}

// 3. Links that always lose the same: their own normal.
for (const base of [0, 0.1, 0.2, 0.3]) {
  let lossy = 0;
  let episodes = 0;
  let flapping = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const { q } = run(() => base, 30 * 60_000, 1000 + seed, (t, q) => {
      if (countSince(q.episodes, t - 60_000) >= 2) flapping++;
    });
    lossy += q.lossyBins.length;
    episodes += q.episodes.length;
  }
  console.log(`always ${base * 100} % loss, 40 runs of 30 min: ${lossy} lossy windows, ${episodes} episodes, ${flapping} s with two episodes within a minute`);
}

// 4. Extra loss toggling on a link that already loses 20 %.
{
  let seen = 0;
  for (let seed = 1; seed <= 100; seed++) {
    const extra = toggling(60_000, 10_000, 0.4);
    if (run((t) => 1 - 0.8 * (1 - extra(t)), 120_000, seed).second !== null) seen++;
  }
  console.log(`a 20 % link with 40 % more loss toggled every 5 s: flapping within 60 s in ${seen}/100 runs`);
}

// 5. A link whose loss steps up once and stays there: not flapping, but the normal freezes
// after its lossy windows, so chance clean windows make episodes until it learns the step.
for (const to of [0.12, 0.2]) {
  let flapping = 0;
  let runs = 0;
  for (let seed = 1; seed <= 100; seed++) {
    let seconds = 0;
    run((t) => (t < 600_000 ? 0.02 : to), 600_000 + 3_600_000, 3000 + seed, (t, q) => {
      if (t >= 600_000 && countSince(q.episodes, t - 60_000) >= 2) seconds++;
    });
    flapping += seconds;
    if (seconds > 0) runs++;
  }
  console.log(`loss stepping from 2 % to ${to * 100} % and staying: flapping for ${runs}/100 links, ${(flapping / 100 / 60).toFixed(1)} min per link in the hour after the step`);
}
