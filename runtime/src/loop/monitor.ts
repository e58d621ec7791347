/**
 * Monitor: turns successive mesh snapshots into bounded time series per hard
 * interface, per link (hard interface + neighbour) and for the node, and derives
 * what the detectors need: live neighbours, link metric samples, best-next-hop
 * changes per link. Every series is a fixed ring; links and originators that stay
 * absent longer than the retention are forgotten, and their number is capped, so
 * memory does not grow with uptime.
 */
import type { ProbeLink } from '../linkprobe/prober.js';
import type { MeshSnapshot } from '../mesh/snapshot.js';
import { type BaselineState, EwmaBaseline } from './ewma.js';
import { PeerView } from './peer-view.js';
import { NumberRing } from './ring.js';

export interface MonitorLimits {
  seriesLength: number;
  retentionMs: number;
  neighborLostMs: number;
  baselineAlpha: number;
  maxLinks: number;
  maxOriginators: number;
  /** Route-change timestamps kept per link. */
  routeChangesKept: number;
}

export const MONITOR_LIMITS: MonitorLimits = {
  seriesLength: 120,
  retentionMs: 300_000,
  neighborLostMs: 2000,
  baselineAlpha: 0.02,
  maxLinks: 256,
  maxOriginators: 1024,
  routeChangesKept: 64,
};

export interface InterfaceSeries {
  ifname: string;
  ifindex: number;
  /** Its hardware address: what the neighbours' batman-adv knows it by. */
  address: string | null;
  up: boolean;
  carrier: boolean;
  /** batman-adv uses it. */
  active: boolean;
  hopPenalty: number | null;
  liveNeighbors: number;
  /**
   * It has heard a neighbour since the agent started (or the store says a link on it
   * had a baseline). Only such an interface can go deaf: a dummy primary interface
   * (Gluon's primary0) or an unplugged port never had anyone to hear.
   */
  heardBefore: boolean;
  /** Monotonic ms of each sample, and the samples taken then. */
  times: NumberRing;
  rxPackets: NumberRing;
  txPackets: NumberRing;
  /** rx + tx error counters (rtnl stats64), NaN without stats: the anomaly model's error ratio. */
  errors: NumberRing;
  /** rx + tx dropped counters, NaN without stats. */
  drops: NumberRing;
  neighbors: NumberRing;
  carrierUp: NumberRing;
}

export interface LinkSeries {
  /** "ifname/neighbour-mac". */
  key: string;
  ifname: string;
  neighbor: string;
  /** In the neighbour table this cycle. */
  present: boolean;
  /** Present and heard within neighborLostMs. */
  live: boolean;
  /** batman-adv's last-seen age of the neighbour (ms), or null when absent. */
  lastSeenMs: number | null;
  /** Has it ever been live while we watched? */
  everLive: boolean;
  metricName: 'tq' | 'throughput';
  /** TQ (BATMAN_IV) or throughput in kbit/s (BATMAN_V); NaN when not measured this cycle. */
  metric: NumberRing;
  baseline: EwmaBaseline;
  /** Monotonic ms of best-next-hop changes of originators whose route left or joined this link. */
  routeChanges: NumberRing;
  /**
   * The same per originator (at most ORIGINATORS_PER_LINK, the least recently changed
   * dropped first). A link that dies once moves every originator behind it away and back:
   * two changes each, however many originators. A flapping link moves each of them again
   * and again: what the flapping detector counts.
   */
  originatorChanges: Map<string, NumberRing>;
  /**
   * Originators whose best next hop is this link in the latest snapshot and that
   * batman-adv also hears over another link: routes a hop penalty can move. An originator
   * heard only here (a neighbour's secondary interface, whose OGMs go one hop, or a node
   * with no other path) stays whatever the penalty; in the lab such an entry kept both
   * ends of a flapping link stepping to the maximum after every movable route had left.
   */
  movableRoutes: number;
  firstSeenMono: number;
  lastPresentMono: number;
  lastLiveMono: number;
}

export interface NodeSeries {
  meshState: MeshSnapshot['state'];
  algorithm: string | null;
  version: string | null;
  gwMode: string | null;
  /** The mesh interface's MAC (alfred's source address for our own data). */
  meshAddress: string | null;
  gwBandwidthDownKbit: number | null;
  gwBandwidthUpKbit: number | null;
  liveNeighbors: number;
  reachableOriginators: number;
  times: NumberRing;
  neighbors: NumberRing;
  originators: NumberRing;
  /** Best-route changes over all originators. */
  routeChanges: NumberRing;
}

