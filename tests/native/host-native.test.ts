// The native module against the real kernel, through the quickjs host (these run
// only on our binary: Node has no socketpair, AF_UNIX datagrams or netlink).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost, isHostError } from '../../runtime/src/host/index.js';
import { BROADCAST_MAC, decodeProbe, encodeProbe, PROBE_ETHERTYPE } from '../../runtime/src/linkprobe/frame.js';
import { qemuUser } from '../support/qemu-user.js';
import { removeTree, tempDir, waitFor } from '../support/tmp.js';

const t = suite('native: sockets, files and clock on the kernel');

t('a unix socket pair carries bytes both ways and reports the close', async () => {
  const [a, b] = getHost().net.streamPair();
  const gotA: number[] = [];
  const gotB: number[] = [];
  a.onData((c) => gotA.push(...c));
  b.onData((c) => gotB.push(...c));
  let bClosed: string | null | undefined;
  b.onClose((e) => {
    bClosed = e ? e.code : null;
  });
  a.write(new Uint8Array([1, 2, 3]));
  b.write(new Uint8Array([9]));
  await waitFor(() => gotA.length === 1 && gotB.length === 3);
  assert.equal(gotB, [1, 2, 3]);
  assert.equal(gotA, [9]);
  a.close();
  await waitFor(() => bClosed !== undefined);
  assert.is(bClosed, null);
});

t('AF_UNIX datagrams: sender address and message boundaries are kept', async () => {
  const dir = tempDir('dgram');
  const server = getHost().net.datagram('unix', { family: 'unix', path: `${dir}/srv` });
  const client = getHost().net.datagram('unix', { family: 'unix', path: `${dir}/cli` });
  const seen: { text: string; from: string }[] = [];
  server.onMessage((d, from) => seen.push({ text: new TextDecoder().decode(d), from: from?.family === 'unix' ? from.path : '?' }));
  client.send(new TextEncoder().encode('one'), { family: 'unix', path: `${dir}/srv` });
  client.send(new TextEncoder().encode('two'), { family: 'unix', path: `${dir}/srv` });
  await waitFor(() => seen.length === 2);
  assert.equal(seen, [
    { text: 'one', from: `${dir}/cli` },
    { text: 'two', from: `${dir}/cli` },
  ]);
  server.close();
  client.close();
  removeTree(dir);
});

t('binding an address in use is EADDRINUSE with a one-line message', async () => {
  const host = getHost();
  const first = await host.net.listen({ family: 'inet', host: '127.0.0.1', port: 0 }, () => {});
  try {
    await host.net.listen(first.address, () => {});
    assert.unreachable('second bind should fail');
  } catch (e) {
    assert.ok(isHostError(e));
    if (isHostError(e)) {
      assert.is(e.code, 'EADDRINUSE');
      // The target's own number: 98 on x86 and ARM, 125 on MIPS.
      assert.is(host.errnoName(e.errno), 'EADDRINUSE');
      assert.not.match(e.message, /\n/);
    }
  }
  first.close();
});

t('UDP on loopback: a datagram reaches a bound socket', async () => {
  const host = getHost();
  const rx = host.net.datagram('inet', { family: 'inet', host: '127.0.0.1', port: 0 });
  const tx = host.net.datagram('inet');
  const to = rx.local;
  assert.ok(to && to.family === 'inet' && to.port > 0);
  let got = '';
  rx.onMessage((d) => {
    got = new TextDecoder().decode(d);
  });
  if (to) tx.send(new TextEncoder().encode('tq=255'), to);
  await waitFor(() => got !== '');
  assert.is(got, 'tq=255');
  rx.close();
  tx.close();
});

