/**
 * Waking the loop when a mesh interface's carrier changes, instead of at the next
 * cycle: rtnetlink tells every listener at once (RTNLGRP_LINK), and a link taken down or
 * brought back is then judged within MIN_EARLY_GAP_MS of the event rather than up to a
 * cycle later. The anomaly model's out-of-range test takes a link whose interface is
 * down as out of range (scorer.ts), so its incident opens in that cycle.
 *
 * Only a change the monitor has not seen yet wakes the loop: the hard interfaces the
 * last snapshot knew, whose "up with carrier" differs from the event's. Statistics
 * updates (the kernel sends RTM_NEWLINK for many reasons) and interfaces outside the mesh
 * change nothing. A lost notification (ENOBUFS) is no harm: the next regular cycle reads
 * the state anyway.
 */
import type { Rtnl } from '../netlink/rtnl.js';
import type { Link, LinkEvent } from '../netlink/rtnl-link.js';
import type { MeshView } from './monitor.js';

/** Where link notifications come from: an rtnetlink client (tests give their own). */
export type LinkEventSource = Pick<Rtnl, 'watchLinks'>;

/** Whether a link notification changes a hard interface's "up with carrier" as the view last saw it. */
export function carrierChanged(view: MeshView, action: LinkEvent['action'], link: Link): boolean {
  const s = view.interfaces.get(link.name);
  if (!s) return false;
  const seen = s.up && s.carrier;
  const now = action === 'new' && link.up && (link.carrier ?? link.lowerUp);
  return seen !== now;
}

/**
 * Listen to `source`'s link notifications and call `wake` for each that changes a mesh
 * interface's carrier as `view()` has it; undecodable notifications go to `onError`.
 */
export function watchCarrier(source: LinkEventSource, view: () => MeshView, wake: () => void, onError?: (message: string) => void): void {
  source.watchLinks((e) => {
    if (carrierChanged(view(), e.action, e.link)) wake();
  }, onError);
}
