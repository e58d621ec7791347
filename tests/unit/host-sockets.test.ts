import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost, isHostError, type SocketAddress, type StreamSocket } from '../../runtime/src/host/index.js';
import { qemuUser } from '../support/qemu-user.js';
import { removeTree, tempDir, waitFor } from '../support/tmp.js';

const t = suite('host: stream sockets (loopback, unix)');

/** An echo server; returns its address and a close function. */
async function echoServer(address: SocketAddress): Promise<{ address: SocketAddress; close: () => void }> {
  const server = await getHost().net.listen(address, (s) => {
    s.onData((chunk) => s.write(chunk));
    s.onClose(() => {});
  });
  return { address: server.address, close: () => server.close() };
}

/** Send `data` and collect `data.length` bytes back. */
async function roundTrip(sock: StreamSocket, data: Uint8Array): Promise<Uint8Array> {
  const got: Uint8Array[] = [];
  let n = 0;
  sock.onData((c) => {
    got.push(c);
    n += c.length;
  });
  sock.write(data);
  await waitFor(() => n >= data.length, 5000, `${data.length} echoed bytes`);
  const all = new Uint8Array(n);
  let off = 0;
  for (const c of got) {
    all.set(c, off);
    off += c.length;
  }
  return all;
}

t('TCP echo on 127.0.0.1 with a kernel-chosen port', async () => {
  const srv = await echoServer({ family: 'inet', host: '127.0.0.1', port: 0 });
  assert.is(srv.address.family, 'inet');
  assert.ok(srv.address.family === 'inet' && srv.address.port > 0);
  const sock = await getHost().net.connect(srv.address);
  const back = await roundTrip(sock, new TextEncoder().encode('hello mesh'));
  assert.is(new TextDecoder().decode(back), 'hello mesh');
  let closed = false;
  sock.onClose(() => {
    closed = true;
  });
  sock.close();
  await waitFor(() => closed);
  srv.close();
});

t('a large write survives partial sends (back-pressure) byte for byte', async () => {
  const srv = await echoServer({ family: 'inet', host: '127.0.0.1', port: 0 });
  const sock = await getHost().net.connect(srv.address);
  const data = new Uint8Array(1 << 20);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 8)) & 0xff;
  const back = await roundTrip(sock, data);
  assert.is(back.length, data.length);
  let same = true;
  for (let i = 0; i < data.length; i++) if (back[i] !== data[i]) same = false;
  assert.ok(same, 'echoed bytes differ');
  sock.close(true);
  srv.close();
});

t('unix stream socket: listen, connect, echo', async () => {
  const dir = tempDir('unix');
  const path = `${dir}/echo.sock`;
  const srv = await echoServer({ family: 'unix', path });
  const sock = await getHost().net.connect({ family: 'unix', path });
  const back = await roundTrip(sock, new Uint8Array([1, 2, 3, 4]));
  assert.equal(Array.from(back), [1, 2, 3, 4]);
  sock.close(true);
  srv.close();
  removeTree(dir);
});

// qemu-user hands SO_ERROR over in the host's numbering (tests/support/qemu-user.ts).
const soErrorUntranslated = qemuUser() !== undefined && getHost().errnoName(111) !== 'ECONNREFUSED';

(soErrorUntranslated ? t.skip : t)('connecting to a closed port fails with ECONNREFUSED', async () => {
  const srv = await echoServer({ family: 'inet', host: '127.0.0.1', port: 0 });
  const addr = srv.address;
  srv.close();
  try {
    await getHost().net.connect(addr);
    assert.unreachable('connect should fail');
  } catch (e) {
    assert.ok(isHostError(e), String(e));
    if (isHostError(e)) assert.is(e.code, 'ECONNREFUSED');
  }
});

t('a missing unix socket fails with ENOENT naming the path', async () => {
  try {
    await getHost().net.connect({ family: 'unix', path: '/tmp/x0-no-such-dir/ubus.sock' });
    assert.unreachable('connect should fail');
  } catch (e) {
    assert.ok(isHostError(e));
    if (isHostError(e)) {
      assert.is(e.code, 'ENOENT');
      assert.match(e.message, /ubus\.sock/);
    }
  }
});

t('the peer closing is reported once, without an error', async () => {
  let serverSide: StreamSocket | null = null;
  const server = await getHost().net.listen({ family: 'inet', host: '127.0.0.1', port: 0 }, (s) => {
    serverSide = s;
  });
  const sock = await getHost().net.connect(server.address);
  const events: (string | null)[] = [];
  sock.onClose((e) => events.push(e ? e.code : null));
  await waitFor(() => serverSide !== null);
  (serverSide as unknown as StreamSocket).close();
  await waitFor(() => events.length > 0);
  assert.equal(events, [null]);
  server.close();
});

t.run();
