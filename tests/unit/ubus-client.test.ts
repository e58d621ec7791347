import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import { BLOBMSG_TYPE_INT32, BLOBMSG_TYPE_STRING } from '../../runtime/src/ubus/blobmsg.js';
import { UbusClient } from '../../runtime/src/ubus/client.js';
import type { UbusMethodTable } from '../../runtime/src/ubus/connection.js';
import { loadTranscript, replayUbusd } from '../support/ubus-transcript.js';
import { removeTree, tempDir, waitFor } from '../support/tmp.js';

const t = suite('ubus: client reconnects and re-registers');

const METHODS: UbusMethodTable = {
  hello: { signature: { id: BLOBMSG_TYPE_INT32, msg: BLOBMSG_TYPE_STRING }, handler: () => ({ status: 0 }) },
  watch: { signature: { id: BLOBMSG_TYPE_INT32, counter: BLOBMSG_TYPE_INT32 }, handler: () => ({ status: 0 }) },
  count: { signature: { to: BLOBMSG_TYPE_INT32, string: BLOBMSG_TYPE_STRING }, handler: () => ({ status: 0 }) },
};

t('back-off doubles from the initial delay up to the cap', () => {
  const c = new UbusClient({ initialBackoffMs: 250, maxBackoffMs: 30_000 });
  assert.equal([1, 2, 3, 4, 8, 20, 1000].map((n) => c.backoffMs(n)), [250, 500, 1000, 2000, 30_000, 30_000, 30_000]);
});

t('ubusd goes away and comes back: the client retries with back-off and registers again, same bytes', async () => {
  const tr = loadTranscript('object-server');
  // HELLO, ADD_OBJECT "test" and ubusd's DATA + STATUS for it.
  const registration = { ...tr, frames: tr.frames.slice(0, 3) };
  const dir = tempDir('ubus-reconnect');
  const path = `${dir}/ubus.sock`;
  const lines: string[] = [];
  const client = new UbusClient({ socketPath: path, initialBackoffMs: 20, maxBackoffMs: 80, requestTimeoutMs: 300, log: (_l, m) => lines.push(m) });
  let replay = await replayUbusd(registration, path);
  try {
    await client.addObject('test', METHODS);
    client.start();
    assert.is(await replay.done, null);
    await waitFor(() => client.ready, 2000, 'registration');
    assert.ok(client.objectId('test'));
    // "ubusd restarts": connection and listening socket go away for a while.
    replay.close();
    if (getHost().files.stat(path)) getHost().files.remove(path);
    await waitFor(() => !client.ready, 2000, 'disconnect noticed');
    await new Promise<void>((r) => getHost().timers.setTimeout(r, 200));
    assert.is(client.stats.connects, 1);
    replay = await replayUbusd(registration, path);
    assert.is(await replay.done, null);
    await waitFor(() => client.ready, 2000, 're-registration');
    assert.is(client.stats.connects, 2);
    assert.is(client.stats.disconnects, 1);
    assert.ok(lines.some((l) => l.includes('retrying')), lines.join('\n'));
    const ev = await client.sendEvent('x0tta6bl4.test', {});
    assert.ok(!ev.ok || ev.ok); // replay has no answer for it; must not throw
  } finally {
    client.stop();
    replay.close();
    removeTree(dir);
  }
});

t('events while disconnected are dropped and counted', async () => {
  const c = new UbusClient({ socketPath: '/nonexistent/ubus.sock' });
  const r = await c.sendEvent('x0tta6bl4.incident', { id: 'x' });
  assert.not.ok(r.ok);
  assert.is(c.stats.eventsDropped, 1);
});

t.run();
