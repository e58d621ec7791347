/**
 * `GET /peer/v1/link`: this node's view of its links to the asking neighbour. The
 * neighbour names its own hard-interface MACs (`mac=02:..,02:..`; it cannot know which
 * of them we hear); we answer, per link of ours whose neighbour is one of them, what
 * batman-adv says (TQ or throughput, last seen), what our link probes lost, and the
 * open incidents on that link. Without `mac`, every link (bounded). Pure: the loop's
 * view and incidents in, JSON out.
 */
import { linkBasicsJson } from '../agent/link-history.js';
import type { MeshView } from '../loop/monitor.js';
import type { Incident } from '../loop/types.js';
import type { JsonObject, JsonValue } from '../ubus/blobmsg.js';

export const PEER_LINKS_MAX = 32;
export const PEER_MACS_MAX = 16;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** The `mac` query value as a set of lower-case MACs, or an error (400). */
export function parseMacList(text: string | undefined): { ok: true; value: Set<string> | null } | { ok: false; error: string } {
  if (text === undefined || text === '') return { ok: true, value: null };
  const macs = text.toLowerCase().split(',').filter((m) => m !== '');
  if (macs.length > PEER_MACS_MAX) return { ok: false, error: `at most ${PEER_MACS_MAX} MACs` };
  for (const m of macs) if (!MAC.test(m)) return { ok: false, error: `'${m}' is not a MAC address (aa:bb:cc:dd:ee:ff)` };
  return { ok: true, value: new Set(macs) };
}

function latestMetric(ring: { length: number; at(i: number): number }): number | null {
  for (let i = ring.length - 1; i >= 0 && i >= ring.length - 3; i--) {
    const v = ring.at(i);
    if (Number.isFinite(v)) return v;
  }
  return null;
}

export function peerLinkJson(view: MeshView, open: readonly Incident[], macs: Set<string> | null, self: string): JsonObject {
  const links = [...view.links.values()]
    .filter((l) => macs === null || macs.has(l.neighbor.toLowerCase()))
    .sort((a, b) => Number(b.live) - Number(a.live) || b.lastPresentMono - a.lastPresentMono || a.key.localeCompare(b.key))
    .slice(0, PEER_LINKS_MAX);
  return {
    node: self,
    mesh_interface: view.meshIfname,
    algorithm: view.node.algorithm,
    at_ms: view.wallMs,
    links: links.map((l): JsonObject => {
      const probe = view.probes.get(l.key);
      const q = probe?.quality;
      const latest = q ? [...q.recent].reverse().find((b) => b.verdict !== 'unknown') : undefined;
      const incidents: JsonValue[] = open
        .filter((i) => i.status === 'open' && i.target === `link:${l.key}`)
        .map((i) => ({ id: i.id, kind: i.kind, severity: i.severity, since_ms: i.startedAtMs, evidence: i.evidence.summary }));
      return {
        ...linkBasicsJson(l),
        value: latestMetric(l.metric),
        probe_loss: q?.warm && latest ? Math.round(latest.lossPercent * 10) / 1000 : null,
        probe_normal_loss: q?.warm ? Math.round(q.normalLoss * 1000) / 1000 : null,
        probe_lossy: q?.warm ? q.lossy : null,
        incidents,
      };
    }),
  };
}
