/**
 * Elliptic-curve arithmetic with BigInt for ECDSA verification on the NIST prime curves
 * P-256 and P-384 (y² = x³ − 3x + b over a prime field; SEC 2 §2.4.2, §2.5.1).
 * Points are kept in Jacobian coordinates (X, Y, Z) ↔ (X/Z², Y/Z³); Z = 0 is the point
 * at infinity. Verification handles public data only, so nothing here needs to be
 * constant-time.
 */

export interface Curve {
  name: string;
  p: bigint;
  b: bigint;
  /** The order of the generator. */
  n: bigint;
  gx: bigint;
  gy: bigint;
  /** Field element size in bytes. */
  size: number;
}

/** SEC 2 domain parameters (a = p − 3 for both). */
export const P256: Curve = {
  name: 'P-256',
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  size: 32,
};

export const P384: Curve = {
  name: 'P-384',
  p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
  b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
  gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
  size: 48,
};

export interface Jacobian {
  x: bigint;
  y: bigint;
  z: bigint;
}

export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** a⁻¹ mod m (m prime, a ≠ 0 mod m), by the extended Euclidean algorithm. */
export function invert(a: bigint, m: bigint): bigint {
  let r0 = m;
  let r1 = mod(a, m);
  let t0 = 0n;
  let t1 = 1n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  return mod(t0, m);
}

export function powMod(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

/** y² for a given x: x³ − 3x + b. */
export function curveRhs(c: Curve, x: bigint): bigint {
  return mod(x * x * x - 3n * x + c.b, c.p);
}

export function isOnCurve(c: Curve, x: bigint, y: bigint): boolean {
  return x >= 0n && x < c.p && y >= 0n && y < c.p && (y * y) % c.p === curveRhs(c, x);
}

const INFINITY: Jacobian = { x: 1n, y: 1n, z: 0n };

function double(c: Curve, q: Jacobian): Jacobian {
  if (q.z === 0n || q.y === 0n) return INFINITY;
  const p = c.p;
  const delta = (q.z * q.z) % p;
  const gamma = (q.y * q.y) % p;
  const beta = (q.x * gamma) % p;
  const alpha = mod(3n * (q.x - delta) * (q.x + delta), p);
  const x = mod(alpha * alpha - 8n * beta, p);
  const z = mod((q.y + q.z) * (q.y + q.z) - gamma - delta, p);
  const y = mod(alpha * (4n * beta - x) - 8n * gamma * gamma, p);
  return { x, y, z };
}

function add(c: Curve, a: Jacobian, b: Jacobian): Jacobian {
  if (a.z === 0n) return b;
  if (b.z === 0n) return a;
  const p = c.p;
  const za2 = (a.z * a.z) % p;
  const zb2 = (b.z * b.z) % p;
  const u1 = (a.x * zb2) % p;
  const u2 = (b.x * za2) % p;
  const s1 = (a.y * zb2 * b.z) % p;
  const s2 = (b.y * za2 * a.z) % p;
  const h = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  if (h === 0n) return r === 0n ? double(c, a) : INFINITY;
  const h2 = (h * h) % p;
  const h3 = (h2 * h) % p;
  const u1h2 = (u1 * h2) % p;
  const x = mod(r * r - h3 - 2n * u1h2, p);
  const y = mod(r * (u1h2 - x) - s1 * h3, p);
  const z = (h * a.z * b.z) % p;
  return { x, y, z };
}

/** u1·G + u2·Q in one pass over the bits (Shamir's trick); returns affine x, or null at infinity. */
export function combinedMultiplyX(c: Curve, u1: bigint, u2: bigint, qx: bigint, qy: bigint): bigint | null {
  const g: Jacobian = { x: c.gx, y: c.gy, z: 1n };
  const q: Jacobian = { x: qx, y: qy, z: 1n };
  const gq = add(c, g, q);
  let acc = INFINITY;
  const bits = Math.max(u1.toString(2).length, u2.toString(2).length);
  for (let i = bits - 1; i >= 0; i--) {
    acc = double(c, acc);
    const b1 = (u1 >> BigInt(i)) & 1n;
    const b2 = (u2 >> BigInt(i)) & 1n;
    if (b1 && b2) acc = add(c, acc, gq);
    else if (b1) acc = add(c, acc, g);
    else if (b2) acc = add(c, acc, q);
  }
  if (acc.z === 0n) return null;
  const zi = invert(acc.z, c.p);
  return (acc.x * zi * zi) % c.p;
}
