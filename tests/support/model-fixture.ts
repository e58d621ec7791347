/**
 * For the model's tests and benchmark: a test-only model (random weights from a
 * seeded PRNG, quantized by our own post-training quantizer, never shipped) and a
 * small synthetic mesh whose snapshots go through the real Monitor. Everything is
 * deterministic for a given seed.
 */
import { ProbeDelay } from '../../runtime/src/linkprobe/delay.js';
import type { ProbeLink } from '../../runtime/src/linkprobe/prober.js';
import { LinkQuality } from '../../runtime/src/linkprobe/quality.js';
import { ProbeReception } from '../../runtime/src/linkprobe/reception.js';
import { MONITOR_LIMITS, type MeshView, Monitor } from '../../runtime/src/loop/monitor.js';
import type { MeshSnapshot } from '../../runtime/src/mesh/snapshot.js';
import { floatReconstructionError } from '../../runtime/src/model/float-inference.js';
import { LINK_FEATURES_V1, LINK_FEATURES_V2, NODE_FEATURES_V1 } from '../../runtime/src/model/features.js';
import type { Model } from '../../runtime/src/model/format.js';
import type { Activation, ActivationBits, FloatLayer, FloatNetwork, QuantNetwork, Target } from '../../runtime/src/model/network.js';
import { STANDARD_INPUT_SCALE, Z_CLIP } from '../../runtime/src/model/normalizer.js';
import { quantizeNetwork } from '../../runtime/src/model/quantize.js';
import { LINK_STATS64_FIELDS, type Link, type LinkStats64 } from '../../runtime/src/netlink/rtnl-link.js';
import { prng } from './netlink-kernel-script.js';

export type Rng = () => number;
export { prng };

/** A standard normal sample (Box–Muller). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A dense autoencoder with ReLU hidden layers and a linear output; weights ~ N(0, gain²/fan-in). */
export function randomFloatNetwork(rng: Rng, dims: number[], gain = 0.5): FloatNetwork {
  const layers: FloatLayer[] = [];
  for (let l = 0; l + 1 < dims.length; l++) {
    const inDim = dims[l]!;
    const outDim = dims[l + 1]!;
    const activation: Activation = l + 2 < dims.length ? 'relu' : 'none';
    const weights = Float64Array.from({ length: inDim * outDim }, () => (gaussian(rng) * gain) / Math.sqrt(inDim));
    const bias = Float64Array.from({ length: outDim }, () => gaussian(rng) * 0.05);
    layers.push({ inDim, outDim, activation, weights, bias });
  }
  return { inputDim: dims[0]!, layers };
}

/** Inputs like the normalised features: N(0, 1) clipped to ±Z_CLIP, with some clipped outliers. */
export function randomInputs(rng: Rng, dim: number, count: number): Float64Array[] {
  return Array.from({ length: count }, () =>
    Float64Array.from({ length: dim }, () => {
      const z = rng() < 0.02 ? Z_CLIP * (rng() < 0.5 ? -1 : 1) : gaussian(rng);
      return Math.max(-Z_CLIP, Math.min(Z_CLIP, z));
    }),
  );
}

export const LINK_DIMS = [LINK_FEATURES_V1.features.length, 12, 6, 12, LINK_FEATURES_V1.features.length];
export const NODE_DIMS = [NODE_FEATURES_V1.features.length, 10, 4, 10, NODE_FEATURES_V1.features.length];

/** Quantize a float network for a target with the standard input scale; throws in tests only. */
export function quantizeForTest(float: FloatNetwork, target: Target, calibration: Float64Array[], threshold = 1000, featureVersion = 1, hiddenBits: ActivationBits = 8): QuantNetwork {
  const q = quantizeNetwork(float, calibration, {
    hiddenBits,
    target,
    featureVersion,
    inputScale: STANDARD_INPUT_SCALE,
    inputZeroPoint: 0,
    threshold,
    quantilePpm: 999_000,
    marginPermille: 1500,
  });
  if (!q.ok) throw new Error(`test model: ${q.error}`);
  return q.value;
}

export interface TestModel {
  model: Model;
  linkFloat: FloatNetwork;
  nodeFloat: FloatNetwork;
}

