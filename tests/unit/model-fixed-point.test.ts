/**
 * The model's fixed-point requantization against exact BigInt arithmetic: the limb
 * implementation must give round-half-away-from-zero of acc·m0/2^shift exactly,
 * for random and extreme operands, and the multiplier must represent the real
 * value to 31 significant bits.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ACC_LIMIT, mulRoundShift, multiplierValue, quantizeMultiplier, SHIFT_MAX, SHIFT_MIN } from '../../runtime/src/model/fixed-point.js';
import { prng } from '../support/model-fixture.js';

const t = suite('model: fixed point');

/** The specification, in BigInt: round half away from zero, saturate at ±(2^31 − 1). */
function exact(acc: number, m0: number, shift: number): number {
  const p = BigInt(acc) * BigInt(m0);
  const mag = p < 0n ? -p : p;
  let r = (mag + (1n << BigInt(shift - 1))) >> BigInt(shift);
  if (r > 0x7fffffffn) r = 0x7fffffffn;
  return Number(p < 0n ? -r : r);
}

function check(acc: number, m0: number, shift: number): void {
  const got = mulRoundShift(acc, m0, shift);
  const want = exact(acc, m0, shift);
  if (!Object.is(got, want)) assert.unreachable(`mulRoundShift(${acc}, ${m0}, ${shift}) = ${got}, exact ${want}`);
}

t('requantization equals exact BigInt arithmetic on extremes', () => {
  const accs = [0, 1, -1, 2, -2, 127, -128, 0xffff, 0x10000, -0x10000, 0x7fff_ffff, -0x7fff_ffff, 0x4000_0000, -0x4000_0000, 0x12345678, -0x0fedcba9];
  const m0s = [0, 1, 0xffff, 0x10000, 0x4000_0000, 0x5555_5555, 0x7fff_ffff];
  let n = 0;
  for (const acc of accs) {
    for (const m0 of m0s) {
      for (let shift = SHIFT_MIN; shift <= SHIFT_MAX; shift++) {
        check(acc, m0, shift);
        n++;
      }
    }
  }
  assert.is(n, accs.length * m0s.length * 62);
});

t('requantization equals exact BigInt arithmetic on 200k random cases, ties included', () => {
  const rng = prng(0x5eed);
  const u32 = () => Math.floor(rng() * 2 ** 32);
  for (let i = 0; i < 200_000; i++) {
    // Accumulators of every magnitude (random bit length), multipliers normalised or not.
    const bits = Math.floor(rng() * 32);
    const mag = Math.min(ACC_LIMIT, Math.floor(rng() * 2 ** bits));
    const acc = rng() < 0.5 ? -mag : mag;
    const m0 = rng() < 0.8 ? 0x4000_0000 + (u32() % 0x4000_0000) : u32() >>> (1 + Math.floor(rng() * 31));
    const shift = SHIFT_MIN + Math.floor(rng() * (SHIFT_MAX - SHIFT_MIN + 1));
    check(acc, m0, shift);
  }
  // Exact ties: acc·m0 = (2k + 1)·2^(shift−1) must round away from zero.
  for (let i = 0; i < 20_000; i++) {
    const shift = 1 + Math.floor(rng() * 30);
    const k = Math.floor(rng() * 2 ** (31 - shift));
    const acc = ((2 * k + 1) * 2 ** (shift - 1)) % 2 ** 31;
    check(acc, 1, shift);
    check(-acc, 1, shift);
  }
  assert.is(mulRoundShift(3, 1, 1), 2, '1.5 rounds to 2');
  assert.is(mulRoundShift(-3, 1, 1), -2, '-1.5 rounds to -2 (away from zero)');
  assert.is(mulRoundShift(5, 1, 2), 1, '1.25 rounds to 1');
  assert.ok(Object.is(mulRoundShift(-1, 1, 2), 0), '-0.25 is +0, never -0');
});

t('the result saturates at ±(2^31 − 1) instead of wrapping', () => {
  assert.is(mulRoundShift(ACC_LIMIT, 0x7fff_ffff, 1), 0x7fff_ffff);
  assert.is(mulRoundShift(-ACC_LIMIT, 0x7fff_ffff, 1), -0x7fff_ffff);
  assert.is(mulRoundShift(1 << 20, 1 << 20, 9), 0x7fff_ffff, '2^31 exactly does not fit');
  assert.is(mulRoundShift(1 << 20, 1 << 20, 10), 1 << 30);
});

t('quantizeMultiplier: 31 significant bits, the value within half a unit of the last bit', () => {
  const rng = prng(7);
  for (let i = 0; i < 20_000; i++) {
    const real = 2 ** (rng() * 60 - 40) * (1 + rng());
    const m = quantizeMultiplier(real);
    if (real >= 2 ** 30) {
      assert.is(m, null);
      continue;
    }
    if (!m) return assert.unreachable(`no multiplier for ${real}`);
    assert.ok(m.shift >= SHIFT_MIN && m.shift <= SHIFT_MAX && m.m0 >= 0 && m.m0 < 2 ** 31);
    if (m.shift < SHIFT_MAX) {
      assert.ok(m.m0 >= 2 ** 30, `normalised: ${m.m0}`);
      assert.ok(Math.abs(multiplierValue(m) - real) <= real * 2 ** -31, `${real} → ${multiplierValue(m)}`);
    } else {
      assert.ok(Math.abs(multiplierValue(m) - real) <= 2 ** -63, 'a tiny multiplier is exact to 2^-62');
    }
  }
  assert.equal(quantizeMultiplier(0.5), { m0: 2 ** 30, shift: 31 });
  assert.equal(quantizeMultiplier(0), { m0: 0, shift: 31 });
  assert.is(quantizeMultiplier(-1), null);
  assert.is(quantizeMultiplier(Number.NaN), null);
  assert.is(quantizeMultiplier(2 ** 30), null);
  assert.equal(quantizeMultiplier(1 - 2 ** -40), { m0: 2 ** 30, shift: 30 }, 'rounding up to 2^31 renormalises');
});

t.run();