t('AF_PACKET on loopback: a link probe frame broadcast by one socket reaches another, with the sender MAC', async () => {
  const host = getHost();
  const packet = host.net.packet;
  assert.ok(packet, 'the quickjs host opens packet sockets');
  const lo = host.net.ifNameToIndex('lo');
  const a = packet(lo, PROBE_ETHERTYPE);
  const b = packet(lo, PROBE_ETHERTYPE);
  const other = packet(lo, 0x88b6);
  const got: { data: Uint8Array; from: string; wallMs: number; readMs: number }[] = [];
  const stray: Uint8Array[] = [];
  try {
    // Our session only: other test runs on this machine may probe on the same loopback.
    const session = host.crypto ? new DataView(host.crypto.randomBytes(4).buffer).getUint32(0) : 77;
    b.onMessage((data, from, wallMs) => {
      const f = decodeProbe(data);
      if (!f.ok || f.value.session === session) got.push({ data, from, wallMs, readMs: host.clock.wallMs() });
    });
    other.onMessage((data) => stray.push(data));
    // The first socket on a machine to ask for SO_TIMESTAMPNS turns the kernel's receive
    // stamping on through deferred work; a frame sent before that runs gets no stamp and
    // the kernel stamps it when read (seen once in a fresh clone: "stamped 300 ms after
    // sending"). The agent's probe sockets live long; the test waits for that work.
    await new Promise<void>((r) => host.timers.setTimeout(r, 100));
    // A timed frame (20 bytes, the send time after the old 16): it crosses a real packet socket whole.
    const frame = encodeProbe({ intervalMs: 200, session, seq: 5, sentMs: 0xfffffff0 });
    const sentMs = host.clock.wallMs();
    assert.ok(a.send(frame, BROADCAST_MAC));
    // A busy reader: the frame waits 300 ms in the kernel before the loop can read it.
    while (host.clock.wallMs() - sentMs < 300) {
      /* busy */
    }
    await waitFor(() => got.length > 0, 2000, 'the frame on the second socket');
    const first = got[0] as (typeof got)[number];
    assert.is(first.from, '00:00:00:00:00:00', "loopback's MAC");
    assert.equal(decodeProbe(first.data), { ok: true, value: { intervalMs: 200, session, seq: 5, sentMs: 0xfffffff0 } });
    assert.is(stray.length, 0, 'another ethertype is not delivered');
    // Every kernel stamps frames (SO_TIMESTAMPNS); qemu-user cannot (tests/support/qemu-user.ts),
    // and there the time is when the frame was read.
    if (qemuUser() === undefined) assert.ok(b.kernelStamps, 'the kernel stamps frames');
    if (b.kernelStamps) {
      // The kernel's receive time, on the wall clock: when it was sent, not when it was read.
      assert.ok(first.wallMs >= sentMs - 5 && first.wallMs - sentMs < 150, `stamped ${first.wallMs - sentMs} ms after sending`);
      assert.ok(first.readMs - first.wallMs >= 250, `read ${first.readMs - first.wallMs} ms after the stamp`);
    } else {
      assert.ok(first.wallMs >= sentMs + 300 && first.wallMs <= first.readMs, `read time ${first.wallMs - sentMs} ms after sending`);
    }
    assert.throws(() => a.send(frame, 'not-a-mac'), /not a MAC address/);
  } finally {
    for (const s of [a, b, other]) s.close();
  }
});

t('monotonic clock: ns and ms agree and move forward', async () => {
  const c = getHost().clock;
  const ns0 = c.monotonicNs();
  const ms0 = c.monotonicMs();
  await new Promise<void>((r) => getHost().timers.setTimeout(r, 20));
  const ns1 = c.monotonicNs();
  const ms1 = c.monotonicMs();
  assert.ok(ns1 > ns0);
  assert.ok(ms1 - ms0 >= 19, `${ms1 - ms0}`);
  assert.ok(Math.abs(Number(ns1 - ns0) / 1e6 - (ms1 - ms0)) < 5);
});

t('interface index: lo is 1 here; a missing interface is ENODEV', () => {
  const net = getHost().net;
  assert.is(net.ifNameToIndex('lo'), 1);
  try {
    net.ifNameToIndex('nosuchif0');
    assert.unreachable('should fail');
  } catch (e) {
    assert.ok(isHostError(e));
    if (isHostError(e)) assert.is(e.code, 'ENODEV');
  }
});

t('resource usage: RSS agrees with VmRSS from the kernel', () => {
  const host = getHost();
  const r = host.resourceUsage();
  const m = host.files.readText('/proc/self/status').match(/VmRSS:\s+(\d+) kB/);
  assert.ok(m, 'VmRSS in /proc/self/status');
  const kernel = Number(m?.[1]) * 1024;
  assert.ok(Math.abs(r.rssBytes - kernel) < kernel * 0.2 + 65536, `${r.rssBytes} vs ${kernel}`);
  assert.ok(r.maxRssBytes > 0 && r.userCpuMs >= 0 && r.systemCpuMs >= 0);
});

t('a signal while the loop waits in poll() runs its handler (EINTR is not fatal)', async () => {
  const host = getHost();
  // An open socket makes the loop wait in poll(); quickjs-ng 0.17 ended the whole
  // loop when a signal interrupted that wait (see runtime/native/Makefile).
  const sock = host.net.datagram('inet', { family: 'inet', host: '127.0.0.1', port: 0 });
  let got = 0;
  host.signals.on('SIGUSR1', () => {
    got++;
  });
  const r = await host.processes.run(['sh', '-c', `sleep 0.2; kill -USR1 ${host.processes.pid}`]);
  assert.is(r.status, 0);
  await waitFor(() => got === 1, 3000, 'the SIGUSR1 handler');
  sock.close();
});

t.run();