/** The test architecture (link 16-12-6-12-16, node 15-10-4-10-15), seeded; thresholds as given; int8 or int16 hidden activations. */
export function testModel(seed: number, linkThreshold = 1000, nodeThreshold = 1000, hiddenBits: ActivationBits = 8): TestModel {
  const rng = prng(seed);
  const linkFloat = randomFloatNetwork(rng, LINK_DIMS);
  const nodeFloat = randomFloatNetwork(rng, NODE_DIMS);
  const link = quantizeForTest(linkFloat, 'link', randomInputs(rng, LINK_DIMS[0]!, 256), linkThreshold, 1, hiddenBits);
  const node = quantizeForTest(nodeFloat, 'node', randomInputs(rng, NODE_DIMS[0]!, 256), nodeThreshold, 1, hiddenBits);
  return { model: { label: `test model, seed ${seed}`, networks: [link, node] }, linkFloat, nodeFloat };
}

/** A link-only test model on link features v2 (v1 + the probe features): 22-12-6-12-22, seeded. */
export function testModelV2(seed: number, linkThreshold = 1000, featureVersion: 2 | 3 = 2): Model {
  const rng = prng(seed);
  const dims = [LINK_FEATURES_V2.features.length, 12, 6, 12, LINK_FEATURES_V2.features.length];
  const float = randomFloatNetwork(rng, dims);
  return { label: `test model v${featureVersion}, seed ${seed}`, networks: [quantizeForTest(float, 'link', randomInputs(rng, dims[0]!, 256), linkThreshold, featureVersion)] };
}

/** Mean float reconstruction error (real units) of a network over inputs (a sanity figure for tests). */
export function meanFloatError(net: FloatNetwork, inputs: Float64Array[]): number {
  let s = 0;
  for (const x of inputs) s += floatReconstructionError(net, x);
  return s / inputs.length;
}

// ---- A synthetic mesh for the Monitor -------------------------------------------------

export const IF_INDEX = 2;
export const IF_NAME = 'eth1';
export const neighborMac = (i: number) => `aa:00:00:00:00:${(0x10 + i).toString(16)}`;
export const FAR = 'aa:00:00:00:00:99';

/** What can go wrong on one neighbour's link this cycle. */
export interface LinkCondition {
  /** TQ mean (BATMAN_IV). */
  tq: number;
  /** Noise of TQ, standard deviation. */
  tqNoise: number;
  /** batman-adv's last-seen ms. */
  lastSeenMs: number;
  /** Gone from the neighbour table. */
  absent?: boolean;
}

export interface MeshSim {
  monitor: Monitor;
  /**
   * Advance one 1 s cycle; `condition(i)` may change neighbour i's link; `farVia` routes
   * a far originator (aa:00:00:00:00:99) through that neighbour (a change is route churn).
   */
  step(condition?: (neighbor: number, base: LinkCondition) => LinkCondition, farVia?: number): MeshView;
  now(): number;
  /** The hard interface's carrier from the next step on (true at the start). */
  carrier: boolean;
}

function stats(values: Partial<LinkStats64>): LinkStats64 {
  const s = {} as LinkStats64;
  for (const f of LINK_STATS64_FIELDS) s[f] = 0;
  return Object.assign(s, values);
}

