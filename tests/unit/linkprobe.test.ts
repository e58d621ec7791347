import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import type { HostError, PacketSocket } from '../../runtime/src/host/types.js';
import { ProbeDelay } from '../../runtime/src/linkprobe/delay.js';
import { decodeProbe, encodeProbe, PROBE_ETHERTYPE } from '../../runtime/src/linkprobe/frame.js';
import { LinkProber, type ProberSettings, type ProbeTransport } from '../../runtime/src/linkprobe/prober.js';
import { binomialUpperTail, LinkQuality, QUALITY_DEFAULTS } from '../../runtime/src/linkprobe/quality.js';
import { type ProbeBin, ProbeReception } from '../../runtime/src/linkprobe/reception.js';
import type { LinkScorer } from '../../runtime/src/loop/detector.js';
import { countSince } from '../../runtime/src/loop/monitor.js';
import { LOOP_DEFAULTS } from '../../runtime/src/loop/settings.js';
import { createAgentMetrics } from '../../runtime/src/metrics/agent-metrics.js';
import { prng as rng } from '../support/prng.js';
import { loopHarness, twoInterfaceMesh } from './loop-fixtures.test.js';

const t = suite('link probes: frame, reception bins, quality, prober');


t('frame: round trip, Ethernet padding ignored, bad frames are errors', () => {
  const b = encodeProbe({ intervalMs: 250, session: 0xdeadbeef, seq: 0xffffffff });
  assert.is(b.length, 16);
  assert.equal(decodeProbe(b), { ok: true, value: { intervalMs: 250, session: 0xdeadbeef, seq: 0xffffffff } });
  const padded = new Uint8Array(46);
  padded.set(b);
  assert.equal(decodeProbe(padded), { ok: true, value: { intervalMs: 250, session: 0xdeadbeef, seq: 0xffffffff } });
  assert.match(String((decodeProbe(b.subarray(0, 15)) as { error: string }).error), /too short/);
  const wrong = b.slice();
  wrong[0] = 0;
  assert.match(String((decodeProbe(wrong) as { error: string }).error), /magic/);
  const v2 = b.slice();
  v2[3] = 2;
  assert.match(String((decodeProbe(v2) as { error: string }).error), /version 2/);
  assert.match(String((decodeProbe(encodeProbe({ intervalMs: 5, session: 1, seq: 1 })) as { error: string }).error), /interval 5 ms/);
  assert.is(PROBE_ETHERTYPE, 0x88b5);
});

t('frame: the send time travels with flag bit 0; older frames and older readers are unaffected', () => {
  const b = encodeProbe({ intervalMs: 200, session: 7, seq: 9, sentMs: 0x1_0000_0000 + 1234.9 });
  assert.is(b.length, 20);
  assert.is(b[7], 1, 'flag bit 0 set');
  assert.equal(decodeProbe(b), { ok: true, value: { intervalMs: 200, session: 7, seq: 9, sentMs: 1234 } }, 'whole ms, modulo 2^32');
  // Padded by Ethernet: the zeros after byte 20 are ignored.
  const padded = new Uint8Array(46);
  padded.set(b);
  assert.equal(decodeProbe(padded), { ok: true, value: { intervalMs: 200, session: 7, seq: 9, sentMs: 1234 } });
  // An older agent read bytes 0-15 only and never the flags: the first 16 bytes are the old frame's but the flags word.
  const old = encodeProbe({ intervalMs: 200, session: 7, seq: 9 });
  assert.equal([...b.subarray(0, 6)], [...old.subarray(0, 6)]);
  assert.equal([...b.subarray(8, 16)], [...old.subarray(8, 16)]);
  // An older frame, padded with zeros, has no send time.
  const oldPadded = new Uint8Array(46);
  oldPadded.set(old);
  assert.equal(decodeProbe(oldPadded), { ok: true, value: { intervalMs: 200, session: 7, seq: 9 } });
  // The flag without the 4 bytes is an error, not a send time read from nowhere.
  assert.match(String((decodeProbe(b.subarray(0, 18)) as { error: string }).error), /send time but has 18 bytes/);
});

t('probe delay: the excess over the link fastest delivery, robust to one late probe, following clock drift', () => {
  const d = new ProbeDelay();
  // The sender's clock is 5,000,000 ms ahead of ours minus 3 ms of transit: arrival - send is a large negative offset, wrapped.
  const skew = -5_000_000;
  const send = (at: number, transit: number): void => d.record(1, (at - transit - skew) >>> 0, at);
  assert.is(d.excessMs(0), null, 'nothing heard');
  for (let at = 0; at <= 10_000; at += 200) send(at, 3);
  assert.is(d.excessMs(10_000), 0);
  // One probe 400 ms late: the lowest of the last 2 s is still the fast ones.
  send(10_200, 403);
  assert.is(d.excessMs(10_200), 0);
  // 300 ms added to every probe: after 2 s the whole window carries it.
  for (let at = 10_400; at <= 12_400; at += 200) send(at, 303);
  // The baseline was last lowered by the probe at 10 s and may rise 0.1 ms a second since.
  assert.ok(Math.abs((d.excessMs(12_400) as number) - (300 - 0.1 * 2.4)) < 1e-9, String(d.excessMs(12_400)));
  // Too few probes in the window: no measure (silence is another test's).
  assert.is(d.excessMs(14_100), null);
  // A new session: its clock may be another; the first probe is the new baseline.
  d.record(2, 77, 20_000);
  d.record(2, 277, 20_200);
  d.record(2, 477, 20_400);
  assert.is(d.excessMs(20_400), 0);
});

