/**
 * The DER reader's rules, each on the smallest input that breaks it, and its primitive
 * decoders on values encoded by `openssl asn1parse -genstr` (a real encoder).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import {
  base64Decode, bitAt, contextTag, DER_MAX_DEPTH, decodePem, DerReader, enter, parseDer, readBitString, readBoolean,
  readIntegerBytes, readNull, readOid, readSmallInteger, readString, readTime, TAG, walkDer,
} from '../../runtime/src/identity/index.js';
import { withFiles } from '../support/identity-pki.js';

const t = suite('identity: DER reader');

function bytes(...b: number[]): Uint8Array {
  return Uint8Array.from(b);
}

function refused(r: { ok: boolean; error?: { message: string } }, text: string): void {
  assert.not.ok(r.ok, `expected a refusal mentioning ${text}`);
  assert.match((r as { error: { message: string } }).error.message, text);
}

/** DER made by openssl from its ASN1_generate_nconf syntax ("UTCTIME:200101000000Z"). */
function genstr(spec: string): Promise<Uint8Array> {
  return withFiles({}, async (dir) => {
    const r = await getHost().processes.run(['openssl', 'asn1parse', '-genstr', spec, '-out', `${dir}/x.der`, '-noout']);
    if (r.status !== 0) throw new Error(r.stderr);
    return getHost().files.readBytes(`${dir}/x.der`);
  });
}

t('lengths: short and long form; indefinite, non-minimal and overlong lengths are refused', () => {
  assert.ok(parseDer(bytes(0x04, 0x01, 0xaa), 'x').ok);
  const long = new Uint8Array(3 + 200);
  long.set([0x04, 0x81, 200]);
  const r = parseDer(long, 'x');
  assert.ok(r.ok && r.value.value.length === 200);
  refused(parseDer(bytes(0x30, 0x80, 0x00, 0x00), 'x'), 'indefinite length');
  refused(parseDer(bytes(0x04, 0x81, 0x05, 1, 2, 3, 4, 5), 'x'), 'shortest form');
  refused(parseDer(bytes(0x04, 0x82, 0x00, 0x90, ...new Array(0x90).fill(0)), 'x'), 'shortest form');
  refused(parseDer(bytes(0x04, 0x84, 1, 0, 0, 0), 'x'), 'exceeds');
  refused(parseDer(bytes(0x04, 0x05, 1, 2), 'x'), 'runs past the end');
  refused(parseDer(bytes(0x04, 0x82, 0x01), 'x'), 'truncated length');
  refused(parseDer(bytes(0x04), 'x'), 'truncated header');
  refused(parseDer(bytes(0x04, 0x00, 0x00), 'x'), 'trailing');
});

t('tags: only what X.509 uses, and DER primitive/constructed forms', () => {
  refused(parseDer(bytes(0x1f, 0x81, 0x00), 'x'), 'multi-byte tag');
  refused(parseDer(bytes(0x41, 0x00), 'x'), 'application class');
  refused(parseDer(bytes(0xc1, 0x00), 'x'), 'private class');
  refused(parseDer(bytes(0x24, 0x00), 'x'), 'constructed OCTET STRING is not DER');
  refused(parseDer(bytes(0x10, 0x00), 'x'), 'primitive SEQUENCE');
  refused(parseDer(bytes(0x0a, 0x01, 0x00), 'x'), 'universal tag 10'); // ENUMERATED
  refused(parseDer(bytes(0x00, 0x00), 'x'), 'universal tag 0');
  assert.ok(parseDer(bytes(0xa3, 0x00), 'x').ok);
  assert.ok(parseDer(bytes(0x86, 0x01, 0x61), 'x').ok);
  assert.is(contextTag(3, true), 0xa3);
});

t('nesting deeper than the bound is refused (walk and enter)', () => {
  const nest = (n: number) => {
    let d = new Uint8Array(0);
    for (let i = 0; i < n; i++) {
      const next = new Uint8Array(d.length + (d.length < 128 ? 2 : 3));
      if (d.length < 128) next.set([0x30, d.length]);
      else next.set([0x30, 0x81, d.length]);
      next.set(d, next.length - d.length);
      d = next;
    }
    return d;
  };
  const ok = walkDer(nest(DER_MAX_DEPTH));
  assert.ok(ok.ok && ok.value === DER_MAX_DEPTH);
  refused(walkDer(nest(DER_MAX_DEPTH + 1)), 'nesting deeper');
  // enter() refuses to go below the bound too.
  let r = new DerReader(nest(40), 0);
  let err = '';
  for (let i = 0; i < 40; i++) {
    const t1 = r.next('x');
    if (!t1.ok) {
      err = t1.error.message;
      break;
    }
    const inner = enter(t1.value, 'x');
    if (!inner.ok) {
      err = inner.error.message;
      break;
    }
    r = inner.value;
  }
  assert.match(err, 'nesting deeper');
});

