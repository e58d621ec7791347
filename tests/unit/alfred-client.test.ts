import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AlfredClient } from '../../runtime/src/alfred/client.js';
import { formatMeshStatus, readMeshSummaries } from '../../runtime/src/alfred/mesh-status.js';
import { decodePushBody, encodeEventRegister, encodePush, encodeRequest, FrameReader } from '../../runtime/src/alfred/packets.js';
import { decodeSummary, encodeSummary, type NodeSummary } from '../../runtime/src/alfred/summary.js';
import { getHost, type StreamSocket } from '../../runtime/src/host/index.js';
import { removeTree, tempDir, waitFor } from '../support/tmp.js';

const t = suite('alfred: packets, summary, client');

const summary: NodeSummary = {
  v: 1, name: 'node3', agent: '0.1.0', batman: '2022.3', algo: 'BATMAN_IV', mode: 'auto', health: 'degraded',
  open: 2, kinds: ['route-flapping', 'neighbor-lost'], neighbors: 3, originators: 9, gw: 'server', actions: 1, t: 1_700_000_000,
};

t('push, request and event-register packets have alfred 2023.0 layouts', () => {
  const push = encodePush(200, 1, new Uint8Array([0xaa, 0xbb, 0xcc]), 0x1234);
  assert.equal([...push], [0, 0, 0, 17, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 200, 1, 0, 3, 0xaa, 0xbb, 0xcc]);
  assert.equal([...encodeRequest(200, 0xbeef)], [2, 0, 0, 3, 200, 0xbe, 0xef]);
  assert.equal([...encodeEventRegister()], [9, 0, 0, 0]);
  assert.throws(() => encodePush(256, 0, new Uint8Array(1), 1));
  assert.throws(() => encodePush(64, 0, new Uint8Array(70_000), 1));
});

t('frames are reassembled across chunk boundaries; truncated data blocks are errors', () => {
  const a = encodePush(65, 0, new Uint8Array([1, 2, 3, 4, 5]), 1);
  const b = encodePush(65, 0, new Uint8Array([9]), 2);
  const stream = new Uint8Array([...a, ...b]);
  const r = new FrameReader();
  const frames = [];
  for (let i = 0; i < stream.length; i += 3) {
    const f = r.push(stream.subarray(i, i + 3));
    assert.ok(f.ok);
    if (f.ok) frames.push(...f.value);
  }
  assert.is(frames.length, 2);
  assert.is(r.pending, 0);
  const sets = decodePushBody(frames[0]!.body);
  assert.ok(sets.ok);
  if (sets.ok) assert.equal([...sets.value[0]!.data], [1, 2, 3, 4, 5]);
  const bad = frames[0]!.body.slice(0, frames[0]!.body.length - 2);
  const d = decodePushBody(bad);
  assert.is(d.ok, false);
  const short = decodePushBody(new Uint8Array([0, 1]));
  assert.is(short.ok, false);
});

t('the node summary round-trips through msgpack, is small, and bad input is an error', () => {
  const bytes = encodeSummary(summary);
  assert.ok(bytes.ok);
  if (!bytes.ok) return;
  assert.ok(bytes.value.length < 200, `${bytes.value.length} bytes`);
  const back = decodeSummary(bytes.value);
  assert.ok(back.ok);
  if (back.ok) assert.equal(back.value, summary);
  assert.is(decodeSummary(new Uint8Array([0xc1])).ok, false);
  const wrong = encodeSummary({ ...summary, v: 2 });
  assert.ok(wrong.ok);
  if (wrong.ok) assert.is(decodeSummary(wrong.value).ok, false);
  for (let i = 1; i < bytes.value.length; i++) decodeSummary(bytes.value.subarray(0, i));
});

t('the summary carries what the node hears (48 neighbours at most) and its ms clock; a malformed heard list is an error', () => {
  const heard: [string, number][] = Array.from({ length: 48 }, (_, i) => [`0200000001${i.toString(16).padStart(2, '0')}`, i * 100]);
  const full = { ...summary, ms: 1_700_000_000_123, heard };
  const bytes = encodeSummary(full);
  assert.ok(bytes.ok, bytes.ok ? '' : bytes.error);
  if (!bytes.ok) return;
  assert.ok(bytes.value.length < 1024, `${bytes.value.length} bytes with 48 heard neighbours`);
  const back = decodeSummary(bytes.value);
  assert.ok(back.ok);
  if (back.ok) assert.equal(back.value, full);
  // An older agent's summary (no heard list, no ms) still reads.
  const old = decodeSummary((encodeSummary(summary) as { ok: true; value: Uint8Array }).value);
  assert.ok(old.ok && old.value.heard === undefined && old.value.ms === undefined);
  for (const bad of [[['02:00:00:00:00:01', 5]], [['0200000000zz', 5]], [['020000000001', -1]], [['020000000001']], 'x']) {
    const b = encodeSummary({ ...summary, heard: bad as unknown as [string, number][] });
    assert.ok(b.ok);
    if (b.ok) assert.is(decodeSummary(b.value).ok, false, JSON.stringify(bad));
  }
});

