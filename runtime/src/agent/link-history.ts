/**
 * Per-link quality over time for the API's `links` method (the dashboard's charts):
 * the monitor's ring buffers read out, bounded. Every link's metric ring gets one
 * sample per snapshot, as does the node's time ring, so the newest samples of both
 * line up: one shared time axis (wall ms) and, per link, its values aligned to the
 * end of it (null where the link was not measured).
 */
import type { LinkSeries, MeshView } from '../loop/monitor.js';
import type { JsonObject, JsonValue } from '../ubus/blobmsg.js';

/** At most this many links in an answer: live ones first, then the most recently present. */
export const LINKS_MAX = 32;
export const SAMPLES_DEFAULT = 60;
export const SAMPLES_MAX = 120;

/** What every JSON view of a link says about it: names, liveness, metric name and learned baseline. */
export function linkBasicsJson(l: LinkSeries): JsonObject {
  return {
    ifname: l.ifname,
    neighbor: l.neighbor,
    live: l.live,
    last_seen_ms: l.lastSeenMs,
    metric: l.metricName,
    baseline: l.baseline.samples > 0 ? Math.round(l.baseline.mean * 10) / 10 : null,
  };
}

export function linkHistoryJson(view: MeshView, samples: number = SAMPLES_DEFAULT): JsonObject {
  const n = Math.max(1, Math.min(SAMPLES_MAX, Math.floor(samples), view.node.times.length));
  const times = view.node.times;
  const timesMs: JsonValue[] = [];
  // Monotonic sample times to wall clock, relative to the latest snapshot's wall time.
  for (let i = times.length - n; i < times.length; i++) if (i >= 0) timesMs.push(Math.round(view.wallMs - (view.nowMono - times.at(i))));
  const links = [...view.links.values()].sort((a, b) => Number(b.live) - Number(a.live) || b.lastPresentMono - a.lastPresentMono || a.key.localeCompare(b.key)).slice(0, LINKS_MAX);
  return {
    mesh_interface: view.meshIfname,
    algorithm: view.node.algorithm,
    times_ms: timesMs,
    links: links.map((l) => {
      const values: JsonValue[] = [];
      const k = Math.min(timesMs.length, l.metric.length);
      for (let i = l.metric.length - k; i < l.metric.length; i++) {
        const v = l.metric.at(i);
        values.push(Number.isFinite(v) ? v : null);
      }
      return { ...linkBasicsJson(l), values };
    }),
  };
}
