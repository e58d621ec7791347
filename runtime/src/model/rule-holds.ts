/**
 * What the rules tell the model's normaliser: a link one of the loop's rules opened an
 * incident on within the last RULE_HOLD_MS is judged as usual but teaches its normaliser
 * nothing. The normaliser learns every sample it does not alarm on; the faults it misses
 * are thus learnt in full as the link's new normal, and that, more than anything else,
 * is where the model's F1 went (docs/model-journal.md, "Where the online normaliser
 * loses, by parts"). A rule's incident is the one label-free sign of a fault the router has.
 *
 * Which rules hold (chosen by cross-validation and judged on two regions no one had
 * read: docs/model-journal.md, "The rules' incidents as a label-free fault signal"):
 * - link-degraded, link-flapping, route-flapping on the link (`link:<key>`), and
 *   deaf-interface on every link of its interface (`if:<ifname>`);
 * - not neighbor-lost: on a lossy link it fires again and again in normal operation, and
 *   a normaliser held that often stops following the link (+60 % false incidents);
 * - not the model's own incidents (link-anomaly, node-anomaly): an alarm must not stop
 *   the learning that lets a lasting change become normal;
 * - never the node network: holding it on the rules' incidents cost its F1 in
 *   cross-validation (its links' alarms hold it instead: ModelScorer, LINK_ALARM_HOLDS_NODE).
 *
 * Times are the monitor's monotonic milliseconds: the loop tells an incident with the
 * nowMono of the cycle that opened it, and the hold starts with the next cycle (the
 * opening cycle's sample may already have been learnt: the degraded-link rule scores
 * live links before the other rules run) and ends RULE_HOLD_MS after the opening cycle.
 * At most one entry per link key or interface name the rules named, dropped once expired.
 */

/** How long a rule incident holds a link's normaliser after it opened. */
export const RULE_HOLD_MS = 30_000;

/** The incident kinds (the loop's detectors) that hold a link. */
export const HOLDING_KINDS: ReadonlySet<string> = new Set(['link-degraded', 'link-flapping', 'route-flapping', 'deaf-interface']);

/** A hold: from the cycle after `from` (exclusive) until `until` (exclusive). */
interface Hold {
  from: number;
  until: number;
}

export class RuleHolds {
  private readonly links = new Map<string, Hold>();
  private readonly interfaces = new Map<string, Hold>();

  constructor(readonly holdMs: number = RULE_HOLD_MS) {}

  /** An incident opened at `nowMono`; true when it holds something. */
  opened(kind: string, target: string, nowMono: number): boolean {
    this.expire(nowMono);
    if (this.holdMs <= 0 || !HOLDING_KINDS.has(kind)) return false;
    let map: Map<string, Hold>;
    let key: string;
    if (target.startsWith('link:')) {
      map = this.links;
      key = target.slice(5);
    } else if (target.startsWith('if:')) {
      map = this.interfaces;
      key = target.slice(3);
    } else return false;
    // A hold still in force keeps its start; the new incident only extends it.
    const was = map.get(key);
    map.set(key, { from: was ? was.from : nowMono, until: nowMono + this.holdMs });
    return true;
  }

  /** Whether a link (key "ifname/mac") is held at `nowMono`. */
  held(linkKey: string, nowMono: number): boolean {
    if (this.links.size === 0 && this.interfaces.size === 0) return false;
    if (holding(this.links.get(linkKey), nowMono)) return true;
    const slash = linkKey.indexOf('/');
    return holding(this.interfaces.get(slash < 0 ? linkKey : linkKey.slice(0, slash)), nowMono);
  }

  /** Entries still holding (for tests of the bound). */
  get size(): number {
    return this.links.size + this.interfaces.size;
  }

  private expire(nowMono: number): void {
    for (const [k, h] of this.links) if (h.until <= nowMono) this.links.delete(k);
    for (const [k, h] of this.interfaces) if (h.until <= nowMono) this.interfaces.delete(k);
  }
}

function holding(h: Hold | undefined, nowMono: number): boolean {
  return h !== undefined && h.from < nowMono && nowMono < h.until;
}