export interface MeshView {
  nowMono: number;
  /** Monotonic time of the first snapshot this monitor saw (NaN before it). */
  firstMono: number;
  /** Wall clock of the latest snapshot (to compare with the peers' accounts). */
  wallMs: number;
  /** What the other nodes say they hear (alfred); empty without alfred. */
  peers: PeerView;
  cycles: number;
  meshIfname: string;
  node: NodeSeries;
  interfaces: Map<string, InterfaceSeries>;
  links: Map<string, LinkSeries>;
  /** What the link probes heard, by the same link key (empty when probes are off or impossible). */
  probes: ReadonlyMap<string, ProbeLink>;
}

interface OriginatorTrack {
  linkKey: string;
  lastSeenMono: number;
}

const ORIGINATORS_PER_LINK = 64;
const CHANGES_PER_ORIGINATOR = 16;

function noteOriginatorChange(link: LinkSeries, originator: string, nowMono: number): void {
  let ring = link.originatorChanges.get(originator);
  if (!ring) {
    if (link.originatorChanges.size >= ORIGINATORS_PER_LINK) {
      let oldest: string | null = null;
      let oldestAt = Number.POSITIVE_INFINITY;
      for (const [o, r] of link.originatorChanges) {
        const at = r.length ? r.last() : Number.NEGATIVE_INFINITY;
        if (at < oldestAt) [oldest, oldestAt] = [o, at];
      }
      if (oldest !== null) link.originatorChanges.delete(oldest);
    }
    ring = new NumberRing(CHANGES_PER_ORIGINATOR);
    link.originatorChanges.set(originator, ring);
  }
  ring.push(nowMono);
}

export function linkKey(ifname: string, neighbor: string): string {
  return `${ifname}/${neighbor}`;
}

/**
 * The link's probe record when it has judged enough bins to speak (null otherwise: probes
 * off, the neighbour runs no agent, or still warming up); detectors then fall back to
 * batman-adv's own metric.
 */
export function warmProbe(view: MeshView, key: string): ProbeLink | null {
  const p = view.probes.get(key);
  return p?.quality.warm ? p : null;
}

/** Count samples of a ring of timestamps that are newer than `sinceMono`. */
export function countSince(ring: NumberRing, sinceMono: number): number {
  let n = 0;
  for (let i = ring.length - 1; i >= 0; i--) {
    if (ring.at(i) <= sinceMono) break;
    n++;
  }
  return n;
}

export class Monitor {
  readonly view: MeshView;
  private readonly originators = new Map<string, OriginatorTrack>();
  /** Baselines loaded from the store for links not seen yet. */
  private readonly storedBaselines = new Map<string, BaselineState>();
  /** Interfaces that links in the stored baselines were on (bounded like the baselines). */
  private readonly storedInterfaces = new Set<string>();

  constructor(
    meshIfname: string,
    private limits: MonitorLimits = MONITOR_LIMITS,
  ) {
    const n = limits.seriesLength;
    this.view = {
      nowMono: 0,
      firstMono: Number.NaN,
      wallMs: 0,
      peers: new PeerView(),
      cycles: 0,
      meshIfname,
      interfaces: new Map(),
      links: new Map(),
      probes: new Map(),
      node: {
        meshState: 'absent',
        algorithm: null,
        version: null,
        gwMode: null,
        meshAddress: null,
        gwBandwidthDownKbit: null,
        gwBandwidthUpKbit: null,
        liveNeighbors: 0,
        reachableOriginators: 0,
        times: new NumberRing(n),
        neighbors: new NumberRing(n),
        originators: new NumberRing(n),
        routeChanges: new NumberRing(limits.routeChangesKept),
      },
    };
  }

  /** Thresholds that can change on reload (series lengths apply to new series). */
  setLimits(limits: MonitorLimits): void {
    this.limits = limits;
    for (const link of this.view.links.values()) link.baseline.setAlpha(limits.baselineAlpha);
  }

  /** Baselines from the knowledge store, applied when their link appears (bounded by maxLinks). */
  restoreBaselines(entries: Iterable<[string, BaselineState]>): void {
    for (const [key, state] of entries) {
      // Link keys are "ifname/neighbour": that interface has heard someone before.
      const ifname = key.slice(0, key.indexOf('/'));
      if (ifname !== '') {
        this.storedInterfaces.add(ifname);
        const s = this.view.interfaces.get(ifname);
        if (s) s.heardBefore = true;
      }
      if (this.storedBaselines.size >= this.limits.maxLinks) break;
      const live = this.view.links.get(key);
      if (live) live.baseline = EwmaBaseline.from(state, this.limits.baselineAlpha);
      else this.storedBaselines.set(key, state);
    }
  }