t('probe delay: clocks drifting apart by up to 100 ppm are not taken for delay; beyond, the rest shows', () => {
  // An hour of probes every 200 ms; the sender's clock runs ppm slower (positive) or faster than ours.
  const after = (ppm: number): number => {
    const d = new ProbeDelay();
    let last = 0;
    for (let at = 0; at <= 3_600_000; at += 200) {
      d.record(1, Math.floor(at - (at * ppm) / 1e6) >>> 0, at);
      last = at;
    }
    return d.excessMs(last) as number;
  };
  assert.ok(after(100) <= 1, `100 ppm slower: ${after(100)} ms`);
  assert.is(after(-300), 0, 'a faster sender lowers the baseline');
  // 300 ppm slower: 200 ppm beyond the allowance, 720 ms in an hour.
  assert.ok(Math.abs(after(300) - 720) <= 1, `300 ppm slower: ${after(300)} ms`);
});

t('binomial upper tail: exact small cases', () => {
  // P(X >= 3), n = 10, p = 0.2: 1 - (0.8^10 + 10*0.2*0.8^9 + 45*0.04*0.8^8)
  const exact = 1 - (0.8 ** 10 + 10 * 0.2 * 0.8 ** 9 + 45 * 0.04 * 0.8 ** 8);
  assert.ok(Math.abs(binomialUpperTail(10, 3, 0.2) - exact) < 1e-12);
  assert.is(binomialUpperTail(10, 0, 0.2), 1);
  assert.is(binomialUpperTail(10, 11, 0.2), 0);
  assert.ok(Math.abs(binomialUpperTail(16, 16, 0.5) - 0.5 ** 16) < 1e-15);
});

/** Feed a reception the sender's probes sent every `interval` ms from `from` to `to`, keeping those `keep` says. */
function send(r: ProbeReception, s: { seq: number; session: number }, from: number, to: number, keep: (atMs: number) => boolean, interval = 250): ProbeBin[] {
  const bins: ProbeBin[] = [];
  for (let at = from; at < to; at += interval) {
    // The agent's tick closes due bins every second.
    if (at % 1000 === 0) bins.push(...r.close(at));
    s.seq = (s.seq + 1) >>> 0;
    if (keep(at)) bins.push(...r.record({ intervalMs: interval, session: s.session, seq: s.seq }, at));
  }
  bins.push(...r.close(to));
  return bins;
}

t('reception: sequence numbers count what was sent; a silent bin counts once, not again on return', () => {
  const r = new ProbeReception(0, 4000);
  const s = { seq: 0xfffffff0, session: 7 }; // wraps during the test
  const all = send(r, s, 0, 8000, () => true);
  assert.equal(all.map((b) => [b.expected, b.received]), [[16, 16], [16, 16]]);
  const half = send(r, s, 8000, 12000, (at) => at % 500 === 250);
  assert.equal(half.map((b) => [b.expected, b.received]), [[16, 8]]);
  const silent = send(r, s, 12000, 20000, () => false);
  assert.equal(silent.map((b) => [b.expected, b.received]), [[16, 0], [16, 0]]);
  const back = send(r, s, 20000, 24000, () => true);
  assert.equal(back.map((b) => [b.expected, b.received]), [[16, 16]], 'the 32 probes lost while silent are not counted again');
});

t('reception: a sender that sent nothing for 2 s (its machine paused) is no loss; 2 s of lost probes are', () => {
  const run = (pauseSends: boolean) => {
    const r = new ProbeReception(0, 1000);
    let seq = 0;
    const bins: ProbeBin[] = [];
    for (let at = 0; at < 12_000; at += 200) {
      if (at % 1000 === 0) bins.push(...r.close(at));
      const quiet = at >= 5000 && at < 7000;
      if (quiet && pauseSends) continue; // nothing sent: the sequence does not move
      seq++;
      if (!quiet) bins.push(...r.record({ intervalMs: 200, session: 3, seq }, at));
    }
    bins.push(...r.close(12_000));
    return bins;
  };
  const paused = run(true);
  const lost = run(false);
  assert.is(paused.reduce((n, b) => n + b.expected - b.received, 0), 0, JSON.stringify(paused));
  assert.is(lost.reduce((n, b) => n + b.expected - b.received, 0), 10, JSON.stringify(lost));
  assert.equal(lost.filter((b) => b.received === 0).map((b) => [b.endMono, b.expected]), [[6000, 5], [7000, 5]]);
});

