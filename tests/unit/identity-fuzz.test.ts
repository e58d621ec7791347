/**
 * Fuzz: 50k (X0_FUZZ_CASES) mutated DER certificates (seeded from the openssl-made test PKI) through the
 * DER walker, the certificate reader, the per-certificate SVID checks and the ECDSA
 * signature and point decoders; mutated PEM text, SPIFFE bundle JSON and SPIFFE IDs
 * through their parsers. Nothing may throw: every call answers with a result value.
 * Deterministic (seeded PRNG).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  bundleFromSpiffeJson, CURVES, checkLeaf, checkSigning, decodeEcdsaSignature, decodePem, decodePoint, leafSpiffeId, parseCertificate, parseCertificates, parseSpiffeId, walkDer,
} from '../../runtime/src/identity/index.js';
import { getHost } from '../../runtime/src/host/index.js';
import { BLIND_MUTATIONS, blindMutation } from '../support/byte-mutations.js';
import { testPki } from '../support/identity-pki.js';
import { prng } from '../support/netlink-kernel-script.js';

const t = suite('identity fuzz');
// X0_FUZZ_CASES=N runs N (docs/performance.md records the 100 000-case runs).
const CASES = Number(getHost().getenv('X0_FUZZ_CASES') ?? 50_000);

/** Offsets of every TLV header in a DER tree (where length lies do the most damage). */
function headerOffsets(der: Uint8Array): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number) => {
    let at = start;
    while (at + 2 <= end) {
      out.push(at);
      const first = der[at + 1] as number;
      let len = first;
      let hl = 2;
      if (first >= 0x80) {
        const n = first & 0x7f;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + (der[at + 2 + i] as number);
        hl += n;
      }
      if ((der[at] as number) & 0x20) walk(at + hl, at + hl + len);
      at += hl + len;
    }
  };
  walk(0, der.length);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}

function mutate(rand: () => number, seeds: { der: Uint8Array; headers: number[] }[]): Uint8Array {
  const pick = (n: number) => Math.floor(rand() * n);
  const seed = seeds[pick(seeds.length)] as { der: Uint8Array; headers: number[] };
  let d: Uint8Array = seed.der.slice();
  const rounds = 1 + pick(3);
  for (let r = 0; r < rounds; r++) {
    const h = seed.headers[pick(seed.headers.length)] as number;
    const kind = pick(9);
    if (kind < BLIND_MUTATIONS) {
      d = blindMutation(d, pick, kind);
      continue;
    }
    switch (kind) {
      case 3: // lie in a length byte
        if (h + 1 < d.length) d[h + 1] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff, pick(256)][pick(8)] as number;
        break;
      case 4: // change a tag
        if (h < d.length) d[h] = [0x00, 0x1f, 0x24, 0x30, 0x31, 0x41, 0xa0, 0xa3, 0xc0, 0x10, pick(256)][pick(11)] as number;
        break;
      case 5: { // delete a range
        const at = pick(d.length + 1);
        d = concat(d.subarray(0, at), d.subarray(at + 1 + pick(8)));
        break;
      }
      case 6: { // insert junk
        const at = pick(d.length + 1);
        const junk = Uint8Array.from({ length: 1 + pick(6) }, () => pick(256));
        d = concat(d.subarray(0, at), junk, d.subarray(at));
        break;
      }
      case 7: { // splice with another certificate
        const other = (seeds[pick(seeds.length)] as { der: Uint8Array }).der;
        const cut = pick(d.length + 1);
        d = concat(d.subarray(0, cut), other.subarray(pick(other.length)));
        break;
      }
      default: { // duplicate a TLV in place
        const tl = d.subarray(h, h + 2 + pick(40));
        d = concat(d.subarray(0, h), tl, d.subarray(h));
      }
    }
  }
  return d;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = ((b[i] as number) << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    s += BASE64[n >> 18] as string;
    s += BASE64[(n >> 12) & 63] as string;
    s += i + 1 < b.length ? (BASE64[(n >> 6) & 63] as string) : '=';
    s += i + 2 < b.length ? (BASE64[n & 63] as string) : '=';
  }
  return s;
}

