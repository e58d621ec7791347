import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BlobWriter, parseBlobList, parseRootBlob } from '../../runtime/src/ubus/blob.js';
import {
  BLOBMSG_TYPE_BOOL, BLOBMSG_TYPE_INT8, BLOBMSG_TYPE_INT16, BLOBMSG_TYPE_INT32, BLOBMSG_TYPE_INT64, BLOBMSG_TYPE_STRING, decodeBlobmsgJson, decodeBlobmsgTable,
  jsonText, nodesToObject, putJsonFields,
} from '../../runtime/src/ubus/blobmsg.js';
import { decodeMessage, UBUS_MSG_INVOKE, UbusFramer } from '../../runtime/src/ubus/message.js';
import { addObjectMessage, invokeMessage, replyDataMessage, replyStatusMessage } from '../../runtime/src/ubus/requests.js';
import { bytesToHex, concat, hexToBytes } from '../support/ubus-transcript.js';

const t = suite('ubus: blob/blobmsg codec and messages');

const hex = (s: string) => hexToBytes(s.replace(/[\s|]/g, ''));

/** A root blob (id 0) around a blobmsg list, as blob_buf_init + blobmsg_add_* make it. */
function rootOf(obj: Parameters<typeof putJsonFields>[1]): Uint8Array {
  const w = new BlobWriter();
  const r = w.start(0);
  putJsonFields(w, obj);
  w.end(r);
  return w.bytes();
}

// openwrt.md §1.4, produced with libubox blob.c + blobmsg.c.
const EXAMPLE1 = hex(`00 00 00 4c
  83 00 00 11 00 04 6e 61 6d 65 00 00 65 74 68 30 00 00 00 00
  87 00 00 0d 00 02 75 70 00 00 00 00 01 00 00 00
  85 00 00 0c 00 01 6e 00 00 00 00 01
  81 00 00 18 00 04 6c 69 73 74 00 00 85 00 00 0c 00 00 00 00 00 00 00 07`);

t('JSON → blobmsg equals libubox bytes (string, bool, int32, array)', () => {
  assert.is(bytesToHex(rootOf({ name: 'eth0', up: true, n: 1, list: [7] })), bytesToHex(EXAMPLE1));
});

t('double, int64 and null as libubox encodes them', () => {
  const want = hex(`00 00 00 34
    88 00 00 10 00 01 64 00 3f f8 00 00 00 00 00 00
    84 00 00 14 00 03 62 69 67 00 00 00 00 00 01 00 00 00 00 00
    80 00 00 0c 00 03 6e 75 6c 00 00 00`);
  assert.is(bytesToHex(rootOf({ d: 1.5, big: 2 ** 40, nul: null })), bytesToHex(want));
});

t('blobmsg → JSON: INT8 is a boolean, UNSPEC null, int64 a number (bigint beyond 2^53)', () => {
  const root = parseRootBlob(EXAMPLE1);
  assert.ok(root.ok);
  if (!root.ok) return;
  const j = decodeBlobmsgJson(root.value.data);
  assert.equal(j, { ok: true, value: { name: 'eth0', up: true, n: 1, list: [7] } });
  const big = rootOf({ h: 2n ** 60n, neg: -(2n ** 62n), small: 5n });
  const r2 = parseRootBlob(big);
  assert.ok(r2.ok);
  if (!r2.ok) return;
  const j2 = decodeBlobmsgJson(r2.value.data);
  assert.ok(j2.ok);
  if (!j2.ok) return;
  assert.is(j2.value.h, 2n ** 60n);
  assert.is(j2.value.neg, -(2n ** 62n));
  assert.is(j2.value.small, 5);
  assert.is(jsonText(j2.value), `{"h":${2n ** 60n},"neg":${-(2n ** 62n)},"small":5}`);
});

