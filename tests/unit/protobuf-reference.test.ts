/**
 * Our protobuf encoder and decoder against Google's own implementation (Debian's
 * python3-protobuf, installed by scripts/setup.sh): for each message, Python's bytes
 * must equal ours, Python must parse ours to the same message, and we must decode
 * Python's bytes back to the value we started from.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import { base64Encode } from '../../runtime/src/identity/base64.js';
import { decodeMessage, encodeMessage } from '../../runtime/src/protobuf/index.js';
import { Everything } from '../support/protobuf-schemas.js';
import { removeTree, tempDir } from '../support/tmp.js';

const t = suite('protobuf reference');
const PYTHON = '/usr/bin/python3';
const SCRIPT = 'tests/support/protobuf-reference.py';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));

/** A value in protobuf's JSON mapping (64-bit as strings, bytes as base64). */
function toJson(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return base64Encode(v);
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJson(x);
    return out;
  }
  return v;
}

const CASES: Record<string, unknown>[] = [
  {},
  { i32: 150 },
  { i32: -1, i64: -1n, s32: -1, s64: -1n, sf32: -1, sf64: -1n },
  { i32: 2147483647, i64: 9223372036854775807n, u32: 4294967295, u64: 18446744073709551615n, f32: 4294967295, f64: 18446744073709551615n },
  { i32: -2147483648, i64: -9223372036854775808n, s32: -2147483648, s64: -9223372036854775808n, sf64: -9223372036854775808n },
  { b: true, e: 1000, fl: -2.5, d: 0.1, s: 'grüße ✓ 𝄞', by: Uint8Array.from([0, 1, 254, 255]) },
  { e: -5 },
  { child: { s: 'inner', child: { i32: 3 } }, rc: [{ i32: 1 }, {}, { s: 'x' }] },
  { ri: [0, 1, -1, 300, -2147483648], rs: ['', 'a', 'bc'], rs64: [0n, -1n, 1n, -9223372036854775808n] },
  { num: 0 },
  { name: '' },
  { name: 'chosen' },
  { unpacked: [1, 128, 4294967295] },
  { s: 'x'.repeat(300), by: new Uint8Array(200).fill(9) },
];

t('Python protobuf and we agree byte for byte, both ways', async () => {
  const host = getHost();
  if (!host.files.stat(PYTHON) || (await host.processes.run([PYTHON, '-c', 'import google.protobuf'])).status !== 0) {
    assert.unreachable('python3-protobuf is missing: run scripts/setup.sh (installs Debian package python3-protobuf)');
  }
  const dir = tempDir('pb');
  try {
    const ours = CASES.map((c) => encodeMessage(Everything, c));
    const input = CASES.map((c, i) => JSON.stringify({ json: toJson(c), ours: hex(ours[i] as Uint8Array) })).join('\n');
    host.files.writeAtomic(`${dir}/cases.jsonl`, `${input}\n`);
    const r = await host.processes.run([PYTHON, SCRIPT, `${dir}/cases.jsonl`], { timeoutMs: 30_000 });
    assert.is(r.status, 0, r.stderr);
    const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { hex: string; same: boolean });
    assert.is(answers.length, CASES.length);
    answers.forEach((a, i) => {
      const c = CASES[i] as Record<string, unknown>;
      assert.is(hex(ours[i] as Uint8Array), a.hex, `case ${i} ${JSON.stringify(toJson(c))}: our bytes differ from Python's`);
      assert.ok(a.same, `case ${i}: Python parses our bytes to another message`);
      const back = decodeMessage(Everything, unhex(a.hex));
      assert.ok(back.ok, `case ${i}: we cannot decode Python's bytes`);
      if (!back.ok) return;
      for (const [k, v] of Object.entries(c)) {
        if (k === 'child' || k === 'rc') continue; // nested defaults are filled in; checked by re-encoding below
        assert.equal(back.value[k], v, `case ${i} field ${k}`);
      }
      assert.is(hex(encodeMessage(Everything, back.value)), a.hex, `case ${i}: re-encoding what we decoded`);
    });
  } finally {
    removeTree(dir);
  }
});

t.run();
