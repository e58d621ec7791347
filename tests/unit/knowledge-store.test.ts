import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import { crc32 } from '../../runtime/src/knowledge/crc32.js';
import { encodeJournalLine, readJournal } from '../../runtime/src/knowledge/journal.js';
import { JOURNAL_FILE, KNOWLEDGE_LIMITS, KnowledgeStore, SNAPSHOT_FILE } from '../../runtime/src/knowledge/store.js';
import type { AuditRecord, Incident } from '../../runtime/src/loop/types.js';
import { removeTree, tempDir } from '../support/tmp.js';

const t = suite('knowledge: crash-safe store');
const enc = new TextEncoder();

function incident(n: number, status: Incident['status'] = 'open'): Incident {
  const evidence = { summary: `evidence ${n}`, values: { n } };
  return { id: `inc-${n}`, kind: 'neighbor-lost', target: `link:eth1/${n}`, severity: 'warning', status, startedAtMs: n, startedMono: n, updatedAtMs: n, resolvedAtMs: null, openedWith: evidence, evidence, resolveReason: null };
}

function audit(n: number): AuditRecord {
  return {
    id: `act-${n}`,
    atMs: n,
    mode: 'auto',
    policy: 'hop-penalty',
    incidentId: `inc-${n}`,
    incidentKind: 'route-flapping',
    target: 'if:eth1',
    evidence: { summary: 'x', values: {} },
    action: { kind: 'set-hop-penalty', ifname: 'eth1', from: 0, to: 30 },
    reason: 'test',
    result: 'done',
    detail: 'ok',
  };
}

function open(dir: string, limits = KNOWLEDGE_LIMITS) {
  const r = KnowledgeStore.open(getHost(), dir, limits);
  if (!r.ok) throw new Error(r.error);
  return r;
}

t('crc32 matches the standard check value', () => {
  assert.is(crc32(enc.encode('123456789')), 0xcbf43926);
});

t('records survive a reopen: incidents (updated in place), audit records, baselines', () => {
  const dir = tempDir('knowledge');
  const { store } = open(dir);
  store.recordIncident(incident(1));
  store.recordIncident(incident(2));
  store.recordIncident({ ...incident(1), status: 'resolved', resolveReason: 'condition cleared' });
  store.recordAudit(audit(1));
  store.saveBaselines([['eth1/aa', { mean: 240, deviation: 2, samples: 100 }]]);
  const again = open(dir);
  assert.is(again.report.replayed, 5);
  assert.equal(again.store.incidents().map((i) => [i.id, i.status]), [['inc-1', 'resolved'], ['inc-2', 'open']]);
  assert.is(again.store.audits()[0]?.id, 'act-1');
  assert.equal(again.store.baselines().get('eth1/aa'), { mean: 240, deviation: 2, samples: 100 });
  assert.is(again.store.sequence, 5);
  removeTree(dir);
});

t('a torn last line is dropped, everything before it kept, and appends after it work', () => {
  const dir = tempDir('torn');
  const { store } = open(dir);
  store.recordAudit(audit(1));
  store.recordAudit(audit(2));
  const full = encodeJournalLine({ s: 3, t: 'a', v: audit(3) });
  getHost().files.append(`${dir}/${JOURNAL_FILE}`, full.subarray(0, full.length - 7));
  const r = open(dir);
  assert.is(r.report.tornBytes, full.length - 7);
  assert.equal(r.store.audits().map((a) => a.id), ['act-1', 'act-2']);
  r.store.recordAudit(audit(4));
  const r2 = open(dir);
  assert.equal(r2.store.audits().map((a) => a.id), ['act-1', 'act-2', 'act-4']);
  assert.is(r2.report.tornBytes, 0);
  removeTree(dir);
});