t('reception: a silent link counts as lost after the hold, without waiting for the sender', () => {
  const r = new ProbeReception(0, 1000);
  const s = { seq: 0, session: 4 };
  send(r, s, 0, 5000, () => true);
  const during = send(r, s, 5000, 10_000, () => false);
  assert.ok(during.filter((b) => b.received === 0 && b.expected === 4).length >= 2, JSON.stringify(during)); // 4 probes of 250 ms due per second
});

t('reception: a restarted sender (new session) is not loss; duplicates are discarded', () => {
  const r = new ProbeReception(0, 4000);
  const s = { seq: 100, session: 1 };
  send(r, s, 0, 2000, () => true);
  s.session = 2;
  s.seq = 0;
  const bins = send(r, s, 2000, 4000, () => true);
  assert.equal(bins.map((b) => [b.expected, b.received]), [[16, 16]]);
  r.record({ intervalMs: 250, session: 2, seq: s.seq }, 4100);
  assert.is(r.discarded, 1);
});

/** A link's bins through LinkQuality: loss(t) is the drop probability at time t (ms). */
function simulate(loss: (atMs: number) => number, untilMs: number, seed: number, interval = 200) {
  const random = rng(seed);
  const r = new ProbeReception(0, 1000);
  const q = new LinkQuality(QUALITY_DEFAULTS);
  const s = { seq: 0, session: 9 };
  for (const bin of send(r, s, 0, untilMs, (at) => random() >= loss(at), interval)) q.observe(bin);
  return q;
}

t('quality: a link whose 40 % loss toggles every 5 s has two episodes within 30 s of the first toggle', () => {
  const start = 60_000;
  const loss = (at: number) => (at >= start && Math.floor((at - start) / 5000) % 2 === 0 ? 0.4 : 0);
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
    const q = simulate(loss, start + 30_000, seed);
    assert.ok(countSince(q.episodes, start) >= 2, `seed ${seed}: ${countSince(q.episodes, start)} episodes; bins ${q.recent.map((b) => `${b.lossPercent}${b.verdict[0]}`).join(' ')}`);
    assert.is(countSince(q.episodes, 0), countSince(q.episodes, start), 'no episode before the fault');
  }
});

t('quality: a window is judged against the normal from before its slots: a fault creeping in does not talk its first lossy window out of it', () => {
  // Slots of 5 probes straight into the quality: 30 clean seconds (normal loss at its 2 % floor),
  // then 4 s losing 1 of 5 (windows losing up to 4 of 20: neutral, and they teach the normal),
  // then a second losing 2: the window losing 5 of 20 is lossy against the normal of before the
  // creep (2 %: upper tail 4e-5), not against the 2.8 % the creep's own windows taught (2e-4).
  const q = new LinkQuality(QUALITY_DEFAULTS);
  let at = 0;
  const slot = (received: number) => q.observe({ endMono: (at += 1000), expected: 5, received });
  for (let i = 0; i < 30; i++) slot(5);
  const creep = [slot(4), slot(4), slot(4), slot(4)];
  assert.equal(creep, ['clean', 'neutral', 'neutral', 'neutral']);
  assert.is(slot(3), 'lossy');
  assert.ok(q.normalLoss > 0.024, `the creep's windows did teach the normal: ${q.normalLoss}`);
  // A creep that lasts: the normal it taught is the one a later window is judged by.
  const slow = new LinkQuality(QUALITY_DEFAULTS);
  at = 0;
  for (let i = 0; i < 30; i++) slow.observe({ endMono: (at += 1000), expected: 5, received: 5 });
  for (let i = 0; i < 10; i++) slow.observe({ endMono: (at += 1000), expected: 5, received: 4 });
  assert.is(slow.observe({ endMono: (at += 1000), expected: 5, received: 3 }), 'neutral');
});

t('quality: a link that flaps for 10 minutes flaps all the while (its normal does not learn the flapping)', () => {
  const start = 60_000;
  for (const seed of [41, 42, 43]) {
    const q = simulate((at) => (at >= start && Math.floor((at - start) / 5000) % 2 === 0 ? 0.4 : 0), start + 600_000, seed);
    // Every minute of the flapping that the episode ring still covers (its last 16) has at least two.
    const eps: number[] = [];
    for (let i = 0; i < q.episodes.length; i++) eps.push(q.episodes.at(i));
    assert.ok((eps[0] ?? 0) > start + 400_000, 'the ring holds the latest episodes');
    for (let m = (eps[0] ?? 0) + 60_000; m <= start + 600_000; m += 10_000) {
      const n = eps.filter((e) => e > m - 60_000 && e <= m).length;
      assert.ok(n >= 2, `seed ${seed}: ${n} episodes in the minute before ${(m - start) / 1000} s; normal ${q.normalLoss}`);
    }
    assert.ok(q.normalLoss < 0.05, `normal loss stayed low: ${q.normalLoss}`);
  }
});

t('quality: a link that always loses 20 % is its own normal: no lossy bin in 30 minutes', () => {
  for (const seed of [11, 12, 13]) {
    const q = simulate(() => 0.2, 30 * 60_000, seed);
    assert.is(q.lossyBins.length, 0, `seed ${seed}`);
    assert.ok(q.normalLoss > 0.15 && q.normalLoss < 0.25, `normal loss ${q.normalLoss}`);
  }
});

