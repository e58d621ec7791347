import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../runtime/src/cli/main.js';
import { formatLogLine } from '../../runtime/src/host/log-format.js';
import { getHost, type Host, type SignalName } from '../../runtime/src/host/index.js';
import { removeTree, tempDir, waitFor } from '../support/tmp.js';

/** The current host, with logs captured and signals delivered by the test. */
function controlledHost(): { host: Host; lines: string[]; raise: (s: SignalName) => void; syslog: () => string | null } {
  const base = getHost();
  const lines: string[] = [];
  const handlers = new Map<SignalName, () => void>();
  let ident: string | null = null;
  const host: Host = {
    ...base,
    stderr: { write: (s) => void lines.push(`stderr ${s.trim()}`) },
    logger: { log: (l, m) => void lines.push(`${l} ${m}`), openSyslog: (i) => void (ident = i) },
    signals: { on: (s, h) => void handlers.set(s, h) },
  };
  return { host, lines, raise: (s) => handlers.get(s)?.(), syslog: () => ident };
}

const t = suite('cli: the agent command');

t('starts, creates its state directory, runs cycles, stops on SIGTERM with 0', async () => {
  const dir = tempDir('agent');
  const c = controlledHost();
  const done = runCli(c.host, ['agent', '--state-dir', `${dir}/state`, '--cycle-ms', '100', '--config', `${dir}/none`]).catch((e) => e);
  // --config names a missing file: that is an error before anything starts.
  assert.is(await done, 1);
  c.lines.length = 0;
  getHost().files.writeAtomic(`${dir}/conf`, "config agent 'agent'\n\toption syslog '1'\n");
  const running = runCli(c.host, ['--config', `${dir}/conf`, 'agent', '--state-dir', `${dir}/state`, '--cycle-ms', '100']);
  await waitFor(() => c.lines.some((l) => l.startsWith('info main loop running every 100 ms')), 2000, 'start');
  assert.match(c.lines[0] ?? '', /^notice x0tta6bl4 \S+ starting \((node|quickjs-ng) /);
  assert.is(c.syslog(), 'x0tta6bl4');
  assert.ok(getHost().files.stat(`${dir}/state`)?.isDirectory);
  await new Promise<void>((r) => getHost().timers.setTimeout(r, 250));
  c.raise('SIGTERM');
  assert.is(await running, 0);
  assert.match(c.lines[c.lines.length - 1] ?? '', /^notice stopped after [1-9]\d* cycles$/);
  removeTree(dir);
});

t('SIGHUP: a broken file keeps the running config, a good one is applied', async () => {
  const dir = tempDir('hup');
  const conf = `${dir}/x0tta6bl4`;
  const files = getHost().files;
  files.writeAtomic(conf, "config agent\n\toption syslog '0'\n");
  const c = controlledHost();
  const running = runCli(c.host, ['--config', conf, 'agent', '--state-dir', `${dir}/state`]);
  await waitFor(() => c.lines.some((l) => l.includes('main loop running')), 2000, 'start');
  assert.is(c.syslog(), null, 'syslog 0 leaves syslog closed');
  files.writeAtomic(conf, "config agent\n\toption log_level 'loud'\n");
  c.raise('SIGHUP');
  assert.ok(c.lines.includes(`err reload: ${conf}:2: log_level: 'loud' is not one of debug, info, notice, warning, err, crit; keeping the last good config`), c.lines.join('\n'));
  files.writeAtomic(conf, "config agent\n\toption log_level 'err'\n");
  c.raise('SIGHUP');
  assert.ok(c.lines.includes(`notice reload: config ${conf} applied`));
  c.raise('SIGINT');
  assert.is(await running, 0);
  // log_level err now filters the notice lines of stopping.
  assert.not.ok(c.lines.some((l) => l.startsWith('notice stopped')));
  removeTree(dir);
});

t('a state directory that cannot be made fails with 1 and says why', async () => {
  const c = controlledHost();
  const code = await runCli(c.host, ['agent', '--state-dir', '/proc/x0tta6bl4-cannot', '--config', '/dev/null']);
  assert.is(code, 1);
  assert.ok(c.lines.some((l) => l.startsWith('err state directory /proc/x0tta6bl4-cannot: ')), c.lines.join('\n'));
});

t('log lines: ISO time, level, message; newlines cannot split a record', () => {
  assert.is(formatLogLine(Date.UTC(2026, 10, 26, 6, 0, 0, 5), 'warning', 'a\nb'), '2026-11-26T06:00:00.005Z warning a\\nb\n');
});

t.run();
