/**
 * What the rules tell the model's normaliser (rule-holds.ts): which incidents hold a link,
 * for how long, and that expired holds are forgotten.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HOLDING_KINDS, RULE_HOLD_MS, RuleHolds } from '../../runtime/src/model/rule-holds.js';

const t = suite('model: rule holds');
const A = 'mesh0/02:00:00:00:00:0a';
const B = 'mesh0/02:00:00:00:00:0b';
const C = 'mesh1/02:00:00:00:00:0c';

t('a rule incident on a link holds that link only, from the next cycle until RULE_HOLD_MS after it opened', () => {
  const h = new RuleHolds();
  assert.is(h.opened('link-degraded', `link:${A}`, 10_000), true);
  assert.is(h.held(A, 10_000), false, 'not the cycle that opened it');
  assert.is(h.held(A, 10_001), true);
  assert.is(h.held(A, 10_000 + RULE_HOLD_MS - 1), true);
  assert.is(h.held(A, 10_000 + RULE_HOLD_MS), false);
  assert.is(h.held(B, 10_000), false, 'a neighbour on the same interface');
  assert.is(h.held(C, 10_000), false);
});

t('an incident on an interface holds every link of that interface', () => {
  const h = new RuleHolds();
  assert.is(h.opened('deaf-interface', 'if:mesh0', 0), true);
  assert.is(h.held(A, 1), true);
  assert.is(h.held(B, 1), true);
  assert.is(h.held(C, 1), false);
  // An interface name that is a prefix of another holds only its own links.
  assert.is(new RuleHolds().opened('deaf-interface', 'if:mesh', 0), true);
  const p = new RuleHolds();
  p.opened('deaf-interface', 'if:mesh', 0);
  assert.is(p.held(A, 1), false);
});

t('neighbor-lost, the model\'s incidents and node targets hold nothing', () => {
  const h = new RuleHolds();
  for (const kind of ['neighbor-lost', 'link-anomaly', 'node-anomaly', 'uplink-lost', 'no-such-kind']) assert.is(h.opened(kind, `link:${A}`, 0), false, kind);
  assert.is(h.opened('isolated-node', 'node:self', 0), false);
  assert.is(h.opened('link-flapping', 'node:self', 0), false, 'a holding kind on a target that is no link');
  assert.is(h.held(A, 1), false);
  assert.is(h.size, 0);
  assert.equal([...HOLDING_KINDS].sort(), ['deaf-interface', 'link-degraded', 'link-flapping', 'route-flapping']);
});

t('a later incident extends the hold; expired holds are forgotten; 0 ms never holds', () => {
  const h = new RuleHolds(1000);
  h.opened('route-flapping', `link:${A}`, 0);
  h.opened('route-flapping', `link:${A}`, 800);
  assert.is(h.held(A, 800), true, 'a hold in force keeps its start');
  assert.is(h.held(A, 1500), true);
  assert.is(h.held(A, 1800), false);
  h.opened('link-degraded', `link:${B}`, 1000);
  assert.is(h.size, 2);
  h.opened('link-degraded', `link:${C}`, 5000);
  assert.is(h.size, 1, 'A and B expired by 5 s');
  h.opened('route-flapping', `link:${A}`, 6000);
  assert.is(h.held(A, 6000), false, 'an expired hold opened again starts afresh');
  assert.is(h.held(A, 6001), true);
  const never = new RuleHolds(0);
  assert.is(never.opened('link-degraded', `link:${A}`, 0), false);
  assert.is(never.held(A, 0), false);
});

t.run();