t('INTEGER and BOOLEAN: minimal encodings only', async () => {
  const neg = await genstr('INTEGER:-129');
  const tlv = parseDer(neg, 'x');
  assert.ok(tlv.ok);
  if (tlv.ok) assert.equal([...(readIntegerBytes(tlv.value, 'x') as { value: Uint8Array }).value], [0xff, 0x7f]);
  const small = parseDer(await genstr('INTEGER:300'), 'x');
  assert.ok(small.ok && (readSmallInteger(small.value, 'x', 1000) as { value: number }).value === 300);
  if (small.ok) refused(readSmallInteger(small.value, 'x', 10), 'above 10');
  const one = (b: Uint8Array) => parseDer(b, 'x') as { ok: true; value: never };
  refused(readIntegerBytes(one(bytes(0x02, 0x02, 0x00, 0x7f)).value, 'x'), 'shortest form');
  refused(readIntegerBytes(one(bytes(0x02, 0x02, 0xff, 0x80)).value, 'x'), 'shortest form');
  refused(readIntegerBytes(one(bytes(0x02, 0x00)).value, 'x'), 'empty INTEGER');
  refused(readSmallInteger(one(bytes(0x02, 0x01, 0x80)).value, 'x', 10), 'negative');
  const yes = parseDer(await genstr('BOOLEAN:TRUE'), 'x');
  assert.ok(yes.ok && (readBoolean(yes.value, 'x') as { value: boolean }).value === true);
  refused(readBoolean(one(bytes(0x01, 0x01, 0x01)).value, 'x'), 'not DER');
  refused(readBoolean(one(bytes(0x01, 0x02, 0, 0)).value, 'x'), 'one byte');
  assert.ok(readNull(one(bytes(0x05, 0x00)).value, 'x').ok);
  refused(readNull(one(bytes(0x05, 0x01, 0x00)).value, 'x'), 'content bytes');
});

t('BIT STRING: unused bits counted and zero; named bits read MSB first', async () => {
  const ku = parseDer(await genstr('FORMAT:BITLIST,BITSTRING:0,5,6'), 'x');
  assert.ok(ku.ok);
  if (!ku.ok) return;
  const bits = readBitString(ku.value, 'x');
  assert.ok(bits.ok);
  if (!bits.ok) return;
  assert.equal([0, 1, 5, 6, 7, 8].map((n) => bitAt(bits.value, n)), [true, false, true, true, false, false]);
  const one = (b: Uint8Array) => parseDer(b, 'x') as { ok: true; value: never };
  refused(readBitString(one(bytes(0x03, 0x02, 0x08, 0x00)).value, 'x'), 'unused bits');
  refused(readBitString(one(bytes(0x03, 0x02, 0x01, 0x01)).value, 'x'), 'not zero');
  refused(readBitString(one(bytes(0x03, 0x00)).value, 'x'), 'unused-bits byte');
  refused(readBitString(one(bytes(0x03, 0x01, 0x03)).value, 'x'), 'empty BIT STRING');
});

t('OIDs to dotted text; malformed subidentifiers refused', async () => {
  for (const oid of ['1.2.840.10045.3.1.7', '2.5.29.37.0', '2.999.1', '0.9.2342.19200300.100.1.25', '1.3.6.1.4.1.311.21.7']) {
    const tlv = parseDer(await genstr(`OID:${oid}`), 'x');
    assert.ok(tlv.ok);
    if (tlv.ok) assert.is((readOid(tlv.value, 'x') as { value: string }).value, oid);
  }
  const one = (b: Uint8Array) => parseDer(b, 'x') as { ok: true; value: never };
  refused(readOid(one(bytes(0x06, 0x02, 0x2a, 0x86)).value, 'x'), 'ends inside');
  refused(readOid(one(bytes(0x06, 0x02, 0x80, 0x01)).value, 'x'), 'shortest form');
  refused(readOid(one(bytes(0x06, 0x00)).value, 'x'), 'empty OID');
  refused(readOid(one(bytes(0x06, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)).value, 'x'), 'too large');
});