t('garbage and lines with a wrong checksum are dropped, good lines after them kept', () => {
  const dir = tempDir('garbage');
  const files = getHost().files;
  const good1 = encodeJournalLine({ s: 1, t: 'a', v: audit(1) });
  const flipped = encodeJournalLine({ s: 2, t: 'a', v: audit(2) });
  flipped[20] = (flipped[20] as number) ^ 1;
  const good3 = encodeJournalLine({ s: 3, t: 'a', v: audit(3) });
  files.mkdirp(dir);
  files.append(`${dir}/${JOURNAL_FILE}`, good1);
  files.append(`${dir}/${JOURNAL_FILE}`, flipped);
  files.append(`${dir}/${JOURNAL_FILE}`, '\u0000\u0001 not a record at all\n');
  files.append(`${dir}/${JOURNAL_FILE}`, `00000000 {"s":9}\n`);
  files.append(`${dir}/${JOURNAL_FILE}`, good3);
  files.append(`${dir}/${JOURNAL_FILE}`, new Uint8Array([0xff, 0xfe, 0x00, 0x41]));
  const r = open(dir);
  assert.is(r.report.corruptLines, 3);
  assert.is(r.report.tornBytes, 4);
  assert.equal(r.store.audits().map((a) => a.id), ['act-1', 'act-3']);
  removeTree(dir);
});

t('journal reader never throws on random bytes (fixed seed)', () => {
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const line = encodeJournalLine({ s: 1, t: 'i', v: incident(1) });
  for (let i = 0; i < 2000; i++) {
    const b = line.slice();
    for (let k = 0; k < 1 + (rnd() % 4); k++) b[rnd() % b.length] = rnd() & 0xff;
    const r = readJournal(b.subarray(0, rnd() % (b.length + 1)));
    assert.ok(r.records.length + r.corrupt <= 2);
  }
});

t('compaction bounds the journal; a crash between snapshot and truncation replays nothing twice', () => {
  const dir = tempDir('compact');
  const files = getHost().files;
  const limits = { ...KNOWLEDGE_LIMITS, journalBytes: 4096 };
  const { store } = open(dir, limits);
  for (let i = 0; i < 100; i++) store.recordAudit(audit(i));
  assert.ok((files.stat(`${dir}/${JOURNAL_FILE}`)?.size ?? 0) <= 4096 + 1024);
  const oldJournal = files.readBytes(`${dir}/${JOURNAL_FILE}`);
  store.compact();
  // As if killed after the snapshot was renamed but before the journal was emptied:
  files.writeAtomic(`${dir}/${JOURNAL_FILE}`, oldJournal);
  const r = open(dir, limits);
  assert.is(r.report.replayed, 0);
  assert.is(r.store.audits().length, 100);
  assert.is(new Set(r.store.audits().map((a) => a.id)).size, 100);
  removeTree(dir);
});

t('bounded: counts and snapshot bytes', () => {
  const dir = tempDir('bounded');
  const limits = { ...KNOWLEDGE_LIMITS, incidents: 10, audits: 20, baselines: 5, journalBytes: 8192, snapshotBytes: 6000 };
  const { store } = open(dir, limits);
  for (let i = 0; i < 200; i++) {
    store.recordIncident(incident(i, i % 3 === 0 ? 'open' : 'resolved'));
    store.recordAudit(audit(i));
    store.saveBaselines([[`l${i}`, { mean: i, deviation: 1, samples: 50 }]]);
  }
  store.compact();
  assert.ok(store.incidents().length <= 10);
  assert.ok(store.audits().length <= 20);
  assert.is(store.baselines().size, 5);
  assert.ok([...store.baselines().keys()].includes('l199'), 'the newest baselines are kept');
  assert.ok((getHost().files.stat(`${dir}/${SNAPSHOT_FILE}`)?.size ?? 0) <= 6000);
  const r = open(dir, limits);
  assert.ok(r.store.audits().length <= 20);
  removeTree(dir);
});

t('an unreadable snapshot is set aside and the store starts empty', () => {
  const dir = tempDir('badsnap');
  getHost().files.mkdirp(dir);
  getHost().files.writeAtomic(`${dir}/${SNAPSHOT_FILE}`, '{"format":1,"seq":');
  const r = open(dir);
  assert.is(r.report.snapshotDiscarded, true);
  assert.ok(getHost().files.stat(`${dir}/${SNAPSHOT_FILE}.corrupt`));
  assert.is(r.store.incidents().length, 0);
  removeTree(dir);
});

t.run();
