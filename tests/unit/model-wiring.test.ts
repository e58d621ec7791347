/**
 * The model in the agent: the feature recorder (record_features) writes what the
 * scorer computes and stops at its cap; the `model` setting loads a model file (a bad
 * one leaves the rules alone in charge); in the loop, a model alarm opens an advisory
 * link-anomaly incident and never leads to an action by itself, while a rule's own
 * incident still acts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import { createLog } from '../../runtime/src/log.js';
import { loadModelScorer, statePath } from '../../runtime/src/loop/agent-loop.js';
import type { LinkScorer } from '../../runtime/src/loop/detector.js';
import type { LinkSeries, MeshView } from '../../runtime/src/loop/monitor.js';
import { LINK_FEATURES_V2, linkFeatures, linkProbeDelayMs, NODE_FEATURES_V2, nodeFeatures } from '../../runtime/src/model/features.js';
import { encodeModel } from '../../runtime/src/model/format.js';
import { FeatureRecorder } from '../../runtime/src/model/recorder.js';
import { testModel, meshSim } from '../support/model-fixture.js';
import { removeTree, tempDir } from '../support/tmp.js';
import { flappingMesh, loopHarness } from './loop-fixtures.test.js';

const t = suite('model: recorder and wiring');
const host = getHost();

t('the recorder writes one line per cycle with the scorer’s features, and stops at its cap', () => {
  const dir = tempDir('recorder');
  try {
    const path = `${dir}/features.jsonl`;
    const rec = new FeatureRecorder(host, { path, maxBytes: 1 << 20, flushCycles: 10 });
    const sim = meshSim(5);
    let view: MeshView | null = null;
    for (let c = 0; c < 25; c++) {
      view = sim.step();
      rec.record(view, 1_700_000_000_000 + c * 1000);
    }
    rec.flush();
    const lines = host.files.readText(path, 1 << 20).trim().split('\n');
    assert.is(lines.length, 25);
    const last = JSON.parse(lines[24] as string);
    assert.is(last.v, 5);
    assert.is(last.c, (view as MeshView).cycles);
    assert.is(last.links.length, 4);
    const link = (view as MeshView).links.get(last.links[0].k) as LinkSeries;
    const f = new Float64Array(LINK_FEATURES_V2.features.length);
    assert.ok(linkFeatures(link, view as MeshView, f, LINK_FEATURES_V2));
    assert.equal(last.links[0].f, Array.from(f, (x) => Math.round(x * 10_000) / 10_000), 'the link vector is what the scorer computes (v2: with the probe features)');
    assert.is(last.links[0].f.length, 22);
    assert.is(last.links[0].m, link.metric.last());
    const iface = (view as MeshView).interfaces.get(link.ifname);
    assert.ok(iface, 'the link has its hard interface in the view');
    assert.is(last.links[0].up, true, 'format 4: the interface up with its carrier');
    assert.ok('dl' in last.links[0], 'format 5: the probe delay, null when not measured');
    assert.is(last.links[0].dl, linkProbeDelayMs(link, view as MeshView));
    (iface as { carrier: boolean }).carrier = false; // the carrier lost
    assert.is(JSON.parse(rec.line(view as MeshView, 0)).links[0].up, false, 'the carrier lost');
    const n = new Float64Array(NODE_FEATURES_V2.features.length);
    nodeFeatures(view as MeshView, n, NODE_FEATURES_V2);
    assert.equal(last.node, Array.from(n, (x) => Math.round(x * 10_000) / 10_000), 'the node vector is what the scorer computes (v2: with the probe summaries)');
    assert.is(last.node.length, 19);

    // A second recorder on the same file counts what is there against a small cap.
    const size = host.files.stat(path)?.size ?? 0;
    const capped = new FeatureRecorder(host, { path, maxBytes: size + 2 * lines[24]!.length, flushCycles: 1 });
    for (let c = 0; c < 10; c++) capped.record(sim.step(), 0);
    assert.is(capped.state, 'full');
    const after = host.files.stat(path)?.size ?? 0;
    assert.ok(after > size && after <= size + 2 * lines[24]!.length, `${size} -> ${after}`);
    assert.ok(host.files.readText(path, 1 << 20).endsWith('\n'), 'only whole lines');
  } finally {
    removeTree(dir);
  }
});

t('a recorder on an unwritable path fails once and stays quiet', () => {
  const rec = new FeatureRecorder(host, { path: '/nonexistent-dir-x0/features.jsonl', maxBytes: 1 << 20, flushCycles: 1 });
  rec.record(meshSim(1).step(), 0);
  assert.is(rec.state, 'failed');
  assert.ok(rec.lastError !== '');
});

t('the model setting: a model file loads; a damaged one is refused with a reason and the rules run alone', () => {
  const dir = tempDir('model-load');
  try {
    const lines: string[] = [];
    const log = createLog({ ...host, logger: { log: (l, m) => void lines.push(`${l} ${m}`), openSyslog() {} } }, 'debug');
    const bytes = encodeModel(testModel(3).model);
    if (!bytes.ok) throw new Error(bytes.error);
    host.files.writeAtomic(`${dir}/x0tta6bl4.model`, bytes.value);
    assert.is(statePath(dir, 'x0tta6bl4.model'), `${dir}/x0tta6bl4.model`);
    assert.is(statePath(dir, '/etc/x.model'), '/etc/x.model');
    const ok = loadModelScorer(host, log, statePath(dir, 'x0tta6bl4.model'));
    assert.ok(ok !== null);
    assert.equal(ok?.thresholds(), { link: 1000, node: 1000 });
    const bad = bytes.value.slice();
    bad[40] = (bad[40] as number) ^ 0xff;
    host.files.writeAtomic(`${dir}/bad.model`, bad);
    assert.is(loadModelScorer(host, log, `${dir}/bad.model`), null);
    assert.is(loadModelScorer(host, log, `${dir}/missing.model`), null);
    assert.ok(lines.some((l) => l.includes('bad.model') && l.includes('rules only')), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('missing.model') && l.includes('cannot read')));
  } finally {
    removeTree(dir);
  }
});

/** A scorer that finds link eth1/aa:..:0a anomalous from cycle `from` on. */
function scriptedScorer(from: () => boolean): LinkScorer {
  return {
    name: 'scripted',
    scoreLink: (link: LinkSeries) => (link.key === 'eth1/aa:00:00:00:00:0a' && from() ? 1 : 0),
    lastLink: () => ({ error: 900, threshold: 400, worstFeature: 'metric_std', worstZ: 3.5 }),
  };
}

