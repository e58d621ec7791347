/**
 * The protobuf wire codec against the encodings the protobuf documentation spells out
 * (protobuf.dev/programming-guides/encoding), round trips of every field type, and the
 * decoder's refusals (each one an error value naming the problem).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMessage, encodeMessage, message, unzigzag32, unzigzag64, WireReader, zigzag32, zigzag64 } from '../../runtime/src/protobuf/index.js';
import { Everything } from '../support/protobuf-schemas.js';

const t = suite('protobuf codec');

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));

const Test1 = message<{ a: number }>('Test1', [{ name: 'a', no: 1, type: 'int32' }]);
const Test2 = message<{ b: string }>('Test2', [{ name: 'b', no: 2, type: 'string' }]);
const Test3 = message<{ c?: { a: number } }>('Test3', [{ name: 'c', no: 3, type: 'message', message: () => Test1 }]);
const Test4 = message<{ d: string; e: number[] }>('Test4', [
  { name: 'd', no: 1, type: 'string' },
  { name: 'e', no: 6, type: 'int32', repeated: true },
]);

t('the documentation examples: 150, "testing", nested, packed', () => {
  assert.is(hex(encodeMessage(Test1, { a: 150 })), '089601');
  assert.is(hex(encodeMessage(Test2, { b: 'testing' })), '120774657374696e67');
  assert.is(hex(encodeMessage(Test3, { c: { a: 150 } })), '1a03089601');
  assert.is(hex(encodeMessage(Test4, { d: 'hello', e: [1, 2, 3] })), '0a0568656c6c6f3203010203');
  const d = decodeMessage(Test3, unhex('1a03089601'));
  assert.equal(d, { ok: true, value: { c: { a: 150 } } });
});

t('negative int32 takes ten bytes; sint32 zigzags; proto3 defaults are left out', () => {
  assert.is(hex(encodeMessage(Test1, { a: -1 })), '08ffffffffffffffffff01');
  assert.equal(decodeMessage(Test1, unhex('08ffffffffffffffffff01')), { ok: true, value: { a: -1 } });
  assert.equal([zigzag32(0), zigzag32(-1), zigzag32(1), zigzag32(-2), zigzag32(2147483647), zigzag32(-2147483648)], [0, 1, 2, 3, 4294967294, 4294967295]);
  assert.equal([unzigzag32(4294967294), unzigzag32(4294967295)], [2147483647, -2147483648]);
  assert.is(zigzag64(-9223372036854775808n), 18446744073709551615n);
  assert.is(unzigzag64(18446744073709551614n), 9223372036854775807n);
  assert.is(encodeMessage(Test1, { a: 0 }).length, 0);
  assert.equal(decodeMessage(Test1, new Uint8Array(0)), { ok: true, value: { a: 0 } });
});

t('64-bit varints: every length from 1 to 10 bytes decodes to the value it encodes', () => {
  const U64 = message<{ v: bigint }>('U64', [{ name: 'v', no: 1, type: 'uint64' }]);
  for (let bits = 0; bits <= 64; bits++) {
    const v = bits === 0 ? 1n : (1n << BigInt(bits)) - 1n;
    const bytes = encodeMessage(U64, { v });
    assert.is(bytes.length, 1 + Math.max(1, Math.ceil((bits || 1) / 7)), `bits ${bits}`);
    assert.equal(decodeMessage(U64, bytes), { ok: true, value: { v } }, `bits ${bits}`);
  }
});

t('every type round-trips, extremes included', () => {
  const value = {
    i32: -2147483648, i64: -9223372036854775808n, u32: 4294967295, u64: 18446744073709551615n, s32: -2147483648,
    s64: -9223372036854775808n, b: true, e: 1000, f32: 4294967295, f64: 18446744073709551615n, sf32: -2147483648,
    sf64: -9223372036854775808n, fl: 1.5, d: -1e300, s: 'grüße ✓ 𝄞', by: Uint8Array.from([0, 255, 7]),
    child: { ...defaults(), i32: 7, s: 'inner' }, ri: [0, -1, 300], rs: ['', 'a'], rc: [{ ...defaults(), b: true }, defaults()],
    rs64: [-1n, 1n, 0n], name: '', unpacked: [1, 2, 3],
  };
  const r = decodeMessage(Everything, encodeMessage(Everything, value));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value, value);
});

function defaults(): Record<string, unknown> {
  return {
    i32: 0, i64: 0n, u32: 0, u64: 0n, s32: 0, s64: 0n, b: false, e: 0, f32: 0, f64: 0n, sf32: 0, sf64: 0n, fl: 0, d: 0, s: '',
    by: new Uint8Array(0), child: undefined, ri: [], rs: [], rc: [], rs64: [], unpacked: [],
  };
}

t('unknown fields of every wire type are skipped', () => {
  // field 9 varint, 10 fixed64, 11 length-delimited, 12 fixed32, then a = 5
  const bytes = unhex('48ac02' + '510102030405060708' + '5a03616263' + '6501020304' + '0805');
  assert.equal(decodeMessage(Test1, bytes), { ok: true, value: { a: 5 } });
});

t('repeated scalars are accepted packed and unpacked alike', () => {
  assert.equal(decodeMessage(Test4, unhex('300130023003')), { ok: true, value: { d: '', e: [1, 2, 3] } });
  assert.equal(decodeMessage(Test4, unhex('320201023003')), { ok: true, value: { d: '', e: [1, 2, 3] } });
});

t('bad input: each refusal is an error value that says what is wrong', () => {
  const cases: [string, string][] = [
    ['0b', 'groups'], // field 1, wire type 3
    ['0c', 'groups'], // wire type 4
    ['0e', 'wire type 6'],
    ['08', 'past the end'], // truncated varint
    ['08ffffffffffffffffff8001', 'overflows 64'], // an 11th byte
    ['08ffffffffffffffffff02', 'overflows 64'],
    ['1205616263', 'runs past the end'],
    ['0001', 'field number 0'],
    ['0d01020304', 'wire type 5, expected 0'], // a as fixed32
    ['1a0308', 'past the end'], // nested message truncated inside
  ];
  for (const [input, expected] of cases) {
    const r = input.startsWith('1a') ? decodeMessage(Test3, unhex(input)) : decodeMessage(Test1, unhex(input));
    assert.not.ok(r.ok, input);
    if (!r.ok) assert.ok(r.error.message.includes(expected), `${input}: ${r.error.message}`);
  }
});

t('limits: depth, repeated count and size are bounded', () => {
  let nested: Record<string, unknown> = { i32: 1 };
  for (let i = 0; i < 40; i++) nested = { child: nested };
  const deep = decodeMessage(Everything, encodeMessage(Everything, nested));
  assert.not.ok(deep.ok);
  if (!deep.ok) assert.ok(deep.error.message.includes('deeper than 32'), deep.error.message);
  const many = encodeMessage(Test4, { d: '', e: Array.from({ length: 50 }, (_, i) => i) });
  const r = decodeMessage(Test4, many, { maxRepeated: 10 });
  assert.not.ok(r.ok);
  if (!r.ok) assert.ok(r.error.message.includes('more than 10'), r.error.message);
  const big = decodeMessage(Test4, many, { maxBytes: 10 });
  assert.not.ok(big.ok);
});

t('WireReader: an error sticks and stops reading', () => {
  const r = new WireReader(unhex('ff'));
  assert.is(r.varint(), 0);
  assert.ok(r.error?.includes('past the end'));
  assert.ok(r.done);
});

t.run();
