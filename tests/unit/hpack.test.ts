/**
 * HPACK against RFC 7541 Appendix C (every example, decoded in sequence with the table
 * sizes the RFC lists) and against the public hpack-test-case stories
 * (github.com/http2jp/hpack-test-case, MIT; a few stories of several encoders kept
 * under tests/data/hpack-test-case/); our encoder against our decoder; the decoder's
 * bounds and refusals.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CODE_LENGTHS, CODES, decodeInteger, encodeInteger, type Header, HpackDecoder, HpackEncoder, huffmanDecode, huffmanEncode,
} from '../../runtime/src/hpack/index.js';
import { getHost } from '../../runtime/src/host/index.js';
import { utf8Encode } from '../../runtime/src/netlink/bytes.js';

const t = suite('hpack');
const unhex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g) ?? [], (h) => parseInt(h, 16));
const hex = (b: Uint8Array | number[]) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function decodeAll(d: HpackDecoder, block: string): Header[] {
  const r = d.decode(unhex(block));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const REQ1: Header[] = [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']];
const REQ2: Header[] = [...REQ1, ['cache-control', 'no-cache']];
const REQ3: Header[] = [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']];

t('integers: RFC 7541 C.1 (10 in 5 bits, 1337 in 5 bits, 42 in 8 bits)', () => {
  const out: number[] = [];
  encodeInteger(out, 10, 5, 0);
  encodeInteger(out, 1337, 5, 0);
  encodeInteger(out, 42, 8, 0);
  assert.is(hex(out), '0a1f9a0a2a');
  assert.equal(decodeInteger(Uint8Array.from(out), 1, 5), [1337, 4]);
  assert.is(typeof decodeInteger(unhex('1fffffffff7f'), 0, 5), 'string', 'an integer above the bound is refused');
  assert.is(typeof decodeInteger(unhex('1f9a'), 0, 5), 'string', 'a truncated integer is refused');
});

t('C.2: the four field representations, one at a time', () => {
  const d = new HpackDecoder();
  assert.equal(decodeAll(d, '400a637573746f6d2d6b65790d637573746f6d2d686561646572'), [['custom-key', 'custom-header']]);
  assert.is(d.tableSize, 55);
  assert.equal(decodeAll(new HpackDecoder(), '040c2f73616d706c652f70617468'), [[':path', '/sample/path']]);
  const never = new HpackDecoder();
  assert.equal(decodeAll(never, '100870617373776f726406736563726574'), [['password', 'secret']]);
  assert.is(never.tableSize, 0, 'never-indexed literals stay out of the table');
  assert.equal(decodeAll(new HpackDecoder(), '82'), [[':method', 'GET']]);
});

t('C.3 and C.4: three requests sharing a table, without and with Huffman', () => {
  for (const blocks of [
    ['828684410f7777772e6578616d706c652e636f6d', '828684be58086e6f2d6361636865', '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565'],
    ['828684418cf1e3c2e5f23a6ba0ab90f4ff', '828684be5886a8eb10649cbf', '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf'],
  ]) {
    const d = new HpackDecoder();
    assert.equal(decodeAll(d, blocks[0] as string), REQ1);
    assert.is(d.tableSize, 57);
    assert.equal(decodeAll(d, blocks[1] as string), REQ2);
    assert.is(d.tableSize, 110);
    assert.equal(decodeAll(d, blocks[2] as string), REQ3);
    assert.is(d.tableSize, 164);
  }
  // Our encoder makes the same choices as the RFC's C.4 (index, else literal with indexing, Huffman).
  const e = new HpackEncoder();
  assert.is(hex(e.encode(REQ1)), '828684418cf1e3c2e5f23a6ba0ab90f4ff');
  assert.is(hex(e.encode(REQ2)), '828684be5886a8eb10649cbf');
  assert.is(hex(e.encode(REQ3)), '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf');
});

t('C.5 and C.6: three responses in a 256-octet table, with eviction', () => {
  const RESP1: Header[] = [[':status', '302'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['location', 'https://www.example.com']];
  const RESP2: Header[] = [[':status', '307'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['location', 'https://www.example.com']];
  const RESP3: Header[] = [
    [':status', '200'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'], ['location', 'https://www.example.com'],
    ['content-encoding', 'gzip'], ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
  ];
  for (const blocks of [
    [
      '4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d',
      '4803333037c1c0bf',
      '88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31',
    ],
    [
      '488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3',
      '4883640effc1c0bf',
      '88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007',
    ],
  ]) {
    const d = new HpackDecoder({ maxTableSize: 256 });
    assert.equal(decodeAll(d, blocks[0] as string), RESP1);
    assert.is(d.tableSize, 222);
    assert.equal(decodeAll(d, blocks[1] as string), RESP2);
    assert.is(d.tableSize, 222);
    assert.equal(decodeAll(d, blocks[2] as string), RESP3);
    assert.is(d.tableSize, 215);
  }
});

interface Story {
  cases: { seqno: number; header_table_size?: number | null; wire: string; headers: Record<string, string>[] }[];
}

/** JSON text to the byte strings HPACK carries (UTF-8 octets as latin1 characters). */
function octets(s: string): string {
  return String.fromCharCode(...utf8Encode(s));
}