t('in auto mode a model alarm alone opens an advisory incident and takes no action', async () => {
  let cycle = 0;
  const h = loopHarness({ mode: 'auto' }, (c) => flappingMesh(() => false)((cycle = c)), undefined, null, undefined, { linkScorer: scriptedScorer(() => cycle > 40) });
  await h.cycles(120);
  const open = h.loop.status().open;
  const anomaly = open.find((i) => i.kind === 'link-anomaly');
  assert.ok(anomaly, JSON.stringify(open.map((i) => i.kind)));
  assert.is(anomaly?.target, 'link:eth1/aa:00:00:00:00:0a');
  assert.is(anomaly?.evidence.values.worstFeature, 'metric_std');
  assert.ok(!open.some((i) => i.kind === 'link-degraded'), 'the rule did not fire');
  assert.equal(h.actuator.calls, [], 'nothing changed on the mesh');
  assert.equal(h.audits, [], 'no action planned');
});

t('when a rule fires too, the rule’s incident is what acts', async () => {
  let cycle = 0;
  const h = loopHarness({ mode: 'auto', cooldownMs: 20_000 }, (c) => flappingMesh((x) => x > 60)((cycle = c)), undefined, null, undefined, { linkScorer: scriptedScorer(() => cycle > 60) });
  await h.cycles(160);
  const all = [...h.loop.status().open, ...h.loop.status().recent];
  assert.ok(all.some((i) => i.kind === 'link-anomaly'));
  const acted = h.audits.filter((a) => a.result === 'done');
  assert.ok(acted.length > 0, 'the rules acted on the flapping link');
  assert.ok(acted.every((a) => a.incidentKind === 'route-flapping'), JSON.stringify(acted.map((a) => a.incidentKind)));
});

t('the loop tells the scorer every incident it opens, with the monitor\'s time', async () => {
  const told: { kind: string; target: string; at: number }[] = [];
  const scorer: LinkScorer = {
    ...scriptedScorer(() => false),
    incidentOpened: (kind, target, at) => {
      told.push({ kind, target, at });
      return true;
    },
  };
  const h = loopHarness({ mode: 'advise' }, flappingMesh((x) => x > 30), undefined, null, undefined, { linkScorer: scorer });
  await h.cycles(100);
  const opened = [...h.loop.status().open, ...h.loop.status().recent];
  const flapping = opened.find((i) => i.kind === 'route-flapping');
  assert.ok(flapping, JSON.stringify(opened.map((i) => i.kind)));
  const got = told.find((x) => x.kind === 'route-flapping');
  assert.is(got?.target, flapping?.target);
  assert.is(told.length, opened.length, 'one call per incident opened');
  assert.is(got?.at, flapping?.startedMono, "the monitor's time of the cycle that opened it");
});

t.run();