  baselines(): [string, BaselineState][] {
    const out: [string, BaselineState][] = [];
    for (const link of this.view.links.values()) if (link.baseline.samples > 0) out.push([link.key, link.baseline.state()]);
    return out;
  }

  observe(snap: MeshSnapshot, nowMono: number): MeshView {
    const view = this.view;
    view.nowMono = nowMono;
    if (Number.isNaN(view.firstMono)) view.firstMono = nowMono;
    view.wallMs = snap.takenAtMs;
    view.cycles++;
    const node = view.node;
    node.meshState = snap.state;
    node.algorithm = snap.mesh?.algorithm ?? null;
    node.version = snap.mesh?.version ?? null;
    node.gwMode = snap.mesh?.tunables.gwMode ?? null;
    node.meshAddress = snap.mesh?.meshAddress ?? null;
    node.gwBandwidthDownKbit = snap.mesh?.tunables.gwBandwidthDownKbit ?? null;
    node.gwBandwidthUpKbit = snap.mesh?.tunables.gwBandwidthUpKbit ?? null;

    const ifnameByIndex = new Map<number, string>();
    for (const h of snap.hardInterfaces) ifnameByIndex.set(h.ifindex, h.ifname);
    this.observeLinks(snap, nowMono, ifnameByIndex);
    this.observeInterfaces(snap, nowMono);
    this.observeRoutes(snap, nowMono, ifnameByIndex);

    let live = 0;
    for (const l of view.links.values()) if (l.live) live++;
    node.liveNeighbors = live;
    node.reachableOriginators = snap.bestRoutes.length;
    node.times.push(nowMono);
    node.neighbors.push(live);
    node.originators.push(snap.bestRoutes.length);
    return view;
  }

  private observeLinks(snap: MeshSnapshot, nowMono: number, ifnameByIndex: Map<number, string>): void {
    const links = this.view.links;
    const isV = snap.mesh?.algorithm === 'BATMAN_V';
    // One-hop TQ (BATMAN_IV): the originator entry whose originator is the neighbour itself.
    const tq = new Map<string, number>();
    for (const o of snap.originators) {
      if (o.originator !== o.neighbor || o.tq === null) continue;
      const key = linkKey(o.ifname || ifnameByIndex.get(o.ifindex) || String(o.ifindex), o.neighbor);
      tq.set(key, Math.max(tq.get(key) ?? 0, o.tq));
    }
    const seen = new Set<string>();
    for (const n of snap.neighbors) {
      const ifname = n.ifname || ifnameByIndex.get(n.ifindex) || String(n.ifindex);
      const key = linkKey(ifname, n.neighbor);
      seen.add(key);
      let link = links.get(key);
      if (!link) {
        if (links.size >= this.limits.maxLinks) this.evictOldestLink();
        link = this.newLink(key, ifname, n.neighbor, isV, nowMono);
        links.set(key, link);
      }
      link.present = true;
      link.lastSeenMs = n.lastSeenMs;
      link.live = n.lastSeenMs <= this.limits.neighborLostMs;
      link.lastPresentMono = nowMono;
      if (link.live) {
        link.everLive = true;
        link.lastLiveMono = nowMono;
      }
      const metric = isV ? n.throughputKbit : tq.get(key);
      link.metric.push(link.live && metric !== null && metric !== undefined ? metric : Number.NaN);
    }
    for (const [key, link] of links) {
      if (seen.has(key)) continue;
      link.present = false;
      link.live = false;
      link.lastSeenMs = null;
      link.metric.push(Number.NaN);
      if (nowMono - link.lastPresentMono > this.limits.retentionMs) links.delete(key);
    }
  }

  private newLink(key: string, ifname: string, neighbor: string, isV: boolean, nowMono: number): LinkSeries {
    const stored = this.storedBaselines.get(key);
    if (stored) this.storedBaselines.delete(key);
    return {
      key,
      ifname,
      neighbor,
      present: true,
      live: false,
      lastSeenMs: null,
      everLive: false,
      metricName: isV ? 'throughput' : 'tq',
      metric: new NumberRing(this.limits.seriesLength),
      baseline: stored ? EwmaBaseline.from(stored, this.limits.baselineAlpha) : new EwmaBaseline(this.limits.baselineAlpha),
      routeChanges: new NumberRing(this.limits.routeChangesKept),
      originatorChanges: new Map(),
      movableRoutes: 0,
      firstSeenMono: nowMono,
      lastPresentMono: nowMono,
      lastLiveMono: Number.NEGATIVE_INFINITY,
    };
  }

