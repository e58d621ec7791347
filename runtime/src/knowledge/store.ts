/**
 * The knowledge store: incidents, the audit trail of actions and their outcomes,
 * and per-link baselines, kept under the state directory and bounded in count and
 * bytes. Crash safety comes from two files:
 *   knowledge.json     a snapshot, replaced atomically (write, fsync, rename, fsync dir)
 *   knowledge.journal  appended (and fsynced) one checksummed line per change
 * A snapshot covers every journal record up to its `seq`; compaction writes a new
 * snapshot first and empties the journal second, so a kill -9 between the two only
 * leaves records that replay skips. A torn or corrupt journal line is dropped on
 * load. Writes that fail are counted, not thrown: the loop keeps running.
 */
import type { Host } from '../host/index.js';
import type { BaselineState } from '../loop/ewma.js';
import type { AuditRecord, Incident } from '../loop/types.js';
import { encodeJournalLine, type JournalRecord, readJournal } from './journal.js';

export const SNAPSHOT_FILE = 'knowledge.json';
export const JOURNAL_FILE = 'knowledge.journal';
const FORMAT = 1;

export interface KnowledgeLimits {
  incidents: number;
  audits: number;
  baselines: number;
  /** Compact when the journal grows past this. */
  journalBytes: number;
  /** Drop the oldest records until the snapshot fits. */
  snapshotBytes: number;
}

export const KNOWLEDGE_LIMITS: KnowledgeLimits = {
  incidents: 100,
  audits: 200,
  baselines: 256,
  journalBytes: 64 * 1024,
  snapshotBytes: 256 * 1024,
};

export interface LoadReport {
  snapshotSeq: number;
  replayed: number;
  corruptLines: number;
  tornBytes: number;
  /** The snapshot could not be parsed and was moved aside (knowledge.json.corrupt). */
  snapshotDiscarded: boolean;
}

interface Snapshot {
  format: number;
  seq: number;
  incidents: Incident[];
  audits: AuditRecord[];
  baselines: Record<string, BaselineState>;
}

export type OpenResult = { ok: true; store: KnowledgeStore; report: LoadReport } | { ok: false; error: string };

function isIncident(x: unknown): x is Incident {
  const i = x as Incident;
  return typeof x === 'object' && x !== null && typeof i.id === 'string' && typeof i.kind === 'string' && typeof i.target === 'string';
}

function isAudit(x: unknown): x is AuditRecord {
  const a = x as AuditRecord;
  return typeof x === 'object' && x !== null && typeof a.id === 'string' && typeof a.result === 'string';
}

function isBaseline(x: unknown): x is BaselineState {
  const b = x as BaselineState;
  return typeof x === 'object' && x !== null && Number.isFinite(b.mean) && Number.isFinite(b.deviation) && Number.isFinite(b.samples);
}

export class KnowledgeStore {
  private seq = 0;
  private incidentList: Incident[] = [];
  private auditList: AuditRecord[] = [];
  private baselineMap = new Map<string, BaselineState>();
  private journalSize = 0;
  writeErrors = 0;
  lastError: string | null = null;

  private constructor(
    private readonly host: Host,
    readonly dir: string,
    private readonly limits: KnowledgeLimits,
  ) {}

  static open(host: Host, dir: string, limits: KnowledgeLimits = KNOWLEDGE_LIMITS): OpenResult {
    const store = new KnowledgeStore(host, dir, limits);
    const report: LoadReport = { snapshotSeq: 0, replayed: 0, corruptLines: 0, tornBytes: 0, snapshotDiscarded: false };
    try {
      host.files.mkdirp(dir, 0o755);
    } catch (e) {
      return { ok: false, error: `knowledge store ${dir}: ${(e as Error).message}` };
    }
    const snapPath = `${dir}/${SNAPSHOT_FILE}`;
    if (host.files.stat(snapPath)) {
      let snap: Snapshot | null = null;
      try {
        const parsed = JSON.parse(host.files.readText(snapPath, limits.snapshotBytes * 4)) as Snapshot;
        if (parsed && parsed.format === FORMAT && Number.isSafeInteger(parsed.seq)) snap = parsed;
      } catch {
        snap = null;
      }
      if (snap) {
        store.seq = snap.seq;
        store.incidentList = (snap.incidents ?? []).filter(isIncident);
        store.auditList = (snap.audits ?? []).filter(isAudit);
        for (const [k, v] of Object.entries(snap.baselines ?? {})) if (isBaseline(v)) store.baselineMap.set(k, v);
        report.snapshotSeq = snap.seq;
      } else {
        report.snapshotDiscarded = true;
        try {
          host.files.rename(snapPath, `${snapPath}.corrupt`);
        } catch (e) {
          return { ok: false, error: `knowledge store: cannot move the unreadable snapshot aside: ${(e as Error).message}` };
        }
      }
    }
    const journalPath = `${dir}/${JOURNAL_FILE}`;
    if (host.files.stat(journalPath)) {
      let bytes: Uint8Array;
      try {
        bytes = host.files.readBytes(journalPath, limits.journalBytes * 4);
      } catch (e) {
        return { ok: false, error: `knowledge store: ${(e as Error).message}` };
      }
      const read = readJournal(bytes);
      report.corruptLines = read.corrupt;
      report.tornBytes = read.tornBytes;
      for (const r of read.records) {
        if (r.s <= store.seq) continue;
        store.applyRecord(r);
        store.seq = r.s;
        report.replayed++;
      }
      // Start from a clean journal: an append after a torn line would glue onto it.
      if (bytes.length > 0) store.compact();
    }
    store.trim();
    return { ok: true, store, report };
  }

