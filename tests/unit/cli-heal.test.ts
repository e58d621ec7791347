// `x0tta6bl4 heal` against an agent API over HTTP (no ubusd here) whose loop runs on a
// scripted mesh: readable output, --json, --dry-run and the exit codes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loopSources } from '../../runtime/src/agent/api-sources.js';
import { AlfredClient } from '../../runtime/src/alfred/client.js';
import { createAgentApi } from '../../runtime/src/api/agent-api.js';
import { createApiHandler } from '../../runtime/src/api/http-routes.js';
import { runCli } from '../../runtime/src/cli/main.js';
import { getHost, type Host } from '../../runtime/src/host/index.js';
import { HttpServer } from '../../runtime/src/http/server.js';
import { createAgentMetrics } from '../../runtime/src/metrics/agent-metrics.js';
import { config, loopHarness, twoInterfaceMesh } from './loop-fixtures.test.js';

const t = suite('cli: heal against a running agent');

const mesh = twoInterfaceMesh;

const h = loopHarness({}, mesh);
let server: HttpServer | null = null;
let address = '';

t.before(async () => {
  await h.cycles(3);
  const host = getHost();
  const loopView = { isRunning: true, stats: { cycles: 3, lastCycleMs: 1, maxCycleMs: 1, phaseErrors: 0 } };
  const sources = loopSources({ loop: h.loop, store: null, alfred: new AlfredClient(host, { socketPath: '/nonexistent', timeoutMs: 10 }) }, () => config(), () => {});
  const api = createAgentApi({ host, version: '9.9.9', startedMs: 0, loop: loopView, config: () => ({}), sources });
  const metrics = createAgentMetrics({ host, version: '9.9.9', startedMs: 0, loop: loopView });
  server = await HttpServer.listen({ family: 'inet', host: '127.0.0.1', port: 0 }, createApiHandler(api, { version: '9.9.9', metrics: metrics.registry }));
  address = `127.0.0.1:${server.address.family === 'inet' ? server.address.port : 0}`;
});

t.after(() => {
  server?.close();
});

const cli = async (...argv: string[]) => {
  const base = getHost();
  let out = '';
  let err = '';
  const host: Host = { ...base, stdout: { write: (s) => void (out += s) }, stderr: { write: (s) => void (err += s) } };
  const code = await runCli(host, ['--config', '/dev/null', '--ubus', '0', '--http', address, 'heal', ...argv]);
  return { code, out, err };
};

t('a manual action: readable, exit 0; the same again is refused by the cooldown: exit 1', async () => {
  const r = await cli('--action', 'hop-penalty-raise', '--target', 'eth1');
  assert.is(r.code, 0, r.err);
  const audit = h.audits.at(-1)?.id ?? '?';
  assert.is(
    r.out,
    [
      'done: set-hop-penalty if:eth1',
      '  plan      operator: make routes avoid eth1 (hop penalty 0 -> 30) (verified, rolled back if worse)',
      '  result    hop eth1 30',
      '  mode      auto',
      `  audit     ${audit}`,
      '',
    ].join('\n'),
  );
  const again = await cli('--action', 'hop-penalty-raise', '--target', 'eth1', '--json');
  assert.is(again.code, 1);
  const json = JSON.parse(again.out);
  assert.is(json.result, 'refused');
  assert.match(json.detail, /^cooldown: if:eth1 was changed/);
  assert.is(typeof json.audit_id, 'string');
  assert.is(h.actuator.calls.length, 1);
});

t('--dry-run: planned, nothing changed, exit 0', async () => {
  const r = await cli('--action', 'restart-interface', '--target', 'eth2', '--dry-run');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /^planned \(dry run: nothing changed\): restart-interface if:eth2\n/);
  assert.match(r.out, /\n {2}result {4}dry run: the checks allow it now\n/);
  assert.not.match(r.out, /audit/);
  assert.is(h.actuator.calls.filter((c) => c.op === 'restart').length, 0);
});

t('the agent says no: exit 1 and one line', async () => {
  const r = await cli('--incident', 'inc-none-1');
  assert.is(r.code, 1);
  assert.is(r.out, '');
  assert.is(r.err, "x0tta6bl4: heal: no incident inc-none-1 (open ones: x0tta6bl4 incidents --open)\n");
  const target = await cli('--action', 'restart-interface', '--target', 'wan', '--json');
  assert.is(target.code, 1);
  assert.match(target.err, /^x0tta6bl4: heal: 'wan' is not a hard interface of bat0/);
});

t('usage errors: exit 2, nothing asked', async () => {
  const calls = h.actuator.calls.length;
  for (const argv of [
    [],
    ['--target', 'eth1'],
    ['--action', 'restart-interface'],
    ['--incident', 'inc-1', '--action', 'restart-interface', '--target', 'eth1'],
    ['--action', 'reboot', '--target', 'eth1'],
    ['--incident', ''],
    ['eth1'],
  ]) {
    const r = await cli(...argv);
    assert.is(r.code, 2, argv.join(' '));
    assert.match(r.err, /^x0tta6bl4: /);
  }
  const kinds = await cli('--action', 'reboot', '--target', 'eth1');
  assert.match(kinds.err, /^x0tta6bl4: heal: unknown action 'reboot' \(valid: hop-penalty-raise, hop-penalty-restore, restart-interface, gateway-off, gateway-server\)\n/);
  assert.is(h.actuator.calls.length, calls);
});

t.run();
