/**
 * The healing loop behind the API (ubus and HTTP): mode, incidents, actions, heal
 * requests, counts and the alfred mesh view. Records come from the knowledge store
 * when there is one (they survive restarts), else from the loop's memory.
 */
import { readMeshSummaries } from '../alfred/mesh-status.js';
import type { LoopSources } from '../api/agent-api.js';
import { getHost } from '../host/index.js';
import { type AgentMode, fail, ok } from '../api/types.js';
import type { AgentHealing } from '../loop/agent-loop.js';
import type { HealReport } from '../loop/heal.js';
import type { LoopConfig } from '../loop/settings.js';
import type { ActionParams, AuditRecord, Incident } from '../loop/types.js';
import type { JsonObject } from '../ubus/blobmsg.js';
import { linkHistoryJson } from './link-history.js';

export function incidentJson(i: Incident): JsonObject {
  return {
    id: i.id,
    kind: i.kind,
    target: i.target,
    severity: i.severity,
    status: i.status,
    started_at_ms: i.startedAtMs,
    updated_at_ms: i.updatedAtMs,
    resolved_at_ms: i.resolvedAtMs,
    resolve_reason: i.resolveReason,
    evidence: i.evidence.summary,
    opened_with: i.openedWith.summary,
  };
}

export function auditJson(a: AuditRecord): JsonObject {
  return {
    id: a.id,
    at_ms: a.atMs,
    mode: a.mode,
    policy: a.policy,
    incident: a.incidentId,
    incident_kind: a.incidentKind,
    origin: a.origin ?? 'loop',
    target: a.target,
    evidence: a.evidence.summary,
    action: a.action.kind,
    reason: a.reason,
    result: a.result,
    detail: a.detail,
    restoring: a.restoring === true,
  };
}

function paramsJson(p: ActionParams): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(p)) if (v !== undefined) out[k] = v as string | number;
  return out;
}

/** The answer to a heal request: what was planned, what became of it, its audit record. */
export function healJson(r: HealReport): JsonObject {
  const a = r.action;
  return {
    dry_run: r.dryRun,
    mode: r.mode,
    result: r.result,
    detail: r.detail,
    incident: r.incident ? incidentJson(r.incident) : null,
    action: a
      ? { kind: a.params.kind, target: a.target, policy: a.policy, reason: a.reason, params: paramsJson(a.params), reversible: a.undo !== undefined, restoring: a.restoring === true }
      : null,
    audit_id: r.executed ? r.executed.audit.id : null,
  };
}

/** Newest first, filtered by `since` (wall ms), cut to `limit`. */
function pick<T>(items: readonly T[], atMs: (t: T) => number, since: number | undefined, limit: number | undefined, keep: (t: T) => boolean = () => true): T[] {
  const out: T[] = [];
  for (let i = items.length - 1; i >= 0 && out.length < (limit ?? 100); i--) {
    const t = items[i] as T;
    if (since !== undefined && atMs(t) < since) continue;
    if (keep(t)) out.push(t);
  }
  return out;
}

export function loopSources(h: AgentHealing, getConfig: () => LoopConfig, setMode: (m: AgentMode) => void): LoopSources {
  const incidents = (): readonly Incident[] => {
    if (h.store) return h.store.incidents();
    const s = h.loop.status();
    return [...s.recent, ...s.open];
  };
  const audits = (): readonly AuditRecord[] => (h.store ? h.store.audits() : h.loop.status().lastActions);
  return {
    mode: { get: () => h.loop.status().mode as AgentMode, set: setMode },
    incidents: async (q) => pick(incidents(), (i) => i.updatedAtMs, q.since, q.limit, (i) => q.open === undefined || (i.status === 'open') === q.open).map(incidentJson),
    actions: async (q) => pick(audits(), (a) => a.atMs, q.since, q.limit).map(auditJson),
    heal: async (r) => {
      const a = await h.loop.heal(r);
      return a.ok ? ok(healJson(a.report)) : fail(a.error, a.message);
    },
    counts: () => {
      const s = h.loop.status();
      return {
        incidents_open: s.open.length,
        actions_budget_used: s.budgetUsed,
        actions_budget: s.budget,
        snapshot_errors: s.snapshotErrors,
        store_write_errors: s.store ? s.store.writeErrors : null,
      };
    },
    meshView: async (): Promise<JsonObject> => {
      const trust = h.identity?.current() ?? null;
      const host = getHost();
      const crypto = host.crypto;
      const verifier = trust && crypto ? { bundles: trust.identity.bundles, allow: trust.allow, crypto, nowMs: host.clock.wallMs() } : null;
      const r = await readMeshSummaries(h.alfred, getConfig().alfredType, verifier);
      if (!r.ok) return { nodes: [], error: r.error };
      const nodes: JsonObject[] = r.value.map((e) => ({
        source: e.source,
        error: e.error,
        summary: (e.summary as unknown as JsonObject) ?? null,
        signed: e.trust as unknown as JsonObject,
      }));
      return { nodes, error: null };
    },
    linkHistory: (q) => linkHistoryJson(h.loop.view, q.samples),
  };
}