t('the summary names its own interfaces (for who-hears-whom), 16 at most; a malformed list is an error', () => {
  const ifs = Array.from({ length: 16 }, (_, i) => `0200000002${i.toString(16).padStart(2, '0')}`);
  const bytes = encodeSummary({ ...summary, ifs: [...ifs, '0200000002ff'] });
  assert.ok(bytes.ok);
  if (!bytes.ok) return;
  const back = decodeSummary(bytes.value);
  assert.ok(back.ok);
  if (back.ok) assert.equal(back.value.ifs, ifs);
  const old = decodeSummary((encodeSummary(summary) as { ok: true; value: Uint8Array }).value);
  assert.ok(old.ok && old.value.ifs === undefined);
  for (const bad of [['02:00:00:00:00:01'], ['0200000000zz'], [5], 'x']) {
    const b = encodeSummary({ ...summary, ifs: bad as unknown as string[] });
    assert.ok(b.ok);
    if (b.ok) assert.is(decodeSummary(b.value).ok, false, JSON.stringify(bad));
  }
});

/** A stand-in daemon on a unix socket: records what arrives, answers with `reply`. */
async function fakeDaemon(reply: (request: Uint8Array, socket: StreamSocket) => void) {
  const host = getHost();
  const dir = tempDir('alfred');
  const path = `${dir}/alfred.sock`;
  const received: Uint8Array[] = [];
  const server = await host.net.listen({ family: 'unix', path }, (socket) => {
    socket.onData((chunk) => {
      received.push(chunk);
      reply(chunk, socket);
    });
    socket.onClose(() => {});
  });
  return { path, received, close: () => { server.close(); removeTree(dir); } };
}

function answer(source: number, data: Uint8Array): Uint8Array {
  const p = encodePush(200, 0, data, 7);
  p[8] = 0x02;
  p[13] = source;
  return p;
}

t('client: push sends one packet; request collects datasets until the daemon closes', async () => {
  const host = getHost();
  const enc = encodeSummary(summary);
  assert.ok(enc.ok);
  if (!enc.ok) return;
  const daemon = await fakeDaemon((req, socket) => {
    if (req[0] === 2) {
      socket.write(new Uint8Array([...answer(1, enc.value), ...answer(2, new Uint8Array([0xc1]))]));
      socket.close();
    } else socket.close();
  });
  try {
    const client = new AlfredClient(host, { socketPath: daemon.path, timeoutMs: 2000 });
    const pushed = await client.push(200, new Uint8Array([1, 2, 3]));
    assert.ok(pushed.ok);
    await waitFor(() => daemon.received.length >= 1, 2000, 'the push');
    assert.is(daemon.received[0]?.[0], 0);
    assert.is(daemon.received[0]?.length, 21);
    const mesh = await readMeshSummaries(client, 200);
    assert.ok(mesh.ok, mesh.ok ? '' : mesh.error);
    if (!mesh.ok) return;
    assert.is(mesh.value.length, 2);
    const good = mesh.value.find((e) => e.summary);
    assert.is(good?.source, '02:00:00:00:00:01');
    assert.is(good?.summary?.name, 'node3');
    const text = formatMeshStatus(mesh.value, summary.t + 10);
    assert.match(text, /node3 +02:00:00:00:00:01 +degraded +2 +route-flapping,neighbor-lost/);
    assert.match(text, /unreadable/);
    assert.match(text, /2 node\(s\), 2 not ok/);
  } finally {
    daemon.close();
  }
});

t('client: an error status, a missing socket and a silent daemon are errors, not exceptions', async () => {
  const host = getHost();
  const daemon = await fakeDaemon((req, socket) => {
    if (req[4] === 201) {
      socket.write(new Uint8Array([4, 0, 0, 4, 0, 7, 1, 0]));
      socket.close();
    }
    // type 202: never answer
  });
  try {
    const client = new AlfredClient(host, { socketPath: daemon.path, timeoutMs: 300 });
    const err = await client.request(201);
    assert.is(err.ok, false);
    if (!err.ok) assert.match(err.error, /status 1/);
    const silent = await client.request(202);
    assert.is(silent.ok, false);
    if (!silent.ok) assert.match(silent.error, /no complete answer/);
    const missing = await new AlfredClient(host, { socketPath: `${daemon.path}.none` }).request(200);
    assert.is(missing.ok, false);
  } finally {
    daemon.close();
  }
});

t('client: events report changed datasets', async () => {
  const host = getHost();
  const daemon = await fakeDaemon((req, socket) => {
    if (req[0] === 9) socket.write(new Uint8Array([10, 0, 0, 7, 200, 2, 0, 0, 0, 0, 5, 10, 0, 0, 7, 201, 2, 0, 0, 0, 0, 6]));
  });
  try {
    const client = new AlfredClient(host, { socketPath: daemon.path });
    const seen: string[] = [];
    const sub = await client.events((n) => seen.push(`${n.type} ${n.source}`));
    assert.ok(sub.ok);
    await waitFor(() => seen.length === 2, 2000, 'two notifications');
    assert.equal(seen, ['200 02:00:00:00:00:05', '201 02:00:00:00:00:06']);
    if (sub.ok) sub.value.close();
  } finally {
    daemon.close();
  }
});

t.run();
