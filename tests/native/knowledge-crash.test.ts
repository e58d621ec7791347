// The knowledge store against kill -9: our binary re-runs this very test bundle in
// "writer" mode (X0_KNOWLEDGE_WRITER=DIR), which appends incidents, audit records and
// baselines as fast as it can, compacting often; the test kills it at random moments
// and checks after each kill that the store loads, loses nothing it had before, and
// holds only well-formed records. The kill comes a random time after the writer's
// first records are on disk (it says so in a ready file), not after a fixed time from
// its start: an ASan build or a loaded CI machine takes longer to start.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import { KNOWLEDGE_LIMITS, KnowledgeStore } from '../../runtime/src/knowledge/store.js';
import type { Incident } from '../../runtime/src/loop/types.js';
import { removeTree, tempDir } from '../support/tmp.js';

const LIMITS = { ...KNOWLEDGE_LIMITS, journalBytes: 3000, incidents: 40, audits: 60 };
const writerDir = getHost().getenv('X0_KNOWLEDGE_WRITER');

function incident(n: number): Incident {
  const evidence = { summary: `writer incident ${n}`, values: { n } };
  return { id: `inc-w-${n}`, kind: 'deaf-interface', target: 'if:wl0', severity: 'critical', status: n % 2 ? 'resolved' : 'open', startedAtMs: n, startedMono: n, updatedAtMs: n, resolvedAtMs: null, openedWith: evidence, evidence, resolveReason: null };
}

if (writerDir !== undefined) {
  const opened = KnowledgeStore.open(getHost(), writerDir, LIMITS);
  if (!opened.ok) getHost().stderr.write(`writer: ${opened.error}\n`);
  const store = opened.ok ? opened.store : getHost().exit(3);
  // Continue numbering after what survived, so ids stay unique across runs.
  let n = store.sequence + 1;
  const ready = getHost().getenv('X0_KNOWLEDGE_WRITER_READY');
  for (let round = 0; ; round++) {
    if (round === 1 && ready !== undefined) getHost().files.writeAtomic(ready, 'written\n');
    store.recordIncident(incident(n));
    store.recordAudit({
      id: `act-w-${n}`,
      atMs: n,
      mode: 'auto',
      policy: 'deaf-restart',
      incidentId: `inc-w-${n}`,
      incidentKind: 'deaf-interface',
      target: 'if:wl0',
      evidence: { summary: 'x', values: {} },
      action: { kind: 'restart-interface', ifname: 'wl0', method: 'link', attempt: 1 },
      reason: 'writer',
      result: 'done',
      detail: 'ok',
    });
    store.saveBaselines([[`wl0/${n % 7}`, { mean: n, deviation: 1, samples: n }]]);
    n += 3;
  }
}

const t = suite('native: the knowledge store survives kill -9');
const binary = getHost().getenv('X0_BINARY') ?? 'dist/x0tta6bl4';

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

t('twelve writers killed at random moments: the store always loads and never goes backwards', async () => {
  const host = getHost();
  const bundle = ((globalThis as Record<string, unknown>).scriptArgs as string[] | undefined)?.[0];
  assert.ok(bundle, 'runs under x0tta6bl4 run BUNDLE');
  const dir = tempDir('crash');
  const readyDir = tempDir('crash-ready');
  const ready = `${readyDir}/ready`;
  let seed = 4242;
  let lastSeq = 0;
  let grew = 0;
  try {
    for (let trial = 0; trial < 12; trial++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const delay = ((seed % 400) / 1000).toFixed(3);
      if (host.files.stat(ready)) host.files.remove(ready);
      // Wait (at most 10 s) for the writer's first round, then kill it 0-400 ms later.
      const script = `X0_KNOWLEDGE_WRITER=${q(dir)} X0_KNOWLEDGE_WRITER_READY=${q(ready)} ${q(binary)} run ${q(bundle as string)} & pid=$!; i=0; while [ ! -e ${q(ready)} ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done; sleep ${delay}; kill -9 $pid; wait $pid; echo "status $?"`;
      const r = await host.processes.run(['sh', '-c', script], { timeoutMs: 15_000 });
      assert.match(r.stdout, /status 137/, `trial ${trial}: the writer must still be running when killed: ${r.stdout} ${r.stderr}`);
      const opened = KnowledgeStore.open(host, dir, LIMITS);
      assert.ok(opened.ok, opened.ok ? '' : opened.error);
      if (!opened.ok) return;
      const s = opened.store;
      assert.ok(s.sequence >= lastSeq, `trial ${trial}: seq went back from ${lastSeq} to ${s.sequence}`);
      if (s.sequence > lastSeq) grew++;
      lastSeq = s.sequence;
      assert.ok(s.incidents().length <= LIMITS.incidents);
      assert.ok(s.audits().length <= LIMITS.audits);
      assert.is(new Set(s.audits().map((a) => a.id)).size, s.audits().length, 'no audit record twice');
      for (const i of s.incidents()) assert.match(i.id, /^inc-w-\d+$/);
      assert.is(opened.report.corruptLines, 0, 'only the last line can be torn');
    }
    assert.ok(grew >= 10, `the writers got to write (${grew} of 12 runs added records)`);
  } finally {
    removeTree(dir);
    removeTree(readyDir);
  }
});

t.run();
