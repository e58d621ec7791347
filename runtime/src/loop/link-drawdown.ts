/**
 * How far a link's own metric (one-hop TQ, or ELP throughput) fell within a window:
 * the largest fall below its running maximum, in percent of that maximum. A sample
 * without a metric (the neighbour was not live) counts as 0; samples before the first
 * one with a metric are skipped. A steady link, or one whose metric only climbs (a
 * new neighbour, batman-adv's windows filling after a boot), has none.
 */
import type { LinkSeries, MeshView } from './monitor.js';

export function metricDrawdownPercent(view: MeshView, link: LinkSeries, sinceMono: number): number {
  const times = view.node.times;
  let n = 0;
  while (n < times.length && n < link.metric.length && times.fromEnd(n) > sinceMono) n++;
  let peak = 0;
  let worst = 0;
  for (let back = n - 1; back >= 0; back--) {
    const v = link.metric.fromEnd(back);
    const x = Number.isFinite(v) ? v : 0;
    if (x > peak) peak = x;
    else if (peak > 0) worst = Math.max(worst, (peak - x) / peak);
  }
  return Math.round(worst * 1000) / 10;
}

/** The largest drawdown of the links on one hard interface that are in the neighbour table. */
export function interfaceDrawdownPercent(view: MeshView, ifname: string, sinceMono: number): number {
  let worst = 0;
  for (const l of view.links.values()) if (l.ifname === ifname && l.present) worst = Math.max(worst, metricDrawdownPercent(view, l, sinceMono));
  return worst;
}
