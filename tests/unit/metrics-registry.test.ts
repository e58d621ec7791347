import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Registry } from '../../runtime/src/metrics/registry.js';

const t = suite('metrics: registry and text format 0.0.4');

t('HELP and TYPE once per family, escaped labels and help, cumulative buckets with +Inf, _sum and _count', async () => {
  const r = new Registry();
  const c = r.counter('x0_actions_total', 'Actions by kind.\nSecond line \\ end', ['kind', 'outcome']);
  c.inc({ kind: 'hop_penalty', outcome: 'ok' });
  c.inc({ kind: 'hop_penalty', outcome: 'ok' }, 2);
  c.inc({ kind: 'say "hi"\\\n', outcome: 'failed' });
  const g = r.gauge('x0_temp_celsius', 'A gauge.');
  g.set({}, -1.5);
  const h = r.histogram('x0_cycle_duration_seconds', 'Cycle time.', [0.1, 0.01, 1]);
  for (const v of [0.005, 0.05, 0.05, 2]) h.observe(v);
  assert.equal((await r.render()).split('\n'), [
    '# HELP x0_actions_total Actions by kind.\\nSecond line \\\\ end',
    '# TYPE x0_actions_total counter',
    'x0_actions_total{kind="hop_penalty",outcome="ok"} 3',
    'x0_actions_total{kind="say \\"hi\\"\\\\\\n",outcome="failed"} 1',
    '# HELP x0_temp_celsius A gauge.',
    '# TYPE x0_temp_celsius gauge',
    'x0_temp_celsius -1.5',
    '# HELP x0_cycle_duration_seconds Cycle time.',
    '# TYPE x0_cycle_duration_seconds histogram',
    'x0_cycle_duration_seconds_bucket{le="0.01"} 1',
    'x0_cycle_duration_seconds_bucket{le="0.1"} 3',
    'x0_cycle_duration_seconds_bucket{le="1"} 3',
    'x0_cycle_duration_seconds_bucket{le="+Inf"} 4',
    'x0_cycle_duration_seconds_sum 2.105',
    'x0_cycle_duration_seconds_count 4',
    '',
  ]);
});

t('invalid names, labels and counter decrements are refused', () => {
  const r = new Registry();
  assert.throws(() => r.counter('x0_no_suffix', 'h'));
  assert.throws(() => r.gauge('0bad', 'h'));
  assert.throws(() => r.gauge('x0_g', 'h', ['le']));
  assert.throws(() => r.gauge('x0_g2', 'h', ['__x']));
  assert.throws(() => r.counter('x0_c_total', 'h').inc({}, -1));
  assert.throws(() => r.gauge('x0_l', 'h', ['a']).set({}, 1));
  r.gauge('x0_same', 'h');
  assert.throws(() => r.counter('x0_same', 'h'));
});

t('collectors run before each render; reset drops vanished series', async () => {
  const r = new Registry();
  const g = r.gauge('x0_neighbor_last_seen_seconds', 'h', ['neighbor']);
  let neighbors = ['02:00:00:00:00:01', '02:00:00:00:00:02'];
  r.onCollect(() => {
    g.reset();
    for (const n of neighbors) g.set({ neighbor: n }, 0.5);
  });
  assert.is((await r.render()).split('\n').filter((l) => l.startsWith('x0_neighbor')).length, 2);
  neighbors = ['02:00:00:00:00:02'];
  const text = await r.render();
  assert.not.ok(text.includes('00:01'));
  assert.ok(text.includes('x0_neighbor_last_seen_seconds{neighbor="02:00:00:00:00:02"} 0.5'));
});

t.run();
