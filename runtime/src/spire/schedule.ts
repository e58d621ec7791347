/**
 * When to renew, and how long to wait after a failure.
 *
 * Renewal at about half the SVID's lifetime (as spire-agent does), with ±10 % of the
 * lifetime as jitter so that a mesh of routers attested together does not renew in
 * one burst. After a failure: exponential back-off from 1 s to 5 min with ±20 %
 * jitter, but never later than a little before the SVID expires (the last chances
 * count most). A wrong clock (clock.ts) retries at the back-off pace too.
 */

export const BACKOFF_MIN_MS = 1000;
export const BACKOFF_MAX_MS = 5 * 60_000;

/** Milliseconds from `nowMs` until the renewal of a certificate valid notBefore..notAfter. */
export function renewalDelayMs(notBeforeMs: number, notAfterMs: number, nowMs: number, random: () => number): number {
  const lifetime = Math.max(0, notAfterMs - notBeforeMs);
  const fraction = 0.5 + (random() * 2 - 1) * 0.1;
  const at = notBeforeMs + lifetime * fraction;
  return Math.max(0, Math.round(at - nowMs));
}

/** Delay before retry number `attempt` (1 = the first retry). */
export function backoffDelayMs(attempt: number, random: () => number, notAfterMs?: number, nowMs?: number): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  let d = Math.round(base * (1 + (random() * 2 - 1) * 0.2));
  if (notAfterMs !== undefined && nowMs !== undefined) {
    // Keep trying often while the SVID still has a little life left.
    const left = notAfterMs - nowMs;
    if (left > 0) d = Math.min(d, Math.max(BACKOFF_MIN_MS, Math.floor(left / 4)));
  }
  return Math.max(BACKOFF_MIN_MS / 2, d);
}
