import { suite } from 'uvu';
import { describeMeshEvent } from '../../runtime/src/cli/commands/mesh-events.js';
import * as assert from 'uvu/assert';
import { runCli } from '../../runtime/src/cli/main.js';
import { getHost, type Host } from '../../runtime/src/host/index.js';
import { VERSION } from '../../runtime/src/version.js';

/** The current host with stdout/stderr captured. */
function capture(): { host: Host; out: () => string; err: () => string } {
  const base = getHost();
  let out = '';
  let err = '';
  const host: Host = { ...base, stdout: { write: (s) => void (out += s) }, stderr: { write: (s) => void (err += s) } };
  return { host, out: () => out, err: () => err };
}

const t = suite('cli: commands and exit codes');

t('--version names our version and the engine', async () => {
  const c = capture();
  assert.is(await runCli(c.host, ['--version']), 0);
  assert.is(c.out(), `x0tta6bl4 ${VERSION} (${c.host.engine} ${c.host.engineVersion})\n`);
});

t('--help lists the commands and every option with its config key', async () => {
  const c = capture();
  assert.is(await runCli(c.host, ['--help']), 0);
  assert.match(c.out(), /^usage: x0tta6bl4/);
  assert.match(c.out(), /agent +run the self-healing agent/);
  assert.match(c.out(), /--state-dir DIR .*\[agent\.state_dir\]/);
});

t('unknown command: exit 2, one line of error, then the usage', async () => {
  const c = capture();
  assert.is(await runCli(c.host, ['frobnicate']), 2);
  const [first, second] = c.err().split('\n');
  assert.is(first, "x0tta6bl4: unknown command 'frobnicate'");
  assert.match(second ?? '', /^usage:/);
  assert.is(c.out(), '');
});

t('bad options and missing command exit 2', async () => {
  for (const argv of [['--bogus'], [], ['agent', 'extra'], ['version', '--state-dir']]) {
    const c = capture();
    assert.is(await runCli(c.host, argv), 2, argv.join(' '));
    assert.match(c.err(), /^x0tta6bl4: /);
  }
});

t('a config that cannot be read exits 1 with one line', async () => {
  const c = capture();
  assert.is(await runCli(c.host, ['--config', '/nonexistent/x0tta6bl4', 'version']), 1);
  assert.is(c.err().trim().split('\n').length, 1);
  assert.match(c.err(), /^x0tta6bl4: config \/nonexistent\/x0tta6bl4: /);
});

t('mesh without batman-adv (or without netlink): exit 1 and one line', async () => {
  const c = capture();
  assert.is(await runCli(c.host, ['mesh', 'originators']), 1);
  const lines = c.err().trim().split('\n');
  assert.is(lines.length, 1, c.err());
  assert.match(lines[0] ?? '', /^x0tta6bl4 mesh: (batman-adv is not available|netlink is not available|cannot open netlink)/);
});

t('mesh events without batman-adv: exit 1 and one line; a bad --count is a usage error', async () => {
  const c = capture();
  assert.is(await runCli(c.host, ['mesh', 'events', '--timeout', '1']), 1);
  const lines = c.err().trim().split('\n');
  assert.is(lines.length, 1, c.err());
  assert.match(lines[0] ?? '', /^x0tta6bl4 mesh events: (batman-adv is not available|netlink is not available|cannot open netlink)/);
  const bad = capture();
  assert.is(await runCli(bad.host, ['mesh', 'events', '--count', 'many']), 2);
  assert.match(bad.err(), /--count 'many' is not a whole number/);
});

t('mesh events: one line per event, in batctl names', () => {
  assert.is(describeMeshEvent('bat0', { kind: 'gateway', meshIfname: 'bat0', action: 'change', gateway: '02:00:00:00:00:04' }), 'gateway change: 02:00:00:00:00:04 selected (bat0)');
  assert.is(describeMeshEvent('bat0', { kind: 'gateway', meshIfname: 'bat0', action: 'del', gateway: null }), 'gateway del: no gateway selected (bat0)');
  assert.is(describeMeshEvent('bat0', { kind: 'mesh', meshIfindex: 3, tunables: { hopPenalty: 31, gwMode: 'client', origIntervalMs: 1000 } }), 'mesh bat0: gw_mode client, hop_penalty 31, orig_interval 1000');
  assert.is(
    describeMeshEvent('bat0', { kind: 'hardif', meshIfindex: 3, hardif: { ifindex: 5, ifname: 'mesh0', address: null, active: true, hopPenalty: 17, elpIntervalMs: null, throughputOverrideKbit: null } }),
    'hardif mesh0: active, hop_penalty 17',
  );
});

t('mesh with an unknown table is a usage error', async () => {
  const c = capture();
  assert.is(await runCli(c.host, ['mesh', 'frob']), 2);
  assert.match(c.err(), /^x0tta6bl4: mesh: unknown table 'frob'/);
});

t.run();
