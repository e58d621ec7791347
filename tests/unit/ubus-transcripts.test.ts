/**
 * Real ubusd transcripts (../shared/fixtures/ubus, recorded with openwrt/ubus 3cc98db1 and
 * libubox 1aa36ee7): our decoder reads every message of both directions, and our client
 * and object, driven by ubusd's recorded bytes over a real unix socket, send exactly the
 * bytes libubus sent.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BLOBMSG_TYPE_INT32, BLOBMSG_TYPE_STRING, decodeBlobmsgTable, type JsonObject, nodesToObject } from '../../runtime/src/ubus/blobmsg.js';
import { UbusConnection, type UbusMethodTable } from '../../runtime/src/ubus/connection.js';
import { decodeMessage, UBUS_MSG_INVOKE, UBUS_STATUS_METHOD_NOT_FOUND, UBUS_STATUS_NOT_FOUND } from '../../runtime/src/ubus/message.js';
import { loadTranscript, messagesOf, replayUbusd, type Transcript } from '../support/ubus-transcript.js';
import { removeTree, tempDir } from '../support/tmp.js';

const t = suite('ubus: real ubusd transcripts');

const ALL = ['call-count', 'call-hello', 'call-nomethod', 'call-noobject', 'list-v', 'listen', 'object-server', 'send-event'];

t('every message of every transcript decodes, in both directions, DATA payloads included', () => {
  let count = 0;
  for (const name of ALL) {
    const tr = loadTranscript(name);
    for (const dir of ['from_ubusd', 'to_ubusd'] as const) {
      for (const bytes of messagesOf(tr, dir)) {
        const m = decodeMessage(bytes);
        assert.ok(m.ok, `${name} ${dir}: ${m.ok ? '' : m.error.message}`);
        if (!m.ok) continue;
        for (const payload of [m.value.attrs.data, m.value.attrs.signature]) {
          if (!payload) continue;
          const d = decodeBlobmsgTable(payload);
          assert.ok(d.ok, `${name} ${dir} payload: ${d.ok ? '' : d.error.message}`);
        }
        count++;
      }
    }
  }
  assert.ok(count >= 40, `only ${count} messages`);
});

/** Connect our client to a replayed ubusd; run `body`; the replay must end with equal bytes. */
async function withReplay(name: string, body: (conn: UbusConnection, tr: Transcript) => Promise<void>): Promise<void> {
  const tr = loadTranscript(name);
  const dir = tempDir(`ubus-${name}`);
  const replay = await replayUbusd(tr, `${dir}/ubus.sock`);
  try {
    const conn = await UbusConnection.connect(replay.path);
    assert.ok(conn.ok, conn.ok ? '' : conn.error.message);
    if (!conn.ok) return;
    await body(conn.value, tr);
    const verdict = await replay.done;
    assert.is(verdict, null, `${name}: ${verdict}`);
    conn.value.close();
  } finally {
    replay.close();
    removeTree(dir);
  }
}

t('ubus call test count {"to":3,"string":"x"}: same bytes, reply {"rc":72}', async () => {
  await withReplay('call-count', async (conn, tr) => {
    const r = await conn.call('test', 'count', { to: 3, string: 'x' });
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.value, [JSON.parse(tr.cliOutput ?? '')]);
  });
});

t('ubus call test hello {"id":7,"msg":"ping"}: same bytes, reply message', async () => {
  await withReplay('call-hello', async (conn, tr) => {
    const r = await conn.call('test', 'hello', { id: 7, msg: 'ping' });
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.value, [JSON.parse(tr.cliOutput ?? '')]);
  });
});

t('ubus call test nosuch {}: same bytes, Method not found', async () => {
  await withReplay('call-nomethod', async (conn) => {
    const r = await conn.call('test', 'nosuch', {});
    assert.not.ok(r.ok);
    if (!r.ok) assert.equal([r.error.kind, r.error.status], ['status', UBUS_STATUS_METHOD_NOT_FOUND]);
  });
});

