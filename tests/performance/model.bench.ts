// The anomaly model on one link window (issue 9's goal: at most 300 µs on quickjs-ng):
// the link's feature vector from the monitor's series (30-sample window), normalised,
// quantized, through the int8 autoencoder (test architecture 16-12-6-12-16, 528 MACs,
// seeded random weights), squared reconstruction error against the threshold. The
// series come from the real Monitor fed 200 cycles of a synthetic 4-neighbour mesh.
// Also: each part alone, the float reference, reading the model file, and the same
// window scored by the shipped model (model/x0tta6bl4.model, trained in the lab) when
// the file is there (the benchmark runs at the repository's root), and, when its links
// are an ensemble, the same window by its first link network alone. For the shipped model
// the link is probed (real probe reception and quality, 10 % loss), so its v2 features
// (v1 + six link-probe features) are computed from real probe state.
import type { Bench } from 'tinybench';
import { dequantizeNetwork, floatForward } from '../../runtime/src/model/float-inference.js';
import { LINK_FEATURES_V1, LINK_FEATURES_V2, LINK_FEATURES_V3, linkFeatures } from '../../runtime/src/model/features.js';
import { decodeModel, encodeModel, ensembleOf } from '../../runtime/src/model/format.js';
import { IntNetwork } from '../../runtime/src/model/int-inference.js';
import { RuleHolds } from '../../runtime/src/model/rule-holds.js';
import { ModelScorer, SCORER_DEFAULTS } from '../../runtime/src/model/scorer.js';
import { getHost } from '../../runtime/src/host/index.js';
import { IF_NAME, meshSim, neighborMac, probedLink, testModel } from '../support/model-fixture.js';

/** The shipped model, or null when it is not there (or does not load). */
function shippedModel() {
  let bytes: Uint8Array;
  try {
    bytes = getHost().files.readBytes('model/x0tta6bl4.model', 65_536);
  } catch {
    return null;
  }
  const m = decodeModel(bytes);
  return m.ok ? m.value : null;
}

