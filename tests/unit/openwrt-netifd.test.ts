/**
 * OpenWrt names for a mesh device (runtime/src/openwrt/netifd.ts) and the actuator's
 * restart by `ubus` (netifd interface down/up) and by `wifi` (radio down/up). netifd
 * cannot run here: `ubus` and `wifi` are small shell scripts that answer in netifd's
 * JSON layout (`ubus call network.interface dump`, `network.wireless status`) and log
 * every call, so the commands the agent runs on a router are what is checked.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost, type Host } from '../../runtime/src/host/index.js';
import { MeshActuator } from '../../runtime/src/loop/actuator.js';
import { netifdInterfaceFor, radioFor } from '../../runtime/src/openwrt/netifd.js';
import { removeTree, tempDir } from '../support/tmp.js';

const t = suite('openwrt: netifd names');

// Gluon-like: the radio's mesh device "mesh0" is enslaved by the batadv_hardif interface
// "bat0_hardif_mesh0"; "lan" is a bridge; a second interface ("mesh0_alias") shares
// the device but is not the mesh's.
const DUMP = JSON.stringify({
  interface: [
    { interface: 'lan', up: true, pending: false, available: true, autostart: true, dynamic: false, uptime: 812, l3_device: 'br-lan', proto: 'static', device: 'br-lan', metric: 0, data: {} },
    { interface: 'mesh0_alias', up: true, available: true, l3_device: 'mesh0', proto: 'static', device: 'mesh0', data: {} },
    { interface: 'bat0_hardif_mesh0', up: true, pending: false, available: true, autostart: true, dynamic: false, uptime: 790, l3_device: 'mesh0', proto: 'batadv_hardif', device: 'mesh0', data: {} },
    { interface: 'loopback', up: true, l3_device: 'lo', proto: 'static', device: 'lo' },
    { interface: 'broken' },
    'not an object',
  ],
});
const WIRELESS = JSON.stringify({
  radio0: { up: true, pending: false, autostart: true, disabled: false, retry_setup_failed: false, config: { channel: '1' }, interfaces: [{ section: 'client_radio0', ifname: 'client0', config: { mode: 'ap' } }, { section: 'mesh_radio0', ifname: 'mesh0', config: { mode: 'mesh' } }] },
  radio1: { up: true, interfaces: [{ section: 'mesh_radio1', ifname: 'mesh1', config: { mode: 'mesh' } }] },
  radio2: 'garbage',
});

t('the batadv_hardif interface of a device wins; a plain device match is the fallback', () => {
  assert.equal(netifdInterfaceFor(DUMP, 'mesh0'), { ok: true, name: 'bat0_hardif_mesh0' });
  assert.equal(netifdInterfaceFor(DUMP, 'br-lan'), { ok: true, name: 'lan' });
  const none = netifdInterfaceFor(DUMP, 'mesh9');
  assert.equal(none, { ok: false, error: 'no netifd interface has device mesh9 (network.interface dump)' });
});

t('the radio that carries a wifi interface', () => {
  assert.equal(radioFor(WIRELESS, 'mesh0'), { ok: true, name: 'radio0' });
  assert.equal(radioFor(WIRELESS, 'mesh1'), { ok: true, name: 'radio1' });
  assert.not.ok(radioFor(WIRELESS, 'eth0').ok);
});

t('bad answers are errors with the reason, never exceptions', () => {
  for (const [text, want] of [
    ['', /not JSON/],
    ['[1,2]', /not a JSON object/],
    ['{"interface": 3}', /no "interface" array/],
    ['{"interface": [', /not JSON/],
    [`{"interface": [], "x": "${'a'.repeat(1 << 20)}"}`, /is more than/],
  ] as const) {
    const r = netifdInterfaceFor(text, 'mesh0');
    assert.not.ok(r.ok);
    if (!r.ok) assert.match(r.error, want);
  }
  assert.not.ok(radioFor('null', 'mesh0').ok);
});

/** A host whose `ubus` and `wifi` are the scripts in `dir` (everything else unchanged). */
function shimmedHost(dir: string): Host {
  const base = getHost();
  return {
    ...base,
    processes: {
      pid: base.processes.pid,
      run: (argv, opts) => base.processes.run(argv[0] === 'ubus' || argv[0] === 'wifi' ? [`${dir}/${argv[0]}`, ...argv.slice(1)] : argv, opts),
    },
  };
}

/** Shim directories made by this suite, removed after it. */
const made: string[] = [];
t.after(() => {
  for (const dir of made.splice(0)) removeTree(dir);
});

function shims(failDown = false): { dir: string; calls: () => string[] } {
  const host = getHost();
  const dir = tempDir('netifd');
  made.push(dir);
  host.files.writeAtomic(`${dir}/dump.json`, DUMP);
  host.files.writeAtomic(`${dir}/wireless.json`, WIRELESS);
  const log = `${dir}/calls.log`;
  host.files.writeAtomic(
    `${dir}/ubus`,
    `#!/bin/sh\necho "ubus $*" >> ${log}\ncase "$*" in\n  "call network.interface dump") cat ${dir}/dump.json ;;\n  "call network.wireless status") cat ${dir}/wireless.json ;;\n  *down) ${failDown ? 'echo "Command failed: Not found" >&2; exit 4' : 'exit 0'} ;;\nesac\n`,
    0o755,
  );
  host.files.writeAtomic(`${dir}/wifi`, `#!/bin/sh\necho "wifi $*" >> ${log}\n`, 0o755);
  return { dir, calls: () => (host.files.stat(log) ? host.files.readText(log).trim().split('\n') : []) };
}

const noNetlink = () => ({ ok: false as const, error: 'no netlink in this test' });

t('restart by ubus: the netifd interface of the device goes down and up', async () => {
  const s = shims();
  const act = new MeshActuator(shimmedHost(s.dir), 'bat0', noNetlink);
  const r = await act.restartInterface('mesh0', 'ubus');
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(s.calls(), ['ubus call network.interface dump', 'ubus call network.interface.bat0_hardif_mesh0 down', 'ubus call network.interface.bat0_hardif_mesh0 up']);
  if (r.ok) assert.match(r.detail, /mesh0 is netifd interface bat0_hardif_mesh0/);
});

t('restart by wifi: the radio that carries the device', async () => {
  const s = shims();
  const r = await new MeshActuator(shimmedHost(s.dir), 'bat0', noNetlink).restartInterface('mesh1', 'wifi');
  assert.ok(r.ok);
  assert.equal(s.calls(), ['ubus call network.wireless status', 'wifi down radio1', 'wifi up radio1']);
});

t('restart by ubus of an unknown device, or a refused down: a failed action with the reason, nothing else run', async () => {
  const s = shims();
  const r = await new MeshActuator(shimmedHost(s.dir), 'bat0', noNetlink).restartInterface('mesh7', 'ubus');
  assert.equal(r, { ok: false, error: 'no netifd interface has device mesh7 (network.interface dump)' });
  assert.equal(s.calls(), ['ubus call network.interface dump']);
  const f = shims(true);
  const down = await new MeshActuator(shimmedHost(f.dir), 'bat0', noNetlink).restartInterface('mesh0', 'ubus');
  assert.equal(down, { ok: false, error: 'ubus call network.interface.bat0_hardif_mesh0 down: Command failed: Not found' });
  assert.equal(f.calls().length, 2, 'no "up" after a failed "down"');
});

t.run();
