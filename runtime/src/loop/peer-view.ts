/**
 * What the other nodes say they hear, from their alfred summaries: for each interface
 * MAC, the newest wall-clock time at which some other node's batman-adv heard it.
 *
 * A hard interface that hears nothing is either deaf (its radio no longer receives:
 * the others still hear it, a restart may cure it) or on a dead link (nobody hears
 * anybody: batman-adv reroutes, a restart cures nothing). Only the peers can tell the
 * two apart. Wall clocks of different routers are compared here, so a summary whose
 * clock is far from ours is ignored rather than trusted.
 */
import { type HeardEntry, macHex, type NodeSummary } from '../alfred/summary.js';

/** A summary and the alfred source (the sender's mesh MAC) it came from. */
export interface PeerSummary {
  source: string;
  summary: NodeSummary;
}

export interface PeerHeard {
  /** The peer that heard it: its summary name and alfred source. */
  peer: string;
  /** Our wall clock when it was heard, by the peer's account. */
  heardAtWallMs: number;
}

/** Summaries whose clock is further than this from ours (either way) are not used. */
export const PEER_CLOCK_TOLERANCE_MS = 30_000;
const MAX_MACS = 1024;

export class PeerView {
  private heard = new Map<string, PeerHeard>();
  /** Wall ms of the last successful read, or null. */
  lastReadWallMs: number | null = null;
  peersSeen = 0;

  /**
   * Replace the view with what the summaries say. Our own (alfred source `selfSource`,
   * our mesh interface's MAC) is left out: it cannot vouch for our own interfaces. Not by
   * name: routers are often left with the same host name ("OpenWrt").
   */
  update(summaries: readonly PeerSummary[], selfSource: string | null, nowWallMs: number): void {
    const next = new Map<string, PeerHeard>();
    let peers = 0;
    for (const { source, summary: s } of summaries) {
      if (selfSource !== null && source.toLowerCase() === selfSource.toLowerCase()) continue;
      const madeAt = s.ms ?? s.t * 1000;
      if (Math.abs(nowWallMs - madeAt) > PEER_CLOCK_TOLERANCE_MS) continue;
      peers++;
      for (const [mac, ageMs] of s.heard ?? ([] as HeardEntry[])) {
        const at = madeAt - ageMs;
        const cur = next.get(mac);
        if (cur ? cur.heardAtWallMs < at : next.size < MAX_MACS) next.set(mac, { peer: `${s.name} (${source})`, heardAtWallMs: at });
      }
    }
    this.heard = next;
    this.peersSeen = peers;
    this.lastReadWallMs = nowWallMs;
  }

  /** The newest account of some peer hearing `mac` ("aa:bb:.." or 12 hex digits). */
  heardAt(mac: string): PeerHeard | null {
    return this.heard.get(mac.length === 12 ? mac : macHex(mac)) ?? null;
  }
}