t('quality: a link that dies once and comes back is one episode, not flapping', () => {
  const q = simulate((at) => (at >= 60_000 && at < 75_000 ? 1 : 0), 120_000, 21);
  assert.is(countSince(q.episodes, 0), 1);
});

/**
 * Packet sockets on an in-memory segment: every frame sent reaches the other sockets on
 * the segment, stamped with the time it arrived; a receiver marked busy keeps its frames
 * queued (as the kernel does for an agent in a slow cycle) until it drains or is idle again.
 */
function segment(dropFrom: (mac: string) => boolean = () => false) {
  type Entry = { mac: string; cb: (d: Uint8Array, from: string, wall: number) => void; open: boolean; busy: boolean; queue: [Uint8Array, string, number][] };
  const sockets: Entry[] = [];
  let now = 0;
  const timers: { fn: () => void; ms: number; next: number }[] = [];
  const deliver = (e: Entry) => {
    for (const [d, f, w] of e.queue.splice(0)) e.cb(d, f, w);
  };
  const transport = (mac: string): ProbeTransport => ({
    open(ifindex) {
      if (ifindex === 99) return { ok: false, error: 'Operation not permitted' };
      const entry: Entry = { mac, cb: () => {}, open: true, busy: false, queue: [] };
      sockets.push(entry);
      const s: PacketSocket = {
        ifindex,
        kernelStamps: true,
        send(data) {
          for (const o of sockets) {
            if (o === entry || !o.open || dropFrom(mac)) continue;
            o.queue.push([data.slice(), mac, now]);
            if (!o.busy) deliver(o);
          }
          return true;
        },
        onMessage(cb) {
          entry.cb = cb;
        },
        onError(_cb: (e: HostError) => void) {},
        drain: () => deliver(entry),
        close() {
          entry.open = false;
        },
      };
      return { ok: true, socket: s };
    },
    monoMs: () => now,
    wallMs: () => now,
    setInterval(fn, ms) {
      const h = { fn, ms, next: now + ms };
      timers.push(h);
      return h;
    },
    clearInterval(h) {
      const i = timers.indexOf(h as (typeof timers)[number]);
      if (i >= 0) timers.splice(i, 1);
    },
    random32: () => Number.parseInt(mac.slice(-2), 16),
  });
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = timers.filter((h) => h.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      now = due.next;
      due.next += due.ms;
      due.fn();
    }
    now = end;
  };
  const busy = (mac: string, on: boolean) => {
    for (const e of sockets) if (e.mac === mac) e.busy = on;
  };
  /** The event loop of a receiver that is idle again: its read handlers run. */
  const idle = (mac: string) => {
    for (const e of sockets) if (e.mac === mac) deliver(e);
  };
  /** Time passes and no timer fires (the machine was stopped). */
  const freeze = (ms: number) => {
    now += ms;
    for (const h of timers) h.next += ms;
  };
  return { transport, advance, sockets, busy, idle, freeze };
}

const SETTINGS: ProberSettings = { intervalMs: 250, quality: QUALITY_DEFAULTS, forgetMs: 20_000 };

t('prober: two agents on one segment hear each other by interface and MAC, not themselves', () => {
  const seg = segment();
  const a = new LinkProber(seg.transport('02:00:00:00:00:0a'), SETTINGS);
  const b = new LinkProber(seg.transport('02:00:00:00:00:0b'), SETTINGS);
  assert.equal(a.sync([{ ifname: 'mesh0', ifindex: 3, up: true }, { ifname: 'wlan9', ifindex: 99, up: true }]), [['wlan9', 'Operation not permitted']]);
  assert.equal(a.sync([{ ifname: 'mesh0', ifindex: 3, up: true }, { ifname: 'wlan9', ifindex: 99, up: true }]), [], 'a failure is reported once');
  b.sync([{ ifname: 'eth1', ifindex: 4, up: true }]);
  for (let i = 0; i < 60; i++) {
    seg.advance(1000);
    a.tick();
    b.tick();
  }
  assert.equal([...a.links.keys()], ['mesh0/02:00:00:00:00:0b']);
  assert.equal([...b.links.keys()], ['eth1/02:00:00:00:00:0a']);
  const q = a.links.get('mesh0/02:00:00:00:00:0b')?.quality;
  assert.ok(q?.warm, 'warm after 60 s');
  assert.is(q?.lossyBins.length, 0);
  assert.ok(a.sent >= 235 && a.sent <= 241, `sent ${a.sent}`);
});

/** Agents a and b on one segment (mesh0), 40 s after start; `second()` moves time and ticks both. */
function twoAgents() {
  const seg = segment();
  const a = new LinkProber(seg.transport('02:00:00:00:00:0a'), SETTINGS);
  const b = new LinkProber(seg.transport('02:00:00:00:00:0b'), SETTINGS);
  a.sync([{ ifname: 'mesh0', ifindex: 3, up: true }]);
  b.sync([{ ifname: 'mesh0', ifindex: 3, up: true }]);
  const second = () => {
    seg.advance(1000);
    a.tick();
    b.tick();
  };
  for (let i = 0; i < 40; i++) second();
  return { seg, a, b, second };
}