t('typed nodes keep every integer width (int8/16/32/64)', () => {
  const w = new BlobWriter();
  const bytes = hex(`87 00 00 09 00 01 61 00 ff 00 00 00
    86 00 00 0a 00 01 62 00 ff fe 00 00
    85 00 00 0c 00 01 63 00 ff ff ff fd
    84 00 00 10 00 01 64 00 ff ff ff ff ff ff ff fc`);
  w.putBytes(bytes);
  const nodes = decodeBlobmsgTable(w.bytes());
  assert.ok(nodes.ok);
  if (!nodes.ok) return;
  assert.equal(nodes.value.map((n) => [n.type, n.name, n.value]), [
    [BLOBMSG_TYPE_INT8, 'a', -1], [BLOBMSG_TYPE_INT16, 'b', -2], [BLOBMSG_TYPE_INT32, 'c', -3], [BLOBMSG_TYPE_INT64, 'd', -4],
  ]);
});

t('ADD_OBJECT with a signature equals libubox bytes (§1.8)', () => {
  const want = hex(`00 00 00 4c 02 00 00 09 64 65 6d 6f 00 00 00 00
    06 00 00 3c 82 00 00 10 00 06 73 74 61 74 75 73 00 00 00 00
    82 00 00 28 00 03 73 65 74 00 00 00
    85 00 00 10 00 04 6e 61 6d 65 00 00 00 00 00 03
    85 00 00 0c 00 01 6e 00 00 00 00 05`);
  const msg = addObjectMessage(1, 'demo', { status: {}, set: { name: BLOBMSG_TYPE_STRING, n: BLOBMSG_TYPE_INT32 } });
  assert.is(bytesToHex(msg.subarray(8)), bytesToHex(want));
  assert.is(bytesToHex(msg.subarray(0, 8)), '0006000100000000');
});

t('INVOKE and the owner replies equal the §1.9 bytes', () => {
  const inv = invokeMessage(1, 0x12345678, 'status', { name: 'eth0', up: true, n: 1, list: [7] });
  assert.is(bytesToHex(inv.subarray(0, 24)), '00050001123456780000006403000008123456780400000b');
  assert.is(inv.length, 8 + 100);
  assert.is(bytesToHex(inv.subarray(32, 36)), '0700004c');
  assert.is(bytesToHex(inv.subarray(36)), bytesToHex(EXAMPLE1.subarray(4)));
  const data = replyDataMessage(1, 7, 0x12345678, { ok: true });
  assert.is(bytesToHex(data.subarray(8)), '000000200300000812345678070000148700000d00026f6b0000000001000000');
  const status = replyStatusMessage(1, 7, 0x12345678, 0);
  assert.is(bytesToHex(status.subarray(8)), '0000001401000008000000000300000812345678');
  const d = decodeMessage(inv);
  assert.ok(d.ok);
  if (!d.ok) return;
  assert.is(d.value.type, UBUS_MSG_INVOKE);
  assert.is(d.value.peer, 0x12345678);
  assert.is(d.value.attrs.method, 'status');
  assert.is(d.value.attrs.objid, 0x12345678);
});

t('framer: one message split into single bytes, and several in one chunk', () => {
  const a = replyStatusMessage(3, 9, 1, 0);
  const b = invokeMessage(4, 0xdeadbeef, 'x', { k: 'v' });
  const f = new UbusFramer();
  const out: Uint8Array[] = [];
  for (const byte of concat([a, b])) {
    const r = f.push(Uint8Array.of(byte));
    assert.ok(r.ok);
    if (r.ok) out.push(...r.messages);
  }
  assert.equal(out.map(bytesToHex), [bytesToHex(a), bytesToHex(b)]);
  const r = new UbusFramer().push(concat([a, b, a]));
  assert.ok(r.ok && r.messages.length === 3);
});

t('framer: a length beyond 1 MiB or below 4, or version ≠ 0, is fatal and sticky', () => {
  assert.not.ok(new UbusFramer().push(hex('00 01 00 01 00 00 00 00 00 ff ff ff')).ok);
  assert.not.ok(new UbusFramer().push(hex('00 01 00 01 00 00 00 00 00 00 00 02')).ok);
  const f = new UbusFramer(64);
  assert.not.ok(f.push(hex('00 01 00 01 00 00 00 00 00 00 00 48')).ok);
  assert.not.ok(f.push(replyStatusMessage(1, 1, 1, 0)).ok);
  assert.not.ok(new UbusFramer().push(hex('01 01 00 01 00 00 00 00 00 00 00 04')).ok);
});