t('times: UTCTime and GeneralizedTime in the strict RFC 5280 forms', async () => {
  const cases: [string, number][] = [
    ['UTCTIME:491231235959Z', Date.UTC(2049, 11, 31, 23, 59, 59)],
    ['UTCTIME:500101000000Z', Date.UTC(1950, 0, 1)],
    ['GENTIME:20500101120000Z', Date.UTC(2050, 0, 1, 12)],
    ['GENTIME:20240229000000Z', Date.UTC(2024, 1, 29)],
    ['GENTIME:99991231235959Z', Date.UTC(9999, 11, 31, 23, 59, 59)],
  ];
  for (const [spec, ms] of cases) {
    const tlv = parseDer(await genstr(spec), 'x');
    assert.ok(tlv.ok);
    if (tlv.ok) assert.is((readTime(tlv.value, 'x') as { value: number }).value, ms, spec);
  }
  const text = (tag: number, s: string) => {
    const b = new Uint8Array(2 + s.length);
    b.set([tag, s.length]);
    for (let i = 0; i < s.length; i++) b[2 + i] = s.charCodeAt(i);
    return (parseDer(b, 'x') as { ok: true; value: never }).value;
  };
  refused(readTime(text(TAG.UTC_TIME, '2001010000Z'), 'x'), '13 characters');
  refused(readTime(text(TAG.UTC_TIME, '200101000000+0100'), 'x'), '13 characters');
  refused(readTime(text(TAG.GENERALIZED_TIME, '20200101000000.5Z'), 'x'), '15 characters');
  refused(readTime(text(TAG.GENERALIZED_TIME, '20230229000000Z'), 'x'), 'no such date');
  refused(readTime(text(TAG.UTC_TIME, '201301000000Z'), 'x'), 'no such date');
  refused(readTime(text(TAG.UTC_TIME, '200101240000Z'), 'x'), 'no such date');
  refused(readTime(text(TAG.UTC_TIME, '2001010000a0Z'), 'x'), 'non-digit');
  refused(readTime(text(TAG.UTC_TIME, '200101000000X'), 'x'), 'end in Z');
});

t('strings: each type checked against its character set', async () => {
  const read = async (spec: string) => {
    const tlv = parseDer(await genstr(spec), 'x');
    if (!tlv.ok) throw new Error(tlv.error.message);
    return readString(tlv.value, 'x');
  };
  assert.equal(await read('FORMAT:UTF8,UTF8:grüße'), { ok: true, value: 'grüße' });
  assert.equal(await read('PRINTABLESTRING:Example Inc.'), { ok: true, value: 'Example Inc.' });
  assert.equal(await read('IA5STRING:a@b.c'), { ok: true, value: 'a@b.c' });
  assert.equal(await read('BMPSTRING:hi'), { ok: true, value: 'hi' });
  assert.equal(await read('UNIVERSALSTRING:ok'), { ok: true, value: 'ok' });
  // Invalid contents: raw bytes under each string type's tag (openssl refuses to encode them otherwise).
  const raw = (tag: number, hexBytes: string) => read(`IMPLICIT:${tag}U,FORMAT:HEX,OCTETSTRING:${hexBytes}`);
  refused(await raw(19, '4140'), 'outside its character set'); // "A@" is not printable
  refused(await raw(12, 'c0af'), 'outside its character set'); // overlong "/"
  refused(await raw(12, 'eda080'), 'outside its character set'); // a surrogate
  refused(await raw(12, 'e282'), 'outside its character set'); // truncated sequence
  refused(await raw(22, 'ff'), 'outside its character set');
  const odd = parseDer(bytes(0x1e, 0x03, 0x00, 0x61, 0x00), 'x'); // openssl will not even write this one
  assert.ok(odd.ok);
  if (odd.ok) refused(readString(odd.value, 'x'), 'outside its character set');
});

t('base64 and PEM: padding, alphabet and bounds', () => {
  const d = base64Decode('aGVs\nbG8=', 100);
  assert.ok(d.ok && String.fromCharCode(...d.value) === 'hello');
  refused(base64Decode('aGVsbG8', 100), 'missing padding');
  refused(base64Decode('aGVsbG8==', 100), 'wrong padding');
  refused(base64Decode('aGVsbA=', 100), 'wrong padding');
  refused(base64Decode('aGVsbG9=', 100), 'non-zero bits');
  refused(base64Decode('aGV*bG8=', 100), 'invalid character');
  refused(base64Decode('a', 100), 'truncated');
  refused(base64Decode('aGVsbG8=', 4), 'more than 4 bytes');
  refused(decodePem('-----BEGIN CERTIFICATE-----\nAAAA\n'), 'no END line');
  refused(decodePem('-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END CERTIFICATE-----'), 'headers');
  refused(decodePem('-----BEGIN X-----\n-----END X-----'), 'empty');
  refused(decodePem('-----BEGIN X-----\nAA==\n-----END X-----\n'.repeat(3), { maxBlocks: 2 }), 'more than 2');
  assert.equal(decodePem('nothing here'), { ok: true, value: [] });
});

t.run();
