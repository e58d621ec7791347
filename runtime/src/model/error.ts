/**
 * The anomaly measure: the squared reconstruction error Σ (outᵢ − inᵢ)², optionally
 * without its `trim` largest terms.
 *
 * Why trim: the input ends at ±4 σ (127 steps), so one feature at the edge that the
 * autoencoder cannot reconstruct gives 127² = 16,129 squared steps on its own — above
 * the links' threshold. On other meshes single features run to the edge in normal
 * operation (a lossy link's loss excess, a node's drop ratio), and those lone spikes
 * were most of the model's false alarms. A fault moves several features at once (the
 * metric, the probes' loss and silence, the missing fraction); leaving out the largest
 * terms asks for that, and a lone feature far out is still caught by the scorer's
 * out-of-range test. Judged in docs/model-journal.md ("Screened on the runs read before").
 */

/** At most this many largest terms are left out (the model file's field allows 0..3). */
export const MAX_ERROR_TRIM = 3;

/**
 * Σ (out[i] − input[i])² over i < n, without the `trim` (0..MAX_ERROR_TRIM) largest
 * terms. Works on int8 steps (integers in, an integer out) and on reals alike. `terms`,
 * when given, gets each term added to its element (the scorer sums them over an
 * ensemble's members to name the worst feature, without a second pass).
 */
export function trimmedSquaredError(out: ArrayLike<number>, input: ArrayLike<number>, n: number, trim: number, terms?: Float64Array): number {
  let sum = 0;
  // The largest terms seen so far, largest first (only the first `trim` are used).
  let a = 0;
  let b = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const d = (out[i] as number) - (input[i] as number);
    const dd = d * d;
    sum += dd;
    if (terms) terms[i] = (terms[i] as number) + dd;
    if (trim === 0 || dd <= c) continue;
    if (dd > a) {
      c = b;
      b = a;
      a = dd;
    } else if (dd > b) {
      c = b;
      b = dd;
    } else c = dd;
  }
  if (trim >= 1) sum -= a;
  if (trim >= 2) sum -= b;
  if (trim >= 3) sum -= c;
  return sum;
}

/**
 * An ensemble's error from the sum of its `members` errors: their mean, rounded to the
 * nearest integer (halves up), so that integer errors stay integers (format.ts, version 3).
 */
export function ensembleError(sum: number, members: number): number {
  return members <= 1 ? sum : Math.floor((sum + (members >> 1)) / members);
}