t(`${CASES} mutated certificates: the reader and the checks answer with results, never throw`, async () => {
  const pki = await testPki();
  const seeds = [...pki.issued.values()].map((i) => ({ der: i.der, headers: headerOffsets(i.der) }));
  const rand = prng(0x5eed1d);
  let parsed = 0;
  let refused = 0;
  for (let i = 0; i < CASES; i++) {
    const d = mutate(rand, seeds);
    let stage = 'walk';
    try {
      walkDer(d);
      stage = 'parse';
      const c = parseCertificate(d);
      // The concatenated-bundle reader runs the same code per certificate: a sample is enough.
      stage = 'parse-many';
      if (i % 16 === 0) parseCertificates(d);
      if (c.ok) {
        parsed++;
        stage = 'checks';
        leafSpiffeId(c.value);
        checkLeaf(c.value);
        checkSigning(c.value, 'ca', 0);
        stage = 'ecdsa-decode';
        decodeEcdsaSignature(c.value.signature);
        const curve = CURVES[c.value.publicKey.curve ?? ''];
        // Curve checks cost BigInt arithmetic on quickjs-ng: a sample of the keys.
        if (curve !== undefined && parsed % 8 === 0) decodePoint(curve, c.value.publicKey.key);
      } else {
        refused++;
        if (typeof c.error.message !== 'string' || c.error.message.length === 0) throw new Error('refusal without a message');
      }
    } catch (e) {
      throw new Error(`case ${i} (${stage}) threw: ${(e as Error).message}\n${toBase64(d)}`);
    }
  }
  // The mutator must exercise both sides: many refusals, and some mutants that still parse.
  assert.ok(refused > CASES / 2, `refused ${refused}`);
  assert.ok(parsed > 100, `parsed ${parsed}`);
});

t('mutated PEM text, SPIFFE bundles and SPIFFE IDs: results, never exceptions', async () => {
  const pki = await testPki();
  const rand = prng(0xbeef);
  const pick = (n: number) => Math.floor(rand() * n);
  const pems = [...pki.issued.values()].map((i) => `-----BEGIN CERTIFICATE-----\n${toBase64(i.der).replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`);
  const noise = '=-:\n ABCabc+/09%?#@[]./ü\u0000';
  for (let i = 0; i < 2000; i++) {
    let s = pems[pick(pems.length)] as string;
    for (let r = 0; r < 1 + pick(3); r++) {
      const at = pick(s.length);
      s = pick(2) ? s.slice(0, at) + (noise[pick(noise.length)] as string) + s.slice(at + pick(2)) : s.slice(0, at);
    }
    const r = decodePem(s);
    if (r.ok) for (const b of r.value) parseCertificate(b.der);
  }
  // SPIFFE bundle documents with mutated JSON and mutated x5c values.
  const jsons = [...pki.issued.values()].slice(0, 4).map((i) => JSON.stringify({ spiffe_sequence: 1, keys: [{ kty: 'EC', use: 'x509-svid', x5c: [toBase64(i.der)] }] }));
  for (let i = 0; i < 2000; i++) {
    let s = jsons[pick(jsons.length)] as string;
    for (let r = 0; r < 1 + pick(3); r++) {
      const at = pick(s.length);
      s = s.slice(0, at) + (noise[pick(noise.length)] as string) + s.slice(at + pick(2));
    }
    const r = bundleFromSpiffeJson('example.org', s);
    assert.type(r.ok, 'boolean');
  }
  const ids = ['spiffe://example.org/agent/node1', 'spiffe://td', 'spiffe://a.b-c_d/x/y.z'];
  for (let i = 0; i < 10_000; i++) {
    let s = ids[pick(ids.length)] as string;
    const at = pick(s.length + 1);
    s = s.slice(0, at) + (noise[pick(noise.length)] as string).repeat(pick(3)) + s.slice(at + pick(3));
    const r = parseSpiffeId(s);
    assert.type(r.ok, 'boolean');
  }
});

t.run();