t('prober: an agent busy for 2.5 s (a slow cycle) reads the queued probes by their kernel time: no loss counted', () => {
  const { seg, a, b, second } = twoAgents();
  // b's agent is busy for 2.5 s: no tick, its frames wait in the kernel; then its late
  // cycle runs (tick) before its read handlers do.
  seg.busy('02:00:00:00:00:0b', true);
  seg.advance(2500);
  a.tick();
  seg.busy('02:00:00:00:00:0b', false);
  b.tick();
  seg.idle('02:00:00:00:00:0b');
  for (let i = 0; i < 20; i++) second();
  const q = b.links.get('mesh0/02:00:00:00:00:0a')?.quality;
  assert.ok(q?.warm);
  assert.is(q?.lossyBins.length, 0, `windows ${q?.recent.map((w) => w.lossPercent).join(' ')}`);
  assert.ok((q?.recent ?? []).every((w) => w.lossPercent === 0), `windows ${q?.recent.map((w) => w.lossPercent).join(' ')}`);
});

t('prober: after a stall longer than 3 s (the whole machine stopped) the missed seconds are not judged', () => {
  const { seg, b, second } = twoAgents();
  seg.freeze(6000); // nobody sends, nobody reads: a lab VM starved of CPU
  for (let i = 0; i < 20; i++) second();
  const q = b.links.get('mesh0/02:00:00:00:00:0a')?.quality;
  assert.ok(q?.warm);
  assert.is(q?.lossyBins.length, 0, `windows ${q?.recent.map((w) => w.lossPercent).join(' ')}`);
});

t('prober: a down interface sends nothing; a silent sender is forgotten; off closes everything', () => {
  const seg = segment();
  const a = new LinkProber(seg.transport('02:00:00:00:00:0a'), SETTINGS);
  const b = new LinkProber(seg.transport('02:00:00:00:00:0b'), SETTINGS);
  a.sync([{ ifname: 'mesh0', ifindex: 3, up: true }]);
  b.sync([{ ifname: 'mesh0', ifindex: 3, up: true }]);
  seg.advance(5000);
  a.tick();
  assert.is(a.links.size, 1);
  b.sync([{ ifname: 'mesh0', ifindex: 3, up: false }]);
  const sent = b.sent;
  for (let i = 0; i < 25; i++) {
    seg.advance(1000);
    a.tick();
  }
  assert.is(b.sent, sent, 'nothing sent while down');
  assert.is(a.links.size, 0, 'forgotten after forgetMs of silence');
  a.configure({ ...SETTINGS, intervalMs: 0 });
  assert.ok(!a.enabled);
  assert.ok(seg.sockets.filter((s) => s.mac === '02:00:00:00:00:0a').every((s) => !s.open), 'its sockets are closed');
});

/**
 * The neighbour aa:..:0a's probes on eth1, sent 5 a second (its sockets on the harness's clock);
 * `second(lose)` delivers one second's probes; `lose(k)` drops the k-th probe of that second.
 */
function neighbourProbes() {
  const listeners = new Map<number, (d: Uint8Array, from: string, wallMs: number) => void>();
  let clock: () => number = () => 0;
  let seq = 0;
  const transport = (monoMs: () => number): ProbeTransport => {
    clock = monoMs;
    return {
    open(ifindex) {
      const s: PacketSocket = {
        ifindex,
        kernelStamps: true,
        send: () => true,
        onMessage(cb) {
          listeners.set(ifindex, cb);
        },
        onError() {},
        drain() {},
        close() {
          listeners.delete(ifindex);
        },
      };
      return { ok: true, socket: s };
    },
    monoMs,
    wallMs: monoMs,
    setInterval: () => 1,
    clearInterval() {},
    random32: () => 42,
    };
  };
  let session = 7;
  const second = (lose: (k: number) => boolean) => {
    for (let k = 0; k < 5; k++) {
      seq++;
      if (!lose(k)) listeners.get(2)?.(encodeProbe({ intervalMs: 200, session, seq }), 'aa:00:00:00:00:0a', clock());
    }
  };
  /** The neighbour's agent starts again: a new session, counting from 1. */
  const restart = () => {
    session++;
    seq = 0;
  };
  return { transport, second, restart };
}

/** twoInterfaceMesh as a triangle: aa:..:0a is also heard through aa:..:0b on eth2, so a penalty on eth1 can move it. */
const triangleMesh = (cycle: number) => ({ ...twoInterfaceMesh(cycle), alternatives: [{ originator: 'aa:00:00:00:00:0a', ifname: 'eth2', via: 'aa:00:00:00:00:0b' }] });