  private evictOldestLink(): void {
    let oldest: LinkSeries | null = null;
    for (const l of this.view.links.values()) if (!oldest || l.lastPresentMono < oldest.lastPresentMono) oldest = l;
    if (oldest) this.view.links.delete(oldest.key);
  }

  private observeInterfaces(snap: MeshSnapshot, nowMono: number): void {
    const interfaces = this.view.interfaces;
    const current = new Set<string>();
    for (const h of snap.hardInterfaces) {
      current.add(h.ifname);
      const link = snap.links.find((l) => l.index === h.ifindex);
      let s = interfaces.get(h.ifname);
      if (!s || s.ifindex !== h.ifindex) {
        const n = this.limits.seriesLength;
        s = {
          ifname: h.ifname,
          ifindex: h.ifindex,
          address: null,
          up: false,
          carrier: false,
          active: false,
          hopPenalty: null,
          liveNeighbors: 0,
          heardBefore: this.storedInterfaces.has(h.ifname),
          times: new NumberRing(n),
          rxPackets: new NumberRing(n),
          txPackets: new NumberRing(n),
          errors: new NumberRing(n),
          drops: new NumberRing(n),
          neighbors: new NumberRing(n),
          carrierUp: new NumberRing(n),
        };
        interfaces.set(h.ifname, s);
      }
      s.active = h.active;
      s.address = h.address ?? link?.address ?? null;
      s.hopPenalty = h.hopPenalty;
      s.up = link?.up ?? false;
      s.carrier = link ? (link.carrier ?? link.lowerUp) : false;
      let live = 0;
      for (const l of this.view.links.values()) if (l.ifname === h.ifname && l.live) live++;
      s.liveNeighbors = live;
      if (live > 0) s.heardBefore = true;
      s.times.push(nowMono);
      s.rxPackets.push(link?.stats ? link.stats.rxPackets : Number.NaN);
      s.txPackets.push(link?.stats ? link.stats.txPackets : Number.NaN);
      s.errors.push(link?.stats ? link.stats.rxErrors + link.stats.txErrors : Number.NaN);
      s.drops.push(link?.stats ? link.stats.rxDropped + link.stats.txDropped : Number.NaN);
      s.neighbors.push(live);
      s.carrierUp.push(s.up && s.carrier ? 1 : 0);
    }
    for (const name of [...interfaces.keys()]) if (!current.has(name)) interfaces.delete(name);
  }

  private observeRoutes(snap: MeshSnapshot, nowMono: number, ifnameByIndex: Map<number, string>): void {
    const links = this.view.links;
    for (const l of links.values()) l.movableRoutes = 0;
    // Originators heard over more than one link (next hop and interface), from every entry.
    const firstKey = new Map<string, string>();
    const movable = new Set<string>();
    for (const o of snap.originators) {
      const key = linkKey(o.ifname || ifnameByIndex.get(o.ifindex) || String(o.ifindex), o.neighbor);
      const seen = firstKey.get(o.originator);
      if (seen === undefined) firstKey.set(o.originator, key);
      else if (seen !== key) movable.add(o.originator);
    }
    for (const r of snap.bestRoutes) {
      const key = linkKey(r.ifname || ifnameByIndex.get(r.ifindex) || String(r.ifindex), r.neighbor);
      const via = links.get(key);
      if (via && movable.has(r.originator)) via.movableRoutes++;
      const track = this.originators.get(r.originator);
      if (!track) {
        if (this.originators.size >= this.limits.maxOriginators) this.evictOldestOriginator();
        this.originators.set(r.originator, { linkKey: key, lastSeenMono: nowMono });
        continue;
      }
      track.lastSeenMono = nowMono;
      if (track.linkKey === key) continue;
      for (const l of [links.get(track.linkKey), links.get(key)]) {
        if (!l) continue;
        l.routeChanges.push(nowMono);
        noteOriginatorChange(l, r.originator, nowMono);
      }
      this.view.node.routeChanges.push(nowMono);
      track.linkKey = key;
    }
    for (const [orig, track] of this.originators) {
      if (nowMono - track.lastSeenMono > this.limits.retentionMs) this.originators.delete(orig);
    }
  }

  private evictOldestOriginator(): void {
    let oldestKey: string | null = null;
    let oldest = Number.POSITIVE_INFINITY;
    for (const [k, t] of this.originators) {
      if (t.lastSeenMono < oldest) {
        oldest = t.lastSeenMono;
        oldestKey = k;
      }
    }
    if (oldestKey !== null) this.originators.delete(oldestKey);
  }

  /** Originators tracked (for tests of the bound). */
  get originatorCount(): number {
    return this.originators.size;
  }
}
