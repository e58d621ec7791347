import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAgentApi, type LoopSources } from '../../runtime/src/api/agent-api.js';
import { createApiHandler } from '../../runtime/src/api/http-routes.js';
import { ubusMethodTable } from '../../runtime/src/api/ubus-object.js';
import type { AgentMode } from '../../runtime/src/api/types.js';
import { getHost } from '../../runtime/src/host/index.js';
import { HttpServer } from '../../runtime/src/http/server.js';
import type { MeshSnapshot } from '../../runtime/src/mesh/snapshot.js';
import { createAgentMetrics } from '../../runtime/src/metrics/agent-metrics.js';
import { utf8Decode, utf8Encode } from '../../runtime/src/netlink/bytes.js';
import { BLOBMSG_TYPE_INT8, BLOBMSG_TYPE_STRING, BLOBMSG_TYPE_UNSPEC, type BlobmsgNode } from '../../runtime/src/ubus/blobmsg.js';
import { UBUS_STATUS_INVALID_ARGUMENT, UBUS_STATUS_NOT_SUPPORTED, UBUS_STATUS_OK } from '../../runtime/src/ubus/message.js';
import { waitFor } from '../support/tmp.js';

const t = suite('api: one method table behind HTTP and ubus');

function snapshot(state: MeshSnapshot['state']): MeshSnapshot {
  return {
    meshIfname: 'bat0', state, reason: state === 'up' ? null : 'no such interface', takenAtMs: 0, durationMs: 1, mesh: null,
    hardInterfaces: [{ ifindex: 3, ifname: 'eth1', address: null, active: true, hopPenalty: null, elpIntervalMs: null, throughputOverrideKbit: null }],
    neighbors: [{ neighbor: '02:00:00:00:00:02', ifindex: 3, ifname: 'eth1', lastSeenMs: 120, throughputKbit: 54000 }],
    originators: [], bestRoutes: [], gateways: [], links: [],
  };
}

function setup(sources: LoopSources = {}) {
  const host = getHost();
  const loop = { isRunning: true, stats: { cycles: 7, lastCycleMs: 1.25, maxCycleMs: 3, phaseErrors: 0 } };
  let state: MeshSnapshot['state'] = 'up';
  const snap = async () => snapshot(state);
  const api = createAgentApi({ host, version: '9.9.9', startedMs: host.clock.monotonicMs(), loop, config: () => ({ mesh_interface: 'bat0' }), snapshot: snap, sources });
  const metrics = createAgentMetrics({ host, version: '9.9.9', startedMs: host.clock.monotonicMs(), loop, snapshot: snap, ...(sources.mode && { mode: sources.mode.get }) });
  const handler = createApiHandler(api, { version: '9.9.9', metrics: metrics.registry });
  return { api, handler, loop, metrics, setState: (s: MeshSnapshot['state']) => (state = s) };
}