t('the loop: 40 % loss toggled every 5 s on eth1 opens link-flapping within 30 s, raises the hop penalty, restores it once stable', async () => {
  const probes = neighbourProbes();
  const h = loopHarness({ hopPenaltyStableMs: 30_000, flapWindowMs: 60_000 }, triangleMesh, undefined, null, undefined, {}, probes.transport);
  const run = async (seconds: number, lose: (s: number, k: number) => boolean) => {
    for (let s = 0; s < seconds; s++) {
      await h.cycles(1);
      probes.second((k) => lose(s, k));
    }
  };
  await run(40, () => false);
  assert.is(h.loop.status().open.length, 0, 'quiet while the link is clean');
  let openedAfter = -1;
  // 40 % loss (2 of 5 probes) for 5 s, then 5 s clean, again and again.
  for (let s = 0; s < 60; s++) {
    await h.cycles(1);
    probes.second((k) => Math.floor(s / 5) % 2 === 0 && (k === 1 || k === 3));
    if (openedAfter < 0 && h.loop.status().open.some((i) => i.kind === 'link-flapping')) openedAfter = s;
  }
  assert.ok(openedAfter >= 0 && openedAfter <= 30, `link-flapping opened after ${openedAfter} s`);
  const inc = h.loop.status().recent.concat(h.loop.status().open).find((i) => i.kind === 'link-flapping');
  assert.is(inc?.target, 'link:eth1/aa:00:00:00:00:0a');
  assert.match(inc?.evidence.summary ?? '', /loss episode/);
  // One step per cooldown (30 s) while the link keeps flapping: the synthetic link does not get better.
  const raises = h.audits.filter((a) => a.action.kind === 'set-hop-penalty' && !a.restoring);
  assert.ok(raises.length >= 1 && raises.every((a) => a.action.kind === 'set-hop-penalty' && a.action.to - a.action.from === 30 && a.incidentKind === 'link-flapping'), JSON.stringify(raises.map((a) => a.action)));
  assert.is(h.penalties.get('eth1'), 30 * raises.length, 'eth1 raised in steps of 30');
  assert.is(h.penalties.get('eth2'), undefined, 'eth2 untouched');
  // Clean again: restored after the window has no lossy probe window and hop_penalty_stable_ms passed.
  await run(150, () => false);
  assert.is(h.penalties.get('eth1'), 0, 'restored');
  const restore = h.audits.find((a) => a.restoring);
  assert.match(restore?.reason ?? '', /lossy probe window/);
});

t('the loop: once no best route uses the flapping link, the penalty stops rising', async () => {
  const probes = neighbourProbes();
  // After the first raise the far originator and aa:..:0a itself are reached over eth2.
  const mesh = (cycle: number) => {
    const m = triangleMesh(cycle);
    return (h.penalties.get('eth1') ?? 0) > 0 ? { ...m, routes: [{ originator: 'aa:00:00:00:00:0a', ifname: 'eth2', via: 'aa:00:00:00:00:0b' }] } : m;
  };
  const h = loopHarness({ hopPenaltyStableMs: 30_000 }, mesh, undefined, null, undefined, {}, probes.transport);
  for (let s = 0; s < 40; s++) {
    await h.cycles(1);
    probes.second(() => false);
  }
  for (let s = 0; s < 120; s++) {
    await h.cycles(1);
    probes.second((k) => Math.floor(s / 5) % 2 === 0 && (k === 1 || k === 3));
  }
  assert.ok(h.loop.status().open.some((i) => i.kind === 'link-flapping'), 'still flapping');
  assert.is(h.penalties.get('eth1'), 30, 'one step, then the routes had left the link');
});

t('the loop: a link that dies once moves routes away and back, which is no flapping; dying again within the window is', async () => {
  const probes = neighbourProbes();
  // The far originator ..:99 is reached over eth1 (via ..:0a) or eth2 (via ..:0b) as `route` says.
  let route: 'eth1' | 'eth2' = 'eth1';
  let silentFor = 0; // seconds without OGMs from ..:0a
  const mesh = (cycle: number) => ({
    ...twoInterfaceMesh(cycle),
    neighbors: (twoInterfaceMesh(cycle).neighbors ?? []).map((n) => (n.ifname === 'eth1' ? { ...n, lastSeenMs: 100 + silentFor * 1000 } : n)),
    routes: [{ originator: 'aa:00:00:00:00:99', ifname: route, via: route === 'eth1' ? 'aa:00:00:00:00:0a' : 'aa:00:00:00:00:0b' }],
  });
  const h = loopHarness({ flapWindowMs: 60_000 }, mesh, undefined, null, undefined, {}, probes.transport);
  // The second's probes arrive just before the cycle that ends it, as on a real link
  // where the last probe is at most 200 ms old when the loop looks.
  let silent = false;
  h.beforeEachCycle(() => {
    if (!silent) probes.second(() => false);
  });
  const run = async (seconds: number, dead: boolean, routeAt: (s: number) => 'eth1' | 'eth2') => {
    silent = dead;
    for (let s = 0; s < seconds; s++) {
      route = routeAt(s);
      silentFor = dead ? s + 1 : 0;
      await h.cycles(1);
    }
  };
  // Before the fault the route swings between two equal paths (as in the lab's square):
  // changes through eth1 that no loss of eth1 explains.
  await run(60, false, (s) => (s >= 44 && s % 4 < 2 ? 'eth2' : 'eth1'));
  // One 20 s outage: the route leaves eth1, and after the link returns it swings back and
  // forth once more before it settles (as the lab's square did): 4 changes through eth1.
  await run(20, true, (s) => (s < 6 ? 'eth1' : 'eth2'));
  await run(20, false, (s) => (s < 4 || (s >= 8 && s < 12) ? 'eth1' : s < 8 ? 'eth2' : 'eth1'));
  const kinds = () => h.loop.status().open.concat(h.loop.status().recent).map((i) => i.kind);
  assert.not.ok(kinds().includes('route-flapping'), kinds().join(' '));
  assert.is(h.audits.length, 0, 'no action for a link that failed once');
  const obs = h.loop.status().open.concat(h.loop.status().recent).find((i) => i.kind === 'neighbor-lost');
  assert.is(obs?.target, 'link:eth1/aa:00:00:00:00:0a', 'the outage itself was seen');
  // A second outage within the window: now the link flaps, and the route changes are its fault.
  await run(10, true, (s) => (s < 3 ? 'eth1' : 'eth2'));
  await run(10, false, (s) => (s < 2 || s >= 6 ? 'eth1' : 'eth2'));
  const blamed = h.loop.status().open.concat(h.loop.status().recent).find((i) => i.kind === 'route-flapping');
  assert.is(blamed?.target, 'link:eth1/aa:00:00:00:00:0a', kinds().join(' '));
  assert.match(blamed?.evidence.summary ?? '', /2 loss episode\(s\)/);
});

