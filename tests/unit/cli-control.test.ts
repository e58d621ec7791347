// The operator's commands against a running agent, over its HTTP API (no ubusd here):
// status, mode, incidents, actions, heal; and what they do when no agent answers.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../runtime/src/cli/main.js';
import { getHost, type Host, type SignalName } from '../../runtime/src/host/index.js';
import { removeTree, tempDir, waitFor } from '../support/tmp.js';

function capture(signals?: Map<SignalName, () => void>): { host: Host; out: () => string; err: () => string; log: string[] } {
  const base = getHost();
  let out = '';
  let err = '';
  const log: string[] = [];
  const host: Host = {
    ...base,
    stdout: { write: (s) => void (out += s) },
    stderr: { write: (s) => void (err += s) },
    logger: { log: (l, m) => void log.push(`${l} ${m}`), openSyslog() {} },
    signals: { on: (s, h) => void signals?.set(s, h) },
  };
  return { host, out: () => out, err: () => err, log };
}

const t = suite('cli: status, mode, incidents, actions and heal against a running agent');
const port = 20000 + Math.floor(Math.random() * 20000);
const http = `127.0.0.1:${port}`;
let dir = '';
let running: Promise<number> = Promise.resolve(0);
const signals = new Map<SignalName, () => void>();

t.before(async () => {
  dir = tempDir('control');
  const agent = capture(signals);
  running = runCli(agent.host, ['agent', '--state-dir', `${dir}/state`, '--config', '/dev/null', '--ubus', '0', '--http', http, '--cycle-ms', '200']);
  await waitFor(() => agent.log.some((l) => l.includes('main loop running')), 3000, 'the agent to start');
});

t.after(async () => {
  signals.get('SIGTERM')?.();
  await running;
  removeTree(dir);
});

const cli = (...argv: string[]) => {
  const c = capture();
  return runCli(c.host, ['--ubus', '0', '--http', http, ...argv]).then((code) => ({ code, out: c.out(), err: c.err() }));
};

t('status: readable, and exit 3 because batman-adv is absent here', async () => {
  const r = await cli('status');
  assert.is(r.code, 3, r.err);
  assert.match(r.out, /^agent +x0tta6bl4 \S+ \((node|quickjs-ng) /);
  assert.match(r.out, /\nhealth +degraded: batman-adv bat0 is (absent|unavailable)/);
  assert.match(r.out, /\nmode +auto\n/);
});

t('status --json is the API object', async () => {
  const r = await cli('status', '--json');
  const o = JSON.parse(r.out);
  assert.is(o.mode, 'auto');
  assert.is(o.loop.running, true);
  assert.ok(o.loop.cycles >= 1);
});

t('mode: read, set through the API, read back', async () => {
  assert.is((await cli('mode')).out, 'auto\n');
  const set = await cli('mode', 'advise');
  assert.is(set.code, 0, set.err);
  assert.is(set.out, 'advise\n');
  assert.is((await cli('mode')).out, 'advise\n');
  assert.is((await cli('mode', 'sometimes')).code, 2);
});

t('incidents and actions: tables with headers (none yet), JSON arrays', async () => {
  const i = await cli('incidents', '--open');
  assert.is(i.code, 0, i.err);
  assert.match(i.out, /^id +kind +target +severity +status/);
  assert.equal(JSON.parse((await cli('actions', '--json', '--limit', '5')).out), []);
  assert.is((await cli('actions', '--limit', 'many')).code, 2);
});

t('heal reaches the loop: an unknown incident is not found; without batman-adv nothing can be healed', async () => {
  const unknown = await cli('heal', '--incident', 'inc-none-1');
  assert.is(unknown.code, 1);
  assert.match(unknown.err, /^x0tta6bl4: heal: no incident inc-none-1 /);
  const r = await cli('heal', '--action', 'restart-interface', '--target', 'eth1', '--dry-run');
  assert.is(r.code, 1);
  assert.match(r.err, /^x0tta6bl4: heal: batman-adv bat0 is (absent|unavailable)\n$/);
});

t('no agent listening: exit 1 and one line naming where it looked', async () => {
  const c = capture();
  const code = await runCli(c.host, ['--ubus', '0', '--http', '127.0.0.1:1', 'status']);
  assert.is(code, 1);
  assert.is(c.err().trim().split('\n').length, 1);
  assert.match(c.err(), /^x0tta6bl4: status: agent at 127\.0\.0\.1:1: /);
});

t.run();