t('decoders reject malformed bytes with error values', () => {
  // attribute length runs past its container
  assert.not.ok(parseBlobList(hex('83 00 00 20 00 01 61 00')).ok);
  // string without NUL
  assert.not.ok(decodeBlobmsgTable(hex('83 00 00 0c 00 01 61 00 62 62 62 62')).ok);
  // int32 with 2 bytes
  assert.not.ok(decodeBlobmsgTable(hex('85 00 00 0a 00 01 61 00 00 01 00 00')).ok);
  // table member without a name
  assert.not.ok(decodeBlobmsgTable(hex('85 00 00 0c 00 00 00 00 00 00 00 01')).ok);
  // name length beyond the element
  assert.not.ok(decodeBlobmsgTable(hex('85 00 00 0c 00 40 61 00 00 00 00 01')).ok);
  // unknown type 9
  assert.not.ok(decodeBlobmsgTable(hex('89 00 00 08 00 01 61 00')).ok);
  // not extended
  assert.not.ok(decodeBlobmsgTable(hex('05 00 00 08 00 00 00 01')).ok);
  // STATUS attribute with 2 bytes
  assert.not.ok(decodeMessage(hex('00 01 00 01 00 00 00 00 00 00 00 0c 01 00 00 06 00 00 00 00')).ok);
  // short message
  assert.not.ok(decodeMessage(hex('00 01 00')).ok);
});

t('nesting deeper than the limit is refused (no recursion blow-up)', () => {
  // 40 nested arrays
  let inner = hex('80 00 00 08 00 00 00 00');
  for (let i = 0; i < 40; i++) {
    const len = 8 + inner.length;
    inner = concat([Uint8Array.of(0x81, 0, (len >> 8) & 255, len & 255, 0, 1, 0x61, 0), inner]);
  }
  const r = decodeBlobmsgTable(inner);
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.error.kind, 'limit');
  let deep: unknown = 1;
  for (let i = 0; i < 40; i++) deep = [deep];
  assert.throws(() => rootOf({ deep: deep as number }));
});

t("messages far past the writer's first 256 bytes: an ADD_OBJECT with a 10-method signature, a 4 KiB reply", () => {
  // The writer grows its buffer while writing; every write must land in the grown one.
  const signature: Record<string, Record<string, number>> = {};
  for (const m of ['status', 'neighbors', 'originators', 'gateways', 'incidents', 'actions', 'heal', 'mode', 'config', 'mesh']) {
    signature[m] = { since: BLOBMSG_TYPE_INT64, limit: BLOBMSG_TYPE_INT32, open: BLOBMSG_TYPE_BOOL, incident: BLOBMSG_TYPE_STRING, dry_run: BLOBMSG_TYPE_BOOL };
  }
  const add = addObjectMessage(7, 'x0tta6bl4', signature);
  assert.ok(add.length > 600, `${add.length} bytes`);
  const decoded = decodeMessage(add);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
  const sig = decodeBlobmsgTable(decoded.value.attrs.signature as Uint8Array);
  assert.ok(sig.ok);
  assert.equal(
    sig.value.map((x) => x.name),
    Object.keys(signature),
  );
  const big = { text: 'x'.repeat(3000), list: Array.from({ length: 200 }, (_, i) => i * 1000), nested: { deep: { value: 'ü'.repeat(100) } } };
  const reply = replyDataMessage(9, 0x42, 77, big);
  const r = decodeMessage(reply);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const data = decodeBlobmsgTable(r.value.attrs.data as Uint8Array);
  assert.ok(data.ok);
  assert.equal(nodesToObject(data.value), big);
});

t('UTF-8 names and values survive a round trip', () => {
  const r = parseRootBlob(rootOf({ naïve: 'Grüße, 🛰' }));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(decodeBlobmsgJson(r.value.data), { ok: true, value: { naïve: 'Grüße, 🛰' } });
});

t.run();
