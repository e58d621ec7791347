// `heal` over both transports, wired as the agent wires it (loopSources over a whole
// loop on a manual clock): HTTP POST / GET with dry_run, ubus, statuses and the JSON.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loopSources } from '../../runtime/src/agent/api-sources.js';
import { AlfredClient } from '../../runtime/src/alfred/client.js';
import { createAgentApi } from '../../runtime/src/api/agent-api.js';
import { createApiHandler } from '../../runtime/src/api/http-routes.js';
import { ubusMethodTable } from '../../runtime/src/api/ubus-object.js';
import type { HttpRequest } from '../../runtime/src/http/server.js';
import { getHost } from '../../runtime/src/host/index.js';
import { createAgentMetrics } from '../../runtime/src/metrics/agent-metrics.js';
import { utf8Encode } from '../../runtime/src/netlink/bytes.js';
import { BLOBMSG_TYPE_BOOL, BLOBMSG_TYPE_STRING, type BlobmsgNode } from '../../runtime/src/ubus/blobmsg.js';
import { UBUS_STATUS_INVALID_ARGUMENT, UBUS_STATUS_NOT_FOUND, UBUS_STATUS_OK } from '../../runtime/src/ubus/message.js';
import { config, loopHarness, twoInterfaceMesh } from './loop-fixtures.test.js';

const t = suite('api: heal over HTTP and ubus');

const mesh = twoInterfaceMesh;

async function setup() {
  const h = loopHarness({}, mesh);
  await h.cycles(3);
  const host = getHost();
  const healing = { loop: h.loop, store: null, alfred: new AlfredClient(host, { socketPath: '/nonexistent', timeoutMs: 10 }) };
  const loopView = { isRunning: true, stats: { cycles: 3, lastCycleMs: 1, maxCycleMs: 1, phaseErrors: 0 } };
  const sources = loopSources(healing, () => config(), () => {});
  const api = createAgentApi({ host, version: '9.9.9', startedMs: 0, loop: loopView, config: () => ({}), sources });
  const metrics = createAgentMetrics({ host, version: '9.9.9', startedMs: 0, loop: loopView });
  const handler = createApiHandler(api, { version: '9.9.9', metrics: metrics.registry });
  const http = async (method: 'GET' | 'POST', target: string, body?: unknown) => {
    const [path = '', qs = ''] = target.split('?');
    const query = new Map(qs ? qs.split('&').map((kv) => kv.split('=') as [string, string]) : []);
    const bytes = utf8Encode(body === undefined ? '' : JSON.stringify(body));
    const req: HttpRequest = { method, target, path, query, minor: 1, headers: new Map([['content-type', 'application/json']]), contentLength: bytes.length, keepAlive: false, body: bytes, remote: null };
    const res = await handler(req);
    return { status: res.status, json: JSON.parse(String(res.body)) };
  };
  return { h, http, ubus: ubusMethodTable(api) };
}

t('POST /api/heal runs a manual action: the plan, the result and the audit record id', async () => {
  const s = await setup();
  const r = await s.http('POST', '/api/heal', { action: 'hop-penalty-raise', target: 'eth1' });
  assert.is(r.status, 200);
  const audit = s.h.audits.at(-1);
  assert.ok(audit);
  assert.equal(r.json, {
    dry_run: false,
    mode: 'auto',
    result: 'done',
    detail: 'hop eth1 30',
    incident: null,
    action: {
      kind: 'set-hop-penalty',
      target: 'if:eth1',
      policy: 'operator',
      reason: 'operator: make routes avoid eth1 (hop penalty 0 -> 30)',
      params: { kind: 'set-hop-penalty', ifname: 'eth1', from: 0, to: 30 },
      reversible: true,
      restoring: false,
    },
    audit_id: audit.id,
  });
  const actions = await s.http('GET', '/api/actions?limit=1');
  assert.is(actions.json.actions[0].id, audit.id);
  assert.is(actions.json.actions[0].origin, 'operator');
  assert.is(actions.json.actions[0].incident, null);
});

t('GET /api/heal needs dry_run; the dry run plans and changes nothing', async () => {
  const s = await setup();
  const get = await s.http('GET', '/api/heal?action=restart-interface&target=eth2');
  assert.is(get.status, 405);
  const dry = await s.http('GET', '/api/heal?action=restart-interface&target=eth2&dry_run=1');
  assert.is(dry.status, 200);
  assert.is(dry.json.result, 'planned');
  assert.is(dry.json.dry_run, true);
  assert.is(dry.json.audit_id, null);
  assert.is(dry.json.action.params.ifname, 'eth2');
  assert.is(s.h.actuator.calls.length, 0);
  assert.is(s.h.audits.length, 0);
});

t('bad requests: 400 with the valid kinds, 404 for an unknown incident, 400 for a mix', async () => {
  const s = await setup();
  const kind = await s.http('POST', '/api/heal', { action: 'reboot', target: 'eth1' });
  assert.is(kind.status, 400);
  assert.is(kind.json.error, 'invalid_argument');
  assert.match(kind.json.message, /valid: hop-penalty-raise, hop-penalty-restore, restart-interface, gateway-off, gateway-server/);
  const target = await s.http('POST', '/api/heal', { action: 'restart-interface', target: 'wan' });
  assert.is(target.status, 400);
  assert.match(target.json.message, /'wan' is not a hard interface of bat0/);
  const unknown = await s.http('POST', '/api/heal', { incident: 'inc-none-1' });
  assert.is(unknown.status, 404);
  assert.is(unknown.json.error, 'not_found');
  assert.is((await s.http('POST', '/api/heal', { incident: 'x', target: 'eth1' })).status, 400);
  assert.is((await s.http('POST', '/api/heal', { action: 'gateway-off' })).status, 400);
  assert.is(s.h.actuator.calls.length, 0);
});

t('ubus heal: the same JSON; refused is an answer (status 0), bad arguments are statuses', async () => {
  const s = await setup();
  const inv = { object: 'x0tta6bl4', method: 'heal', peer: 1 };
  const str = (name: string, value: string): BlobmsgNode => ({ type: BLOBMSG_TYPE_STRING, name, value });
  assert.equal(s.ubus.heal?.signature, { incident: 3, action: 3, target: 3, dry_run: 7 });
  const done = await s.ubus.heal!.handler([str('action', 'restart-interface'), str('target', 'eth1')], inv);
  assert.is(done.status, UBUS_STATUS_OK);
  assert.is(done.data?.result, 'done');
  assert.is(done.data?.audit_id, s.h.audits.at(-1)?.id);
  const cooling = await s.ubus.heal!.handler([str('action', 'restart-interface'), str('target', 'eth1'), { type: BLOBMSG_TYPE_BOOL, name: 'dry_run', value: 1 }], inv);
  assert.is(cooling.status, UBUS_STATUS_OK);
  assert.is(cooling.data?.result, 'refused');
  assert.match(String(cooling.data?.detail), /^cooldown: if:eth1/);
  const bad = await s.ubus.heal!.handler([str('action', 'reboot'), str('target', 'eth1')], inv);
  assert.is(bad.status, UBUS_STATUS_INVALID_ARGUMENT);
  assert.match(String(bad.data?.error), /unknown action 'reboot'/);
  assert.is((await s.ubus.heal!.handler([str('incident', 'inc-none-1')], inv)).status, UBUS_STATUS_NOT_FOUND);
});

t.run();