t('ubus call nosuchobj x {}: same bytes, Not found', async () => {
  await withReplay('call-noobject', async (conn) => {
    const r = await conn.call('nosuchobj', 'x', {});
    assert.not.ok(r.ok);
    if (!r.ok) assert.equal([r.error.kind, r.error.status], ['status', UBUS_STATUS_NOT_FOUND]);
  });
});

t('ubus list -v: same bytes, the signature the CLI printed', async () => {
  await withReplay('list-v', async (conn, tr) => {
    const r = await conn.lookup();
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.is(r.value.length, 1);
    const o = r.value[0]!;
    assert.is(o.path, 'test');
    assert.ok(tr.cliOutput?.startsWith(`'test' @${o.id.toString(16).padStart(8, '0')}\n`));
    assert.equal(o.signature, {
      hello: { id: BLOBMSG_TYPE_INT32, msg: BLOBMSG_TYPE_STRING },
      watch: { id: BLOBMSG_TYPE_INT32, counter: BLOBMSG_TYPE_INT32 },
      count: { to: BLOBMSG_TYPE_INT32, string: BLOBMSG_TYPE_STRING },
    });
  });
});

const EVENT = { a: 1, b: 'two', c: true, d: [1, 2], e: { f: 1.5 }, g: -7, h: 1099511627776 };

t('ubus send x0.test {...}: same bytes (int32, string, bool, array, table, double, negative, int64)', async () => {
  await withReplay('send-event', async (conn) => {
    const r = await conn.sendEvent('x0.test', EVENT);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
  });
});

t('ubus listen x0.test: same bytes (anonymous object, register, STATUS for the event), event decoded', async () => {
  await withReplay('listen', async (conn) => {
    const events: [string, JsonObject][] = [];
    const r = await conn.listen('x0.test', (id, data) => events.push([id, data]));
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const until = Date.now() + 3000;
    while (events.length === 0 && Date.now() < until) await new Promise((res) => setTimeout(res, 5));
    assert.equal(events, [['x0.test', EVENT]]);
  });
});

t('object owner: ADD_OBJECT test + anonymous object, INVOKEs answered byte for byte', async () => {
  const seen: string[] = [];
  const methods: UbusMethodTable = {
    hello: {
      signature: { id: BLOBMSG_TYPE_INT32, msg: BLOBMSG_TYPE_STRING },
      handler: (args, inv) => {
        seen.push(`hello ${JSON.stringify(nodesToObject(args))} ${inv.user}/${inv.group}`);
        return { status: 0, data: { message: `test received a message: ${nodesToObject(args).msg}` } };
      },
    },
    watch: { signature: { id: BLOBMSG_TYPE_INT32, counter: BLOBMSG_TYPE_INT32 }, handler: () => ({ status: 0 }) },
    count: {
      signature: { to: BLOBMSG_TYPE_INT32, string: BLOBMSG_TYPE_STRING },
      handler: (args) => {
        seen.push(`count ${JSON.stringify(nodesToObject(args))}`);
        return { status: 0, data: { rc: 72 } };
      },
    },
  };
  await withReplay('object-server', async (conn, tr) => {
    const id = await conn.addObject('test', methods);
    assert.ok(id.ok, id.ok ? '' : id.error.message);
    const anon = await conn.addObject(null, {});
    assert.ok(anon.ok, anon.ok ? '' : anon.error.message);
    const invokes = messagesOf(tr, 'from_ubusd').map(decodeMessage).filter((m) => m.ok && m.value.type === UBUS_MSG_INVOKE);
    assert.is(invokes.length, 3);
    if (id.ok) assert.is(id.value, invokes[0]?.ok ? invokes[0].value.attrs.objid : -1);
  });
  assert.equal(seen, ['count {"to":3,"string":"x"}', 'hello {"id":7,"msg":"ping"} root/root']);
});

t.run();