  private applyRecord(r: JournalRecord): void {
    if (r.t === 'i' && isIncident(r.v)) this.upsertIncident(r.v);
    else if (r.t === 'a' && isAudit(r.v)) this.auditList.push(r.v);
    else if (r.t === 'b' && typeof r.v === 'object' && r.v !== null) {
      for (const [k, v] of Object.entries(r.v as Record<string, unknown>)) if (isBaseline(v)) this.baselineMap.set(k, v);
    }
  }

  private upsertIncident(inc: Incident): void {
    const i = this.incidentList.findIndex((x) => x.id === inc.id);
    if (i >= 0) this.incidentList[i] = inc;
    else this.incidentList.push(inc);
  }

  private trim(): void {
    const l = this.limits;
    if (this.incidentList.length > l.incidents) {
      // Drop resolved ones first, oldest first; open ones only if nothing else is left.
      let excess = this.incidentList.length - l.incidents;
      this.incidentList = this.incidentList.filter((x) => !(excess > 0 && x.status === 'resolved' && excess-- > 0));
      if (this.incidentList.length > l.incidents) this.incidentList.splice(0, this.incidentList.length - l.incidents);
    }
    if (this.auditList.length > l.audits) this.auditList.splice(0, this.auditList.length - l.audits);
    while (this.baselineMap.size > l.baselines) {
      const first = this.baselineMap.keys().next();
      if (first.done) break;
      this.baselineMap.delete(first.value);
    }
  }

  private append(t: JournalRecord['t'], v: unknown): void {
    this.seq++;
    const line = encodeJournalLine({ s: this.seq, t, v });
    try {
      this.host.files.append(`${this.dir}/${JOURNAL_FILE}`, line, 0o644);
      this.journalSize += line.length;
    } catch (e) {
      this.writeErrors++;
      this.lastError = (e as Error).message;
      return;
    }
    if (this.journalSize > this.limits.journalBytes) this.compact();
  }

  recordIncident(inc: Incident): void {
    this.upsertIncident(inc);
    this.trim();
    this.append('i', inc);
  }

  recordAudit(rec: AuditRecord): void {
    this.auditList.push(rec);
    this.trim();
    this.append('a', rec);
  }

  saveBaselines(entries: Iterable<[string, BaselineState]>): void {
    const changed: Record<string, BaselineState> = {};
    let n = 0;
    for (const [k, v] of entries) {
      this.baselineMap.delete(k);
      this.baselineMap.set(k, v);
      changed[k] = v;
      n++;
    }
    if (n === 0) return;
    this.trim();
    this.append('b', changed);
  }

  /** Write the snapshot, then empty the journal. Returns false (and counts) on failure. */
  compact(): boolean {
    try {
      let text = this.serialize();
      while (text.length > this.limits.snapshotBytes && (this.auditList.length > 0 || this.incidentList.length > 0)) {
        if (this.auditList.length >= this.incidentList.length) this.auditList.splice(0, Math.max(1, this.auditList.length >> 3));
        else this.incidentList.splice(0, Math.max(1, this.incidentList.length >> 3));
        text = this.serialize();
      }
      this.host.files.writeAtomic(`${this.dir}/${SNAPSHOT_FILE}`, text, 0o644);
      this.host.files.writeAtomic(`${this.dir}/${JOURNAL_FILE}`, '', 0o644);
      this.journalSize = 0;
      return true;
    } catch (e) {
      this.writeErrors++;
      this.lastError = (e as Error).message;
      return false;
    }
  }

  private serialize(): string {
    const snap: Snapshot = {
      format: FORMAT,
      seq: this.seq,
      incidents: this.incidentList,
      audits: this.auditList,
      baselines: Object.fromEntries(this.baselineMap),
    };
    return JSON.stringify(snap);
  }

  get sequence(): number {
    return this.seq;
  }

  incidents(): readonly Incident[] {
    return this.incidentList;
  }

  audits(): readonly AuditRecord[] {
    return this.auditList;
  }

  baselines(): ReadonlyMap<string, BaselineState> {
    return this.baselineMap;
  }
}