export function register(bench: Bench): void {
  const { model } = testModel(1, 40_000, 40_000);
  const created = ModelScorer.create(model);
  if (!created.ok) throw new Error(created.error);
  const scorer = created.value;
  const sim = meshSim(9);
  for (let c = 0; c < 200; c++) {
    const view = sim.step();
    for (const l of view.links.values()) scorer.scoreLink(l, view);
  }
  const view = sim.monitor.view;
  const link = view.links.get(`${IF_NAME}/${neighborMac(0)}`)!;
  if (!scorer.evaluateLink(link, view)) throw new Error('model bench: link not scored');
  const net = new IntNetwork(model.networks[0]!);
  const q = Int8Array.from({ length: 16 }, (_, i) => (i * 37) % 255 - 127);
  const float = dequantizeNetwork(model.networks[0]!);
  const x = Array.from(q, (v) => v * model.networks[0]!.inputScale);
  const raw = new Float64Array(LINK_FEATURES_V1.features.length);
  const file = encodeModel(model);
  if (!file.ok) throw new Error(file.error);

  bench.add('model: score one link window (features + int8 inference)', () => {
    if (!scorer.evaluateLink(link, view)) throw new Error('no judgement');
  });
  const shipped = shippedModel();
  const shippedScorer = shipped ? ModelScorer.create(shipped) : null;
  if (shippedScorer?.ok) {
    const s = shippedScorer.value;
    // The same model with the inference in TypeScript, where the host has it in C: what the kernel saves.
    const tsCreated = getHost().int8 ? ModelScorer.create(shipped as NonNullable<typeof shipped>, { ...SCORER_DEFAULTS, nativeInference: false }) : null;
    const ts = tsCreated?.ok ? tsCreated.value : null;
    // With a link ensemble: the same model with its first link network alone, what the other members cost.
    const links = ensembleOf((shipped as NonNullable<typeof shipped>).networks, 'link');
    const headCreated = links.length > 1 ? ModelScorer.create({ label: 'head', networks: [links[0]!, ...ensembleOf((shipped as NonNullable<typeof shipped>).networks, 'node')] }) : null;
    const head = headCreated?.ok ? headCreated.value : null;
    const sim2 = meshSim(9);
    const probed = probedLink(sim2, 0);
    for (let c = 0; c < 200; c++) {
      probed.step((k) => k === c % 10);
      const v = sim2.monitor.view;
      for (const l of v.links.values()) {
        s.scoreLink(l, v);
        ts?.scoreLink(l, v);
        head?.scoreLink(l, v);
      }
      s.scoreNode(v);
    }
    const v2 = sim2.monitor.view;
    const l2 = v2.links.get(`${IF_NAME}/${neighborMac(0)}`)!;
    if (!s.evaluateLink(l2, v2)) throw new Error('model bench: link not scored by the shipped model');
    bench.add('model: score one link window, shipped model (model/x0tta6bl4.model)', () => {
      if (!s.evaluateLink(l2, v2)) throw new Error('no judgement');
    });
    if (head) {
      if (!head.evaluateLink(l2, v2)) throw new Error('model bench: link not scored by the first link network alone');
      bench.add(`model: score one link window, shipped model's first link network alone (of ${links.length})`, () => {
        if (!head.evaluateLink(l2, v2)) throw new Error('no judgement');
      });
    }
    if (ts) {
      if (!ts.evaluateLink(l2, v2)) throw new Error('model bench: link not scored with the TypeScript inference');
      bench.add('model: score one link window, shipped model, TypeScript inference', () => {
        if (!ts.evaluateLink(l2, v2)) throw new Error('no judgement');
      });
    }
    if (s.evaluateNode(v2)) {
      // Node v2 summarises the probes of every link with a metric (4 links, one probed).
      bench.add('model: score the node window, shipped model (4 links)', () => {
        if (!s.evaluateNode(v2)) throw new Error('no judgement');
      });
    }
  }
  bench.add('model: link features only (30-sample window)', () => {
    if (!linkFeatures(link, view, raw)) throw new Error('no features');
  });
  {
    const sim3 = meshSim(9);
    const probed = probedLink(sim3, 0);
    for (let c = 0; c < 200; c++) probed.step((k) => k === c % 10);
    const v3 = sim3.monitor.view;
    const l3 = v3.links.get(`${IF_NAME}/${neighborMac(0)}`)!;
    const raw2 = new Float64Array(LINK_FEATURES_V2.features.length);
    if (!linkFeatures(l3, v3, raw2, LINK_FEATURES_V2) || raw2[16] !== 1) throw new Error('model bench: no probe features');
    bench.add('model: link features v2 only (v1 + link-probe features, probed link)', () => {
      if (!linkFeatures(l3, v3, raw2, LINK_FEATURES_V2)) throw new Error('no features');
    });
    bench.add('model: link features v3 only (v2 with the probe silence in seconds, probed link)', () => {
      if (!linkFeatures(l3, v3, raw2, LINK_FEATURES_V3)) throw new Error('no features');
    });
  }
  // The host's path (C on our quickjs-ng binary, TypeScript on Node) beside the TypeScript loop.
  bench.add('model: int8 inference only (16-12-6-12-16; the C kernel on quickjs-ng)', () => {
    net.reconstructionError(q);
  });
  if (net.isNative) {
    const tsNet = new IntNetwork(model.networks[0]!, { native: false });
    bench.add('model: int8 inference only (16-12-6-12-16), TypeScript loop', () => {
      tsNet.reconstructionError(q);
    });
  }
  bench.add('model: float reference inference (same network)', () => {
    floatForward(float, x);
  });
  {
    // What a rule's hold adds to each link's cycle: one lookup (20 links held, one interface).
    const holds = new RuleHolds();
    for (let i = 0; i < 20; i++) holds.opened('link-flapping', `link:${IF_NAME}/${neighborMac(i)}`, 1000);
    holds.opened('deaf-interface', 'if:mesh9', 1000);
    const probe = `${IF_NAME}/${neighborMac(25)}`;
    if (holds.held(probe, 2000)) throw new Error('model bench: an unheld link is held');
    bench.add('model: is a link held by a rule (20 links and one interface held; the link is not)', () => {
      if (holds.held(probe, 2000)) throw new Error('held');
    });
  }
  bench.add(`model: read and check the model file (${file.value.length} bytes)`, () => {
    if (!decodeModel(file.value).ok) throw new Error('bad model');
  });
}