t('the loop: a flapping link whose routes have no other way (a neighbour heard only there) gets no penalty: it could move nothing', async () => {
  const probes = neighbourProbes();
  const h = loopHarness({}, twoInterfaceMesh, undefined, null, undefined, {}, probes.transport);
  for (let s = 0; s < 40; s++) {
    await h.cycles(1);
    probes.second(() => false);
  }
  for (let s = 0; s < 60; s++) {
    await h.cycles(1);
    probes.second((k) => Math.floor(s / 5) % 2 === 0 && (k === 1 || k === 3));
  }
  assert.ok(h.loop.status().open.some((i) => i.kind === 'link-flapping'), 'flapping is reported');
  assert.is(h.audits.length, 0, JSON.stringify(h.audits.map((a) => a.action)));
});

t('the loop: a neighbour whose agent stops twice while batman-adv still hears it is no loss and no flapping', async () => {
  const probes = neighbourProbes();
  const h = loopHarness({}, triangleMesh, undefined, null, undefined, {}, probes.transport);
  let sending = true;
  h.beforeEachCycle(() => {
    if (sending) probes.second(() => false);
  });
  await h.cycles(40);
  // Killed for 5 s (OGMs keep coming: the node is up), then started again; twice in 30 s.
  for (let round = 0; round < 2; round++) {
    sending = false;
    await h.cycles(5);
    probes.restart();
    sending = true;
    await h.cycles(10);
  }
  await h.cycles(20);
  const kinds = h.loop.status().open.concat(h.loop.status().recent).map((i) => i.kind);
  assert.not.ok(kinds.includes('link-flapping'), kinds.join(' '));
  assert.is(h.audits.length, 0);
});

/** The loop beside aa:..:0a on eth1, whose OGM age the test sets; 40 s of its probes, all heard. */
async function neighbourWithOgmAge(ageMs: number) {
  const probes = neighbourProbes();
  const ogm = { ageMs };
  const mesh = (cycle: number) => {
    const m = twoInterfaceMesh(cycle);
    return { ...m, neighbors: (m.neighbors ?? []).map((n) => (n.ifname === 'eth1' ? { ...n, lastSeenMs: ogm.ageMs } : n)) };
  };
  const h = loopHarness({}, mesh, undefined, null, undefined, {}, probes.transport);
  for (let s = 0; s < 40; s++) {
    await h.cycles(1);
    probes.second(() => false);
  }
  return { probes, ogm, h };
}

t('the loop: a neighbour whose OGMs are late but whose probes arrive is not lost; one silent both ways is', async () => {
  const { probes, ogm, h } = await neighbourWithOgmAge(300);
  ogm.ageMs = 2600; // batman-adv missed three OGMs in a row
  for (let s = 0; s < 3; s++) {
    await h.cycles(1);
    probes.second(() => false);
  }
  assert.not.ok(h.loop.status().open.some((i) => i.kind === 'neighbor-lost'), 'heard by its probes');
  for (let s = 0; s < 4; s++) await h.cycles(1); // and now nothing at all
  const lost = h.loop.status().open.find((i) => i.kind === 'neighbor-lost');
  assert.is(lost?.target, 'link:eth1/aa:00:00:00:00:0a');
});

