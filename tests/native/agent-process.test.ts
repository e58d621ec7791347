// The agent as a process: its log lines on stderr and in syslog, SIGTERM, SIGHUP.
// syslog is checked hermetically: the agent runs in a private mount namespace whose
// /dev is a tmpfs with /dev/log pointing at a datagram socket this test reads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import { removeTree, tempDir, waitFor } from '../support/tmp.js';

const t = suite('native: the agent process (stderr, syslog, signals)');
const binary = getHost().getenv('X0_BINARY') ?? 'dist/x0tta6bl4';

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

t('logs to stderr and to syslog, stops on SIGTERM with status 0', async () => {
  const host = getHost();
  const dir = tempDir('agent');
  const sock = `${dir}/log`;
  const log = host.net.datagram('unix', { family: 'unix', path: sock });
  const messages: string[] = [];
  log.onMessage((d) => messages.push(new TextDecoder().decode(d)));
  const script = [
    'mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3',
    `ln -s ${q(sock)} /dev/log`,
    `${q(binary)} agent --state-dir ${q(`${dir}/state`)} --config /dev/null --cycle-ms 200 & pid=$!`,
    'sleep 1',
    'kill -TERM $pid',
    'wait $pid',
  ].join('\n');
  const r = await host.processes.run(['unshare', '--mount', 'sh', '-c', script], { timeoutMs: 15000 });
  await waitFor(() => messages.some((m) => m.includes('stopped after')), 3000, 'the last syslog line');
  log.close();
  assert.is(r.status, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0] ?? '', /^\d{4}-\d\d-\d\dT\S+Z notice x0tta6bl4 \S+ starting \(quickjs-ng /);
  assert.match(lines[lines.length - 1] ?? '', /notice stopped after \d+ cycles$/);
  assert.ok(host.files.stat(`${dir}/state`)?.isDirectory, 'state directory created');
  // <29> = facility daemon (3) * 8 + severity notice (5); ident and pid as syslog(3) writes them.
  const start = messages.find((m) => m.includes('starting'));
  assert.ok(start, messages.join('|'));
  assert.match(start ?? '', /^<29>.*x0tta6bl4\[\d+\]: x0tta6bl4 \S+ starting/);
  assert.ok(messages.some((m) => /^<29>.*SIGTERM: stopping$/.test(m)), messages.join('|'));
  removeTree(dir);
});

t('SIGHUP with a broken config keeps the last good one; a good one is applied', async () => {
  const host = getHost();
  const dir = tempDir('hup');
  const conf = `${dir}/x0tta6bl4`;
  host.files.writeAtomic(conf, "config agent 'agent'\n\toption cycle_ms '300'\n");
  const script = [
    `${q(binary)} --config ${q(conf)} agent --state-dir ${q(`${dir}/state`)} --syslog 0 & pid=$!`,
    'sleep 0.5',
    `printf "config agent\\n\\toption cycle_ms 'oops\\n" > ${q(conf)}`,
    'kill -HUP $pid; sleep 0.3',
    `printf "config agent\\n\\toption log_level 'debug'\\n" > ${q(conf)}`,
    'kill -HUP $pid; sleep 0.3',
    'kill -TERM $pid; wait $pid',
  ].join('\n');
  const r = await host.processes.run(['sh', '-c', script], { timeoutMs: 15000 });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`err reload: ${conf}:2: unterminated single quote; keeping the last good config`));
  assert.match(r.stderr, new RegExp(`notice reload: config ${conf} applied`));
  removeTree(dir);
});

t('a bad invocation is one line and status 2; a missing script for run is status 2', async () => {
  const host = getHost();
  const bad = await host.processes.run([binary, 'agent', '--no-such-option']);
  assert.is(bad.status, 2);
  assert.is(bad.stderr.split('\n')[0], "x0tta6bl4: unknown option '--no-such-option'");
  const run = await host.processes.run([binary, 'run']);
  assert.is(run.status, 2);
  const missing = await host.processes.run([binary, 'run', `/tmp/x0-no-such-script-${host.processes.pid}.js`]);
  assert.is(missing.status, 1);
  assert.is(missing.stderr.trim().split('\n').length, 1);
});

t.run();
