// The link-flapping detector's statistics, simulated: probes every 200 ms through a link
// whose loss follows a schedule, judged by the agent's own ProbeReception and LinkQuality
// (seeded generator, so the numbers in docs/healing.md reproduce):
//
//   npx esbuild tests/lab/analysis/linkprobe-simulation.ts --bundle --platform=node \
//     --outfile=build/linkprobe-simulation.cjs --log-level=error && node build/linkprobe-simulation.cjs
import { LinkQuality, QUALITY_DEFAULTS } from '../../../runtime/src/linkprobe/quality.js';
import { ProbeReception } from '../../../runtime/src/linkprobe/reception.js';
import { countSince } from '../../../runtime/src/loop/monitor.js';
import { prng as rng } from '../../support/prng.js';


/** Probes through a link losing `loss(t)`; returns the quality and when it first had two episodes. */
function run(loss: (t: number) => number, until: number, seed: number, interval = 200) {
  const random = rng(seed);
  const r = new ProbeReception(0, 1000);
  const q = new LinkQuality(QUALITY_DEFAULTS);
  let seq = 0;
  let second: number | null = null;
  for (let at = 0; at < until; at += interval) {
    seq++;
    // Up to 30 ms of timer jitter on the sender.
    if (random() >= loss(at)) for (const b of r.record({ intervalMs: interval, session: 1, seq }, at + random() * 30)) q.observe(b);
    if (second === null && countSince(q.episodes, 0) >= 2) second = at;
  }
  for (const b of r.close(until)) q.observe(b);
  return { q, second };
}

const start = 60_000;
const toggling = (period: number, extra = 0.4) => (t: number) => (t >= start && Math.floor((t - start) / (period / 2)) % 2 === 0 ? extra : 0);
for (const period of [10_000, 30_000]) {
  const times: number[] = [];
  let missed = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const { second } = run(toggling(period), start + 120_000, seed);
    if (second === null) missed++;
    else times.push((second - start) / 1000);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))];
  console.log(`40 % loss toggled every ${period / 2000} s: flapping after p50 ${at(0.5)} s, p95 ${at(0.95)} s, max ${at(1)} s; missed ${missed}/200`);
}
for (const base of [0, 0.1, 0.2, 0.3]) {
  let lossy = 0;
  let episodes = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const { q } = run(() => base, 30 * 60_000, 1000 + seed);
    lossy += q.lossyBins.length;
    episodes += q.episodes.length;
  }
  console.log(`always ${base * 100} % loss, 40 runs of 30 min: ${lossy} lossy windows, ${episodes} episodes`);
}
let seen = 0;
for (let seed = 1; seed <= 100; seed++) {
  const base = toggling(10_000, 0.4);
  if (run((t) => 1 - 0.8 * (1 - base(t)), start + 60_000, seed).second !== null) seen++;
}
console.log(`a 20 % link with 40 % more loss toggled every 5 s: flapping within 60 s in ${seen}/100 runs`);