t('the loop: a neighbour whose probes stop is judged when it passes the threshold, not a cycle later', async () => {
  const { ogm, h } = await neighbourWithOgmAge(100);
  // (The harness delivers each second's probes after the cycle, so the loop sees them 1 s old.)
  assert.ok(h.wakeInMs >= 1000, `no early cycle while probes arrive (asked for ${h.wakeInMs} ms)`);
  // The link dies: the next cycle finds 1 s of probe silence and an OGM 1300 ms old. The
  // detector needs 2000 ms of OGM age: the loop asks to look again 700 ms (+30) later.
  ogm.ageMs = 1300;
  await h.cycles(1);
  assert.not.ok(h.loop.status().open.some((i) => i.kind === 'neighbor-lost'), 'not lost yet');
  assert.is(h.wakeInMs, 730);
  ogm.ageMs = 2030;
  await h.cycleAfter(730);
  const lost = h.loop.status().open.find((i) => i.kind === 'neighbor-lost');
  assert.is(lost?.target, 'link:eth1/aa:00:00:00:00:0a');
  assert.ok(h.wakeInMs >= 1000, `judged: no more early cycles for it (asked for ${h.wakeInMs} ms)`);
});

t('the loop: the model asks for an early cycle too (its out-of-range test), after the links were scored, and only with link probes', async () => {
  const calls: string[] = [];
  let wantInMs = Number.POSITIVE_INFINITY;
  const scorer: LinkScorer = {
    name: 'scripted',
    scoreLink: () => {
      calls.push('score');
      return 0;
    },
    nextVerdictMono: (view, probeIntervalMs) => {
      calls.push(`ask ${probeIntervalMs}`);
      return view.nowMono + wantInMs;
    },
  };
  const probes = neighbourProbes();
  const h = loopHarness({}, twoInterfaceMesh, undefined, null, undefined, { linkScorer: scorer }, probes.transport);
  for (let s = 0; s < 40; s++) {
    await h.cycles(1);
    probes.second(() => false);
  }
  assert.ok(h.wakeInMs >= 1000, `nothing pending: the regular cycle (asked for ${h.wakeInMs} ms)`);
  wantInMs = 420;
  calls.length = 0;
  await h.cycles(1);
  assert.is(h.wakeInMs, 420);
  assert.equal(calls.slice(-2), ['score', `ask ${LOOP_DEFAULTS.probeIntervalMs}`]);
  const unprobed = loopHarness({}, twoInterfaceMesh, undefined, null, undefined, { linkScorer: scorer });
  calls.length = 0;
  await unprobed.cycles(3);
  assert.ok(!calls.some((c) => c.startsWith('ask')), calls.join(' '));
  assert.ok(unprobed.wakeInMs >= 1000);
});

t('metrics: per link the latest window loss, the normal loss and whether it is in a loss episode', async () => {
  const q = simulate((at) => (at >= 60_000 ? 0.5 : 0), 70_000, 31);
  const probes = new Map([['eth1/aa:00:00:00:00:0a', { key: 'eth1/aa:00:00:00:00:0a', ifname: 'eth1', neighbor: 'aa:00:00:00:00:0a', reception: new ProbeReception(0, 1000), quality: q, delay: new ProbeDelay() }]]);
  const m = createAgentMetrics({ host: getHost(), version: '0', startedMs: 0, loop: { isRunning: true, stats: { cycles: 1, phaseErrors: 0 } }, probes: () => probes });
  const text = await m.registry.render();
  const latest = [...q.recent].reverse().find((b) => b.verdict !== 'unknown');
  assert.ok(latest && latest.lossPercent >= 30, `latest window ${latest?.lossPercent}%`);
  assert.ok(text.includes(`x0tta6bl4_link_probe_loss_ratio{ifname="eth1",neighbor="aa:00:00:00:00:0a"} ${latest.lossPercent / 100}`), text);
  assert.ok(text.includes('x0tta6bl4_link_probe_normal_loss_ratio{ifname="eth1",neighbor="aa:00:00:00:00:0a"} 0.02'), text);
  assert.ok(text.includes('x0tta6bl4_link_probe_lossy{ifname="eth1",neighbor="aa:00:00:00:00:0a"} 1'), text);
  assert.ok(!text.includes('x0tta6bl4_link_probe_delay_seconds{'), 'no timed probes: no delay sample');
});

t('metrics: per link how much later than its fastest its timed probes arrive, in seconds', async () => {
  const host = getHost();
  const delay = new ProbeDelay();
  const now = host.clock.monotonicMs();
  // 6 s of probes: 5 ms of transit, then the last 2.5 s (more than the 2 s window) with 120 ms more.
  for (let at = now - 6000; at <= now; at += 200) delay.record(9, (at - (at > now - 2500 ? 125 : 5) + 40_000) >>> 0, at);
  const probes = new Map([['eth1/aa:00:00:00:00:0a', { key: 'eth1/aa:00:00:00:00:0a', ifname: 'eth1', neighbor: 'aa:00:00:00:00:0a', reception: new ProbeReception(0, 1000), quality: new LinkQuality(), delay }]]);
  const m = createAgentMetrics({ host, version: '0', startedMs: 0, loop: { isRunning: true, stats: { cycles: 1, phaseErrors: 0 } }, probes: () => probes });
  const text = await m.registry.render();
  const v = Number(/x0tta6bl4_link_probe_delay_seconds\{ifname="eth1",neighbor="aa:00:00:00:00:0a"\} ([\d.]+)/.exec(text)?.[1]);
  assert.ok(v > 0.115 && v <= 0.12, `${v} s (the window's lowest, 120 ms above the baseline less its drift allowance)`);
});

t.run();
