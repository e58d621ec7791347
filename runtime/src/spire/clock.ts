/**
 * Is the wall clock good enough to judge certificate validity? Routers without an RTC
 * boot at a fixed date (OpenWrt: the newest file in /etc, or 1970) and jump when NTP
 * syncs. Judging an SVID against such a clock would throw away a valid identity (or
 * keep an expired one), and mbedTLS refuses the SPIRE server's certificate as "not yet
 * valid", so the agent waits instead of acting on a clock it knows is wrong.
 *
 * The clock is "behind" when it reads earlier than any of these floors, each a moment
 * that has certainly passed:
 * - RELEASE_FLOOR_MS: a date before this code was released;
 * - the newest notBefore among the trust bundle's CA certificates (the CA existed
 *   before we received it; allowing for clock skew);
 * - the last time this agent attested or renewed (recorded with a clock that was good
 *   then; minus the skew allowance).
 * A clock that runs ahead cannot be detected this way; NTP is the defence there.
 */

/** 2026-01-01T00:00:00Z: earlier than any build of this code. */
export const RELEASE_FLOOR_MS = Date.UTC(2026, 0, 1);

export interface ClockVerdict {
  ok: boolean;
  /** The latest floor that was checked, ms since the epoch. */
  floorMs: number;
  /** Why the clock is judged behind (empty when ok). */
  reason: string;
}

export interface ClockFloors {
  /** notBefore of each bundle authority. */
  bundleNotBeforeMs?: readonly number[];
  /** Wall-clock ms of the last good attestation or renewal. */
  lastGoodMs?: number;
  /** Tolerance for clocks that disagree a little (default 5 minutes). */
  skewMs?: number;
}

export function judgeClock(nowMs: number, floors: ClockFloors = {}): ClockVerdict {
  const skew = floors.skewMs ?? 5 * 60_000;
  const candidates: [number, string][] = [[RELEASE_FLOOR_MS, 'the release date of this build']];
  for (const nb of floors.bundleNotBeforeMs ?? []) candidates.push([nb - skew, 'the notBefore of a trust bundle CA certificate']);
  if (floors.lastGoodMs !== undefined && floors.lastGoodMs > 0) candidates.push([floors.lastGoodMs - skew, 'the last successful attestation or renewal']);
  let floor = candidates[0] as [number, string];
  for (const c of candidates) if (c[0] > floor[0]) floor = c;
  if (nowMs >= floor[0]) return { ok: true, floorMs: floor[0], reason: '' };
  return {
    ok: false,
    floorMs: floor[0],
    reason: `the wall clock (${new Date(nowMs).toISOString()}) is before ${floor[1]} (${new Date(floor[0]).toISOString()}); waiting for time sync`,
  };
}