const STORIES = 'tests/data/hpack-test-case';

function stories(): [string, Story][] {
  const files = getHost().files;
  const out: [string, Story][] = [];
  for (const impl of files.readdir(STORIES).sort()) {
    if (!files.stat(`${STORIES}/${impl}`)?.isDirectory) continue;
    for (const f of files.readdir(`${STORIES}/${impl}`).sort()) out.push([`${impl}/${f}`, JSON.parse(files.readText(`${STORIES}/${impl}/${f}`)) as Story]);
  }
  return out;
}

t('hpack-test-case: every story of every encoder decodes to its header lists', () => {
  const all = stories();
  assert.ok(all.length >= 8, 'the stories are there');
  let blocks = 0;
  for (const [name, story] of all) {
    const d = new HpackDecoder();
    for (const c of story.cases) {
      if (typeof c.header_table_size === 'number') d.setMaxTableSize(c.header_table_size); // some stories say null
      const r = d.decode(unhex(c.wire));
      assert.ok(r.ok, `${name} #${c.seqno}: ${r.ok ? '' : r.error.message}`);
      if (!r.ok) return;
      const expected = c.headers.map((h) => Object.entries(h)[0] as [string, string]).map(([n, v]) => [octets(n), octets(v)]);
      assert.equal(r.value, expected, `${name} #${c.seqno}`);
      blocks++;
    }
  }
  assert.ok(blocks >= 70, `${blocks} blocks`);
});

t('our encoder: its blocks decode to the same lists, and the table pays off', () => {
  for (const [name, story] of stories()) {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    let plain = 0;
    let coded = 0;
    for (const c of story.cases) {
      const headers = c.headers.map((h) => Object.entries(h)[0] as [string, string]).map(([n, v]) => [octets(n), octets(v)] as Header);
      const block = e.encode(headers);
      const r = d.decode(block);
      assert.ok(r.ok, name);
      if (r.ok) assert.equal(r.value, headers, name);
      plain += headers.reduce((n, [a, b]) => n + a.length + b.length, 0);
      coded += block.length;
    }
    assert.ok(coded < plain * 0.7, `${name}: ${coded} coded bytes for ${plain} plain`);
  }
});

t('Huffman: the canonical code, every byte round-trips, bad padding and EOS are refused', () => {
  assert.is(CODE_LENGTHS.length, 257);
  assert.equal([CODES[48], CODE_LENGTHS[48]], [0x0, 5], "'0' is 00000");
  assert.equal([CODES[256], CODE_LENGTHS[256]], [0x3fffffff, 30], 'EOS is 30 ones');
  assert.equal([CODES[0], CODE_LENGTHS[0]], [0x1ff8, 13]);
  const all = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
  const out: number[] = [];
  huffmanEncode(out, all);
  assert.is(huffmanDecode(Uint8Array.from(out), 0, out.length), all);
  assert.equal(huffmanDecode(unhex('ffffffff'), 0, 4), { error: 'Huffman string contains EOS' });
  assert.equal(huffmanDecode(unhex('00'), 0, 1), { error: 'Huffman padding is longer than 7 bits or not all ones' }, "'0' then 000 padding");
  assert.equal(huffmanDecode(unhex('1fff'), 0, 2), { error: 'Huffman padding is longer than 7 bits or not all ones' }, "'0' then 11 bits of ones");
});

t('refusals: bad indexes, late or oversized table updates, truncation, list size', () => {
  const bad = (block: string, expected: string, d = new HpackDecoder()) => {
    const r = d.decode(unhex(block));
    assert.not.ok(r.ok, block);
    if (!r.ok) assert.ok(r.error.message.includes(expected), `${block}: ${r.error.message}`);
  };
  bad('80', 'index 0');
  bad('be', 'index 62 is not in the table');
  bad('823f', 'after a header field'); // size update after a field
  bad('3fe21f', 'exceeds 4096'); // a size update to 4097, above our setting
  bad('400a637573', 'runs past the end');
  bad('4f', 'runs past the end');
  const small = new HpackDecoder({ maxHeaderListSize: 100 });
  // three fields of 5 + 5 + 32 octets: the third crosses 100
  bad('000561616161610561616161610005616161616105616161616100056161616161056161616161', 'larger than 100', small);
  bad(`0005${'61'.repeat(5)}7f1c${'61'.repeat(155)}`, 'longer than 100', small);
  // A size update to 0 empties the table; the old entries are gone.
  const d = new HpackDecoder();
  decodeAll(d, '400a637573746f6d2d6b65790d637573746f6d2d686561646572');
  assert.equal(decodeAll(d, '20'), []);
  assert.is(d.tableSize, 0);
  bad('be', 'not in the table', d);
});

t.run();
