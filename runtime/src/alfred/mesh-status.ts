/**
 * The mesh-wide view for `x0tta6bl4 status --mesh`: every node's summary as the
 * local alfred knows it, one line per node, newest data first, stale ones marked.
 */
import type { AlfredClient } from './client.js';
import type { Decoded } from './packets.js';
import { decodeSummary, type NodeSummary } from './summary.js';

export interface MeshEntry {
  source: string;
  summary: NodeSummary | null;
  error: string | null;
}

export async function readMeshSummaries(client: AlfredClient, type: number): Promise<Decoded<MeshEntry[]>> {
  const r = await client.request(type);
  if (!r.ok) return r;
  const entries = r.value.map((d): MeshEntry => {
    const s = decodeSummary(d.data);
    return s.ok ? { source: d.source, summary: s.value, error: null } : { source: d.source, summary: null, error: s.error };
  });
  entries.sort((a, b) => (a.summary?.name ?? a.source).localeCompare(b.summary?.name ?? b.source));
  return { ok: true, value: entries };
}

/** A table; `nowS` (wall seconds) marks summaries older than `staleS` with "(stale)". */
export function formatMeshStatus(entries: readonly MeshEntry[], nowS: number, staleS = 120): string {
  const rows: string[][] = [['node', 'source', 'health', 'open', 'incidents', 'neigh', 'orig', 'gw', 'mode', 'acts', 'age']];
  for (const e of entries) {
    const s = e.summary;
    if (!s) {
      rows.push(['?', e.source, 'unreadable', '-', e.error ?? '', '-', '-', '-', '-', '-', '-']);
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
      `${age}s${age > staleS ? ' (stale)' : ''}`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '));
  const summary = `${entries.length} node(s), ${entries.filter((e) => e.summary?.health !== 'ok').length} not ok`;
  return `${lines.join('\n')}\n${summary}\n`;
}
