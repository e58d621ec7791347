// node-only: the lab harness (tests/lab/) runs on the host under Node, never on the router.
/// <reference types="node" />
/**
 * A lab scenario's "region": exactly the nodes it names, with every link among them, or a
 * clear error (a node unknown, named twice, or cut off from the others by the region's own
 * links); and the scenario file refuses "region" beside "nodes"/"start", which would say
 * two different things about which nodes run.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadScenario } from '../lab/scenario.js';
import { loadTopology, parseTopology, region } from '../lab/topology.js';

const test = suite('lab region');

// Two triangles A-B-C and D-E-F joined by C-F.
const twoTriangles = parseTopology(
  JSON.stringify({
    nodes: [{ id: 'A' }, { id: 'B' }, { id: 'C' }, { id: 'D' }, { id: 'E', name: 'echo' }, { id: 'F' }],
    links: [
      { source: 'A', target: 'B', source_tq: 0.5 },
      { source: 'B', target: 'C' },
      { source: 'A', target: 'C' },
      { source: 'D', target: 'E' },
      { source: 'E', target: 'F' },
      { source: 'D', target: 'F' },
      { source: 'C', target: 'F' },
    ],
  }),
  'two-triangles',
);

const ids = (t: { nodes: { id: string }[] }) => t.nodes.map((n) => n.id);
const pairs = (t: { nodes: { id: string }[]; links: { a: number; b: number }[] }) =>
  t.links.map((l) => [t.nodes[l.a]?.id, t.nodes[l.b]?.id].sort().join('-')).sort();

test('takes the named nodes in their order, by id or name, with every link among them', () => {
  const r = region(twoTriangles, ['F', 'C', 'echo', 'A']);
  assert.equal(ids(r), ['F', 'C', 'E', 'A']);
  assert.equal(pairs(r), ['A-C', 'C-F', 'E-F']);
});

test('a link keeps its recorded TQ, end for end, when its ends are renumbered', () => {
  const r = region(twoTriangles, ['B', 'A']);
  const l = r.links[0];
  assert.ok(l);
  assert.is(r.nodes[l.a]?.id, 'A');
  assert.is(l.tqAB, 0.5);
});

test('a region its own links do not connect is refused, naming the nodes cut off', () => {
  assert.throws(() => region(twoTriangles, ['A', 'B', 'D', 'E']), (e: Error) => /not connected by its own links.*D, E/.test(e.message));
});

test('an unknown node, or one named twice, is refused', () => {
  assert.throws(() => region(twoTriangles, ['A', 'Z']), (e: Error) => /no node with id or name "Z"/.test(e.message));
  assert.throws(() => region(twoTriangles, ['A', 'B', 'A']), (e: Error) => /"A" named twice/.test(e.message));
  assert.throws(() => region(twoTriangles, []), (e: Error) => /empty region/.test(e.message));
});

test('a scenario takes "region" alone, not beside "nodes" or "start"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'x0-region-'));
  try {
    const file = join(dir, 's.json');
    const events = [{ at: 0, do: 'mark', label: 'x' }];
    writeFileSync(file, JSON.stringify({ region: ['A', 2], events }));
    assert.equal(loadScenario(file).region, ['A', '2']);
    writeFileSync(file, JSON.stringify({ region: ['A'], nodes: 3, events }));
    assert.throws(() => loadScenario(file), (e: Error) => /leave out "nodes" and "start"/.test(e.message));
    writeFileSync(file, JSON.stringify({ region: 'A', events }));
    assert.throws(() => loadScenario(file), (e: Error) => /non-empty list/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every committed scenario with a region names 5 to 10 connected nodes, none shared with another region', () => {
  const dir = 'tests/lab/scenarios';
  const owner = new Map<string, string>(); // topology + node id -> scenario
  let seen = 0;
  for (const f of readdirSync(dir)) {
    const s = loadScenario(join(dir, f));
    if (!s.region) continue;
    assert.ok(s.topology, f);
    const r = region(loadTopology(s.topology), s.region);
    assert.is(r.nodes.length, s.region.length, f);
    assert.ok(r.nodes.length >= 5 && r.nodes.length <= 10, `${f}: ${r.nodes.length} nodes`);
    for (const n of r.nodes) {
      const key = `${s.topology}#${n.id}`;
      // Held-out model runs must not share a node: one region's faults would be read twice.
      assert.is(owner.get(key), undefined, `${f} and ${owner.get(key)} share node ${n.id}`);
      owner.set(key, f);
    }
    seen++;
  }
  assert.ok(seen >= 3, `${seen} scenarios use a region`);
});

test.run();
