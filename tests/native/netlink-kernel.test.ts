/**
 * The netlink stack against the real kernel (our binary only: Node has no netlink).
 * Needs no privileges: RTM_GETLINK and CTRL_CMD_GETFAMILY are open to everyone.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import { Batadv } from '../../runtime/src/mesh/batadv.js';
import { GenlResolver, IFF_LOOPBACK, NETLINK_GENERIC, NETLINK_ROUTE, NetlinkClient, Rtnl } from '../../runtime/src/netlink/index.js';
import { bigEndian, qemuUser } from '../support/qemu-user.js';

const t = suite('netlink against the kernel');
// Under qemu-user (a cross build's tests) some of these cannot work; why in
// tests/support/qemu-user.ts. On a kernel they all run.
const noGenl = qemuUser() !== undefined;
const linkAttrsUnswapped = qemuUser() !== undefined && bigEndian();

function client(protocol: number): NetlinkClient {
  const host = getHost();
  const open = host.net.netlink;
  if (!open) throw new Error('this engine has no netlink');
  return new NetlinkClient(open(protocol, { extendedAck: true }), { timers: host.timers, timeoutMs: 2000 });
}

(linkAttrsUnswapped ? t.skip : t)('RTM_GETLINK dump finds lo, with flags, operstate and 64-bit stats', async () => {
  const rtnl = new Rtnl(client(NETLINK_ROUTE));
  const links = await rtnl.links();
  rtnl.client.close();
  assert.ok(links.ok, links.ok ? '' : links.error.message);
  if (!links.ok) return;
  const lo = links.value.find((l) => l.name === 'lo');
  assert.ok(lo, 'lo is listed');
  if (!lo) return;
  assert.is(lo.index, 1);
  assert.ok(lo.flags & IFF_LOOPBACK);
  assert.ok(lo.stats !== null, 'IFLA_STATS64 decoded');
  assert.is(lo.hwType, 772, 'ARPHRD_LOOPBACK');
});

(linkAttrsUnswapped ? t.skip : t)('RTM_GETLINK by name: lo', async () => {
  const rtnl = new Rtnl(client(NETLINK_ROUTE));
  const lo = await rtnl.link('lo');
  rtnl.client.close();
  assert.ok(lo.ok);
  if (lo.ok) assert.is(lo.value.name, 'lo');
});

t('RTM_GETLINK by name: ENODEV for a missing link', async () => {
  const rtnl = new Rtnl(client(NETLINK_ROUTE));
  const missing = await rtnl.link('x0-no-such-if');
  rtnl.client.close();
  assert.not.ok(missing.ok);
  if (!missing.ok) assert.equal([missing.error.kind, missing.error.code], ['kernel', 'ENODEV']);
});

t('an invalid request gets an error (with extended ACK where the kernel has one)', async () => {
  const rtnl = new Rtnl(client(NETLINK_ROUTE));
  // Setting a master on lo to an index that does not exist is refused.
  const r = await rtnl.setMaster(1, 0x7ffffff0);
  rtnl.client.close();
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.error.kind, 'kernel');
});

(noGenl ? t.skip : t)('generic netlink: the controller resolves itself ("nlctrl"); batadv is present or cleanly unsupported', async () => {
  const genl = new GenlResolver(client(NETLINK_GENERIC));
  const ctrl = await genl.resolve('nlctrl');
  assert.ok(ctrl.ok, ctrl.ok ? '' : ctrl.error.message);
  if (ctrl.ok) {
    assert.is(ctrl.value.id, 0x10);
    assert.ok(ctrl.value.groups.has('notify'));
  }
  const batadv = await Batadv.open(genl, 1);
  if (!batadv.ok) assert.equal([batadv.error.kind, batadv.error.code], ['unsupported', 'ENOENT']);
  else assert.ok(batadv.value.family.groups.has('config'));
  genl.client.close();
});

t.run();