/** A node with one hard interface and `neighbors` neighbours, TQ around 220 with noise, steady traffic. */
export function meshSim(seed: number, neighbors = 4, limits = MONITOR_LIMITS): MeshSim {
  const rng = prng(seed);
  const monitor = new Monitor('bat0', limits);
  let now = 100_000;
  let rx = 0;
  let tx = 0;
  let errors = 0;
  const base: LinkCondition = { tq: 220, tqNoise: 3, lastSeenMs: 300 };
  const sim: MeshSim = {
    monitor,
    now: () => now,
    carrier: true,
    step(condition, farVia) {
      now += 1000;
      rx += 200 + Math.floor(rng() * 40);
      tx += 190 + Math.floor(rng() * 40);
      if (rng() < 0.05) errors++;
      const nbs = [];
      const origs = [];
      for (let i = 0; i < neighbors; i++) {
        const c = condition ? condition(i, base) : base;
        const mac = neighborMac(i);
        const tq = Math.max(0, Math.min(255, Math.round(c.tq + gaussian(rng) * c.tqNoise)));
        const lastSeenMs = Math.max(0, Math.round(c.lastSeenMs * (0.5 + rng())));
        if (c.absent) continue;
        nbs.push({ neighbor: mac, ifindex: IF_INDEX, ifname: IF_NAME, lastSeenMs, throughputKbit: null });
        origs.push({ originator: mac, neighbor: mac, ifindex: IF_INDEX, ifname: IF_NAME, lastSeenMs, best: true, tq, throughputKbit: null });
      }
      const link = (index: number, name: string, master: number, s: LinkStats64 | null): Link => ({
        index,
        name,
        hwType: 1,
        flags: 0,
        up: true,
        running: true,
        lowerUp: true,
        operstate: 'up',
        carrier: master === 0 || sim.carrier,
        carrierChanges: 0,
        mtu: 1500,
        master,
        kind: master === 0 ? 'batadv' : 'veth',
        slaveKind: master === 0 ? null : 'batadv',
        address: null,
        stats: s,
      });
      const snap: MeshSnapshot = {
        meshIfname: 'bat0',
        state: 'up',
        reason: null,
        takenAtMs: 1_700_000_000_000 + now,
        durationMs: 1,
        mesh: {
          meshIfindex: 100,
          meshIfname: 'bat0',
          meshAddress: '02:00:00:00:00:01',
          version: '2022.3',
          algorithm: 'BATMAN_IV',
          primary: { ifindex: IF_INDEX, ifname: IF_NAME, address: '02:00:00:00:00:01' },
          ttvn: 1,
          blaCrc: null,
          mcastFlags: null,
          mcastFlagsPriv: null,
          tunables: {},
        },
        hardInterfaces: [{ ifindex: IF_INDEX, ifname: IF_NAME, address: '02:00:00:00:00:01', active: true, hopPenalty: 0, elpIntervalMs: null, throughputOverrideKbit: null }],
        neighbors: nbs,
        originators: origs,
        gateways: [],
        bestRoutes: [],
        links: [link(100, 'bat0', 0, null), link(IF_INDEX, IF_NAME, 100, stats({ rxPackets: rx, txPackets: tx, rxErrors: errors }))],
      };
      if (farVia !== undefined) {
        const via = neighborMac(farVia);
        origs.push({ originator: FAR, neighbor: via, ifindex: IF_INDEX, ifname: IF_NAME, lastSeenMs: 500, best: true, tq: 180, throughputKbit: null });
      }
      snap.bestRoutes = origs.filter((o) => o.best);
      return monitor.observe(snap, now);
    },
  };
  return sim;
}

export interface ProbedLink {
  link: ProbeLink;
  /**
   * One 1 s cycle of the mesh with the probes of that second; `addedMs(k)`: delay added
   * to probe k on top of the link's 2 ms (the probes carry their send time).
   */
  step(lost?: (k: number) => boolean, addedMs?: (k: number) => number): void;
}

/**
 * A neighbour's link probes as the prober counts them: the real reception and quality,
 * fed five probes a second (200 ms) of which those with `lost(k)` (k = 0..4) are dropped.
 * Step the sim through it (its step is one cycle of the sim).
 */
export function probedLink(sim: MeshSim, i: number): ProbedLink {
  const start = sim.now();
  const key = `${IF_NAME}/${neighborMac(i)}`;
  const link: ProbeLink = { key, ifname: IF_NAME, neighbor: neighborMac(i), reception: new ProbeReception(start, 1000), quality: new LinkQuality(), delay: new ProbeDelay() };
  const probes = new Map(sim.monitor.view.probes);
  probes.set(key, link);
  sim.monitor.view.probes = probes;
  let seq = 0;
  return {
    link,
    /** One 1 s cycle of the mesh with the probes of that second. */
    step(lost: (k: number) => boolean = () => false, addedMs: (k: number) => number = () => 0) {
      const from = sim.now();
      for (let k = 0; k < 5; k++) {
        seq++;
        if (lost(k)) continue;
        const at = from + k * 200 + 100;
        for (const b of link.reception.record({ intervalMs: 200, session: 7, seq }, at)) link.quality.observe(b);
        // The sender's clock is 123456 ms ahead of ours.
        link.delay.record(7, (at - 2 - addedMs(k) + 123_456) >>> 0, at);
      }
      sim.step();
      for (const b of link.reception.close(sim.now())) link.quality.observe(b);
    },
  };
}
