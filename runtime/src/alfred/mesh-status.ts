/**
 * The mesh-wide view for `x0tta6bl4 status --mesh`: every node's summary as the
 * local alfred knows it, one line per node, newest data first, stale ones marked, and
 * who signed it: verified (the signer's SPIFFE ID), unsigned (an agent without an
 * identity), unverified (we have no identity to check with) or invalid (with why).
 */
import type { AlfredClient } from './client.js';
import type { Decoded } from './packets.js';
import { type SummaryTrust, type SummaryVerifier, verifySummary } from './signed-summary.js';
import { decodeSummary, type NodeSummary } from './summary.js';

export interface MeshEntry {
  source: string;
  summary: NodeSummary | null;
  error: string | null;
  trust: SummaryTrust;
}

/** `verifier`: our bundle and allow rules, or null when this node has no identity. */
export async function readMeshSummaries(client: AlfredClient, type: number, verifier: SummaryVerifier | null = null): Promise<Decoded<MeshEntry[]>> {
  const r = await client.request(type);
  if (!r.ok) return r;
  const entries: MeshEntry[] = [];
  for (const d of r.value) {
    const s = decodeSummary(d.data);
    const trust = await verifySummary(d.data, d.source, verifier);
    entries.push(s.ok ? { source: d.source, summary: s.value, error: null, trust } : { source: d.source, summary: null, error: s.error, trust });
  }
  entries.sort((a, b) => (a.summary?.name ?? a.source).localeCompare(b.summary?.name ?? b.source));
  return { ok: true, value: entries };
}

export function trustText(t: SummaryTrust): string {
  if (t.state === 'verified') return `verified ${t.id}`;
  return t.state;
}

/** A table; `nowS` (wall seconds) marks summaries older than `staleS` with "(stale)". */
export function formatMeshStatus(entries: readonly MeshEntry[], nowS: number, staleS = 120): string {
  const rows: string[][] = [['node', 'source', 'health', 'open', 'incidents', 'neigh', 'orig', 'gw', 'mode', 'acts', 'signed', 'age']];
  const notes: string[] = [];
  for (const e of entries) {
    const s = e.summary;
    const t = e.trust;
    if (t.state === 'invalid' || t.state === 'unverified') notes.push(`${s?.name ?? e.source} (${e.source}): ${t.state}: ${t.reason}`);
    if (!s) {
      rows.push(['?', e.source, 'unreadable', '-', e.error ?? '', '-', '-', '-', '-', '-', trustText(t), '-']);
      continue;
    }
    const age = Math.max(0, nowS - s.t);
    rows.push([
      s.name,
      e.source,
      s.health,
      String(s.open),
      s.kinds.join(',') || '-',
      String(s.neighbors),
      String(s.originators),
      s.gw ?? '-',
      s.mode,
      String(s.actions),
      trustText(t),
      `${age}s${age > staleS ? ' (stale)' : ''}`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '));
  const verified = entries.filter((e) => e.trust.state === 'verified').length;
  const summary = `${entries.length} node(s), ${entries.filter((e) => e.summary?.health !== 'ok').length} not ok, ${verified} verified, ${entries.filter((e) => e.trust.state === 'invalid').length} invalid`;
  return `${lines.join('\n')}\n${summary}\n${notes.map((n) => `${n}\n`).join('')}`;
}
