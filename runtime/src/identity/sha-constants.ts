/**
 * The SHA-2 constants as FIPS 180-4 §4.2 and §5.3 define them: the first 32 or 64 bits
 * of the fractional parts of the square and cube roots of the first primes. Computed
 * exactly with BigInt integer roots instead of being copied as tables.
 */

export function firstPrimes(n: number): number[] {
  const out: number[] = [];
  for (let c = 2; out.length < n; c++) if (out.every((p) => c % p !== 0)) out.push(c);
  return out;
}

/** floor(x^(1/k)) for a non-negative BigInt, by Newton's method. */
function integerRoot(x: bigint, k: bigint): bigint {
  if (x < 2n) return x;
  let r = 1n << (BigInt(x.toString(2).length) / k + 1n);
  for (;;) {
    const next = ((k - 1n) * r + x / r ** (k - 1n)) / k;
    if (next >= r) break;
    r = next;
  }
  while (r ** k > x) r--;
  while ((r + 1n) ** k <= x) r++;
  return r;
}

/** The first `bits` bits of the fractional part of p^(1/k). */
export function rootFractionBits(p: number, k: bigint, bits: bigint): bigint {
  return integerRoot(BigInt(p) << (bits * k), k) & ((1n << bits) - 1n);
}
