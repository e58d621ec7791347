/**
 * SHA-512 and SHA-384 (FIPS 180-4 §6.4, §6.5) with BigInt 64-bit words, for
 * ecdsa-with-SHA384/512 (what a P-384 SPIRE CA signs with). Constants are derived from
 * prime roots as the standard defines them (sha-constants.ts). Slower than SHA-256's
 * 32-bit code, which is fine for certificate-sized inputs.
 */
import { firstPrimes, rootFractionBits } from './sha-constants.js';

const MASK = (1n << 64n) - 1n;
const PRIMES = firstPrimes(80);
const K = PRIMES.map((p) => rootFractionBits(p, 3n, 64n));
const H512 = PRIMES.slice(0, 8).map((p) => rootFractionBits(p, 2n, 64n));
const H384 = PRIMES.slice(8, 16).map((p) => rootFractionBits(p, 2n, 64n));

function rotr(x: bigint, n: bigint): bigint {
  return ((x >> n) | (x << (64n - n))) & MASK;
}

function digest(data: Uint8Array, initial: bigint[], outBytes: number): Uint8Array {
  const blocks = Math.ceil((data.length + 17) / 128);
  const msg = new Uint8Array(blocks * 128);
  msg.set(data);
  msg[data.length] = 0x80;
  const view = new DataView(msg.buffer);
  const bitLength = BigInt(data.length) * 8n;
  view.setBigUint64(msg.length - 16, bitLength >> 64n);
  view.setBigUint64(msg.length - 8, bitLength & MASK);
  const h = initial.slice();
  const w: bigint[] = new Array(80).fill(0n);
  for (let b = 0; b < blocks; b++) {
    for (let t = 0; t < 16; t++) w[t] = view.getBigUint64(b * 128 + t * 8);
    for (let t = 16; t < 80; t++) {
      const x = w[t - 15] as bigint;
      const y = w[t - 2] as bigint;
      const s0 = rotr(x, 1n) ^ rotr(x, 8n) ^ (x >> 7n);
      const s1 = rotr(y, 19n) ^ rotr(y, 61n) ^ (y >> 6n);
      w[t] = ((w[t - 16] as bigint) + s0 + (w[t - 7] as bigint) + s1) & MASK;
    }
    let [a, bb, c, d, e, f, g, hh] = h as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
    for (let t = 0; t < 80; t++) {
      const ch = (e & f) ^ (~e & MASK & g);
      const t1 = (hh + (rotr(e, 14n) ^ rotr(e, 18n) ^ rotr(e, 41n)) + ch + (K[t] as bigint) + (w[t] as bigint)) & MASK;
      const t2 = ((rotr(a, 28n) ^ rotr(a, 34n) ^ rotr(a, 39n)) + ((a & bb) ^ (a & c) ^ (bb & c))) & MASK;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) & MASK;
      d = c;
      c = bb;
      bb = a;
      a = (t1 + t2) & MASK;
    }
    const next = [a, bb, c, d, e, f, g, hh];
    for (let i = 0; i < 8; i++) h[i] = ((h[i] as bigint) + (next[i] as bigint)) & MASK;
  }
  const out = new Uint8Array(64);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) ov.setBigUint64(i * 8, h[i] as bigint);
  return out.slice(0, outBytes);
}

export function sha512(data: Uint8Array): Uint8Array {
  return digest(data, H512, 64);
}

export function sha384(data: Uint8Array): Uint8Array {
  return digest(data, H384, 48);
}