async function get(port: number, path: string, method = 'GET', body = ''): Promise<{ status: number; type: string; body: string }> {
  const sock = await getHost().net.connect({ family: 'inet', host: '127.0.0.1', port });
  let text = '';
  let closed = false;
  sock.onData((c) => (text += utf8Decode(c)));
  sock.onClose(() => (closed = true));
  sock.write(utf8Encode(`${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
  await waitFor(() => closed);
  const [head = '', rest = ''] = text.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), type: /content-type: ([^\r]*)/.exec(head)?.[1] ?? '', body: rest };
}

t('GET /health: 200 ok; 503 degraded with the reason when batman-adv is gone or the loop stopped', async () => {
  const s = setup();
  const srv = await HttpServer.listen({ family: 'inet', host: '127.0.0.1', port: 0 }, s.handler);
  const port = srv.address.family === 'inet' ? srv.address.port : 0;
  try {
    assert.equal(await get(port, '/health'), { status: 200, type: 'application/json', body: '{"status":"ok","version":"9.9.9"}\n' });
    s.setState('absent');
    const bad = await get(port, '/health');
    assert.is(bad.status, 503);
    assert.equal(JSON.parse(bad.body), { status: 'degraded', version: '9.9.9', reasons: ['batman-adv bat0 is absent: no such interface'] });
    s.setState('up');
    s.loop.isRunning = false;
    assert.ok((await get(port, '/health')).body.includes('the main loop is not running'));
    s.loop.isRunning = true;
    assert.is((await get(port, '/health')).status, 200);
  } finally {
    srv.close();
  }
});

t('GET /metrics, /api/<method>: JSON and errors with the right statuses', async () => {
  let mode: AgentMode = 'advise';
  const s = setup({ mode: { get: () => mode, set: (m) => (mode = m) } });
  const srv = await HttpServer.listen({ family: 'inet', host: '127.0.0.1', port: 0 }, s.handler);
  const port = srv.address.family === 'inet' ? srv.address.port : 0;
  try {
    const m = await get(port, '/metrics');
    assert.is(m.type, 'text/plain; version=0.0.4; charset=utf-8');
    assert.ok(m.body.includes('x0tta6bl4_batadv_neighbor_throughput_kbits{mesh="bat0",neighbor="02:00:00:00:00:02",ifname="eth1"} 54000'));
    assert.ok(m.body.includes('x0tta6bl4_mode{mode="advise"} 1'));
    const st = JSON.parse((await get(port, '/api/status')).body);
    assert.is(st.version, '9.9.9');
    assert.is(st.mode, 'advise');
    assert.is(st.loop.cycles, 7);
    assert.is(st.batman_adv.neighbors, 1);
    assert.is((await get(port, '/api/neighbors')).body.includes('"throughput_kbit":54000'), true);
    assert.is((await get(port, '/api/incidents?limit=5')).status, 501);
    assert.is((await get(port, '/api/incidents?limit=0')).status, 400);
    assert.is((await get(port, '/api/incidents?bogus=1')).status, 400);
    assert.is((await get(port, '/api/mode?set=off')).status, 405);
    assert.equal(JSON.parse((await get(port, '/api/mode', 'POST', '{"set":"off"}')).body), { mode: 'off' });
    assert.is((await get(port, '/api/mode', 'POST', '{"set":"sideways"}')).status, 400);
    assert.is((await get(port, '/api/nosuch')).status, 404);
    assert.is((await get(port, '/nowhere')).status, 404);
    assert.is((await get(port, '/api/heal', 'POST', '{"incident":"x","action":"y"}')).status, 400);
  } finally {
    srv.close();
  }
});

t('ubus methods: same JSON; ubus_rpc_session ignored, nulls tolerated, INT8 accepted as an integer', async () => {
  const seen: unknown[] = [];
  const s = setup({
    incidents: async (q) => {
      seen.push(q);
      return [{ id: 'i1' }];
    },
  });
  const table = ubusMethodTable(s.api);
  // since carries ms since the epoch: INT64 (4), not INT32 (5).
  assert.equal(table.incidents?.signature, { since: 4, limit: 5, open: 7 });
  const inv = { object: 'x0tta6bl4', method: 'incidents', peer: 1 };
  const args: BlobmsgNode[] = [
    { type: BLOBMSG_TYPE_STRING, name: 'ubus_rpc_session', value: '0123' },
    { type: BLOBMSG_TYPE_INT8, name: 'limit', value: 3 },
    { type: BLOBMSG_TYPE_UNSPEC, name: 'since', value: null },
    { type: BLOBMSG_TYPE_INT8, name: 'open', value: 1 },
  ];
  assert.equal(await table.incidents!.handler(args, inv), { status: UBUS_STATUS_OK, data: { incidents: [{ id: 'i1' }] } });
  assert.equal(seen, [{ limit: 3, open: true }]);
  const bad = await table.incidents!.handler([{ type: BLOBMSG_TYPE_STRING, name: 'limit', value: 'many' }], inv);
  assert.is(bad.status, UBUS_STATUS_INVALID_ARGUMENT);
  assert.ok(String(bad.data?.error).includes('limit'));
  assert.is((await table.actions!.handler([], inv)).status, UBUS_STATUS_NOT_SUPPORTED);
  const viaUbus = await table.neighbors!.handler([], inv);
  const viaHttp = await s.handler({ method: 'GET', target: '/api/neighbors', path: '/api/neighbors', query: new Map(), minor: 1, headers: new Map(), contentLength: 0, keepAlive: false, body: new Uint8Array(0), remote: null });
  assert.equal(JSON.parse(String(viaHttp.body)), viaUbus.data);
});

t.run();
