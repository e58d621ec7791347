/**
 * Fixed-point requantization for the quantized network, in int32 operations only.
 *
 * A real multiplier M = s_in · s_w / s_out is stored as an integer m0 in [0, 2^31)
 * and a right shift n in [1, 62]: M ≈ m0 · 2^-n (normalised so that m0 ≥ 2^30 when
 * the multiplier allows it, i.e. 31 significant bits). Requantizing an int32
 * accumulator is
 *
 *     r = round_half_away_from_zero(acc · m0 / 2^n)
 *
 * computed exactly: one rounding of the exact 62-bit product (not the two roundings
 * of gemmlowp's SaturatingRoundingDoublingHighMul + RoundingDivideByPOT, which can
 * differ by one on ties). The product never exists as a JS number: |acc| and m0 are
 * split into 16-bit limbs, every partial product is below 2^31 (or taken with
 * Math.imul), and the 64-bit result is kept as four 16-bit limbs. No BigInt, no
 * floating point, no product above 2^31. The result saturates at ±(2^31 − 1).
 */

/** Largest accumulator magnitude the requantizer takes (the model reader guarantees it). */
export const ACC_LIMIT = 0x7fffffff;
export const SHIFT_MIN = 1;
export const SHIFT_MAX = 62;

export interface Multiplier {
  /** Integer multiplier in [0, 2^31). */
  m0: number;
  /** Right shift in [SHIFT_MIN, SHIFT_MAX]. */
  shift: number;
}

/**
 * The (m0, shift) pair for a real multiplier, or null when it cannot be represented
 * (not finite, negative, or 2^30 and above). Tiny multipliers lose precision and may
 * become m0 = 0 (the output is then the zero point). Runs at quantization time, not
 * in the hot loop: plain doubles, exact scaling by powers of two.
 */
export function quantizeMultiplier(real: number): Multiplier | null {
  if (!Number.isFinite(real) || real < 0 || real >= 2 ** 30) return null;
  if (real === 0) return { m0: 0, shift: 31 };
  // real = f · 2^e with f in [0.5, 1): halving and doubling are exact in binary floating point.
  let f = real;
  let e = 0;
  while (f >= 1) {
    f /= 2;
    e++;
  }
  while (f < 0.5) {
    f *= 2;
    e--;
  }
  let m0 = Math.round(f * 2 ** 31);
  if (m0 === 2 ** 31) {
    m0 = 2 ** 30;
    e++;
  }
  let shift = 31 - e;
  if (shift > SHIFT_MAX) {
    // Denormalise: fewer significant bits, same value.
    m0 = Math.round(real * 2 ** SHIFT_MAX);
    shift = SHIFT_MAX;
  }
  if (shift < SHIFT_MIN) return null;
  return { m0, shift };
}

/** The real value of a multiplier (for the float reference and for reports). */
export function multiplierValue(m: Multiplier): number {
  return m.m0 * 2 ** -m.shift;
}

/**
 * round_half_away_from_zero(acc · m0 / 2^shift), saturated to ±(2^31 − 1).
 * acc: integer with |acc| ≤ 2^31 − 1; m0: integer in [0, 2^31); shift in [1, 62].
 *
 * With a = |acc| = aH·2^16 + aL and m0 = mH·2^16 + mL, the product is
 * hi·2^32 + lo where only hi (< 2^30) and the top bits of lo are needed when
 * shift ≥ 32, the usual case (multipliers below 2^-1): then the rounding half is
 * in hi (shift ≥ 33) or is bit 31 of lo (shift = 32), and lo's lower bits cannot
 * carry into the result. Smaller shifts take the general path.
 */
export function mulRoundShift(acc: number, m0: number, shift: number): number {
  if (shift < 32) return mulRoundShiftSmall(acc, m0, shift);
  const neg = acc < 0;
  const a = neg ? -acc : acc;
  const aL = a & 0xffff;
  const aH = a >>> 16; // ≤ 0x7fff
  const mL = m0 & 0xffff;
  const mH = m0 >>> 16; // ≤ 0x7fff
  const p1 = aH * mL; // < 2^31
  const p2 = aL * mH; // < 2^31
  // Bits 16..31 of the product (plus carries above), then everything from bit 32 up.
  const t = (Math.imul(aL, mL) >>> 16) + (p1 & 0xffff) + (p2 & 0xffff);
  const hi = aH * mH + (p1 >>> 16) + (p2 >>> 16) + (t >>> 16);
  const r = shift === 32 ? hi + ((t >>> 15) & 1) : (hi + (1 << (shift - 33))) >>> (shift - 32);
  return neg ? 0 - r : r; // 0 - r: never -0
}

// Four 16-bit limbs of the 64-bit product, least significant first (reused; single-threaded).
const limbs = new Int32Array(5);

/** The general case (shift < 32: the result may need saturation), on four 16-bit limbs. */
function mulRoundShiftSmall(acc: number, m0: number, shift: number): number {
  const neg = acc < 0;
  const a = neg ? -acc : acc;
  const aL = a & 0xffff;
  const aH = a >>> 16; // ≤ 0x7fff
  const mL = m0 & 0xffff;
  const mH = m0 >>> 16; // ≤ 0x7fff
  const p0 = Math.imul(aL, mL); // < 2^32: the low 32 bits, read back unsigned below
  const p1 = aH * mL; // < 2^31
  const p2 = aL * mH; // < 2^31
  const p3 = aH * mH; // < 2^30
  let t = (p0 >>> 16) + (p1 & 0xffff) + (p2 & 0xffff);
  limbs[0] = p0 & 0xffff;
  limbs[1] = t & 0xffff;
  t = (t >>> 16) + (p1 >>> 16) + (p2 >>> 16) + (p3 & 0xffff);
  limbs[2] = t & 0xffff;
  limbs[3] = (t >>> 16) + (p3 >>> 16);
  limbs[4] = 0;
  // + 2^(shift-1): the rounding half, with the carry carried up.
  let k = (shift - 1) >>> 4;
  let carry = 1 << ((shift - 1) & 15);
  while (carry !== 0 && k < 4) {
    const v = (limbs[k] as number) + carry;
    limbs[k] = v & 0xffff;
    carry = v >>> 16;
    k++;
  }
  // >> shift: limbs q.. of the sum, each shifted by s bits.
  const q = shift >>> 4;
  const s = shift & 15;
  const up = 16 - s;
  const l0 = limbs[q] as number;
  const l1 = q + 1 < 5 ? (limbs[q + 1] as number) : 0;
  const l2 = q + 2 < 5 ? (limbs[q + 2] as number) : 0;
  const l3 = q + 3 < 5 ? (limbs[q + 3] as number) : 0;
  const e0 = (l0 >>> s) | ((l1 << up) & 0xffff);
  const e1 = (l1 >>> s) | ((l2 << up) & 0xffff);
  // Any bit at shift + 32 or above: the result does not fit in 31 bits.
  const rest = (l2 >>> s) | (l3 << up) | (q === 0 ? (limbs[4] as number) : 0);
  let r: number;
  if (rest !== 0 || e1 > 0x7fff) r = 0x7fffffff;
  else r = (e1 << 16) | e0;
  return neg ? 0 - r : r; // 0 - r: never -0
}
