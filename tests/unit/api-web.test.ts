import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loopSources } from '../../runtime/src/agent/api-sources.js';
import { LINKS_MAX } from '../../runtime/src/agent/link-history.js';
import { AlfredClient } from '../../runtime/src/alfred/client.js';
import { createAgentApi } from '../../runtime/src/api/agent-api.js';
import { createApiHandler } from '../../runtime/src/api/http-routes.js';
import { ubusMethodTable } from '../../runtime/src/api/ubus-object.js';
import { DASHBOARD_CSP, dashboardBytes, webAssets } from '../../runtime/src/api/web-routes.js';
import type { HttpRequest, HttpResponse } from '../../runtime/src/http/server.js';
import { getHost } from '../../runtime/src/host/index.js';
import { createAgentMetrics } from '../../runtime/src/metrics/agent-metrics.js';
import { utf8Decode, utf8Encode } from '../../runtime/src/netlink/bytes.js';
import { BLOBMSG_TYPE_INT32, type BlobmsgNode } from '../../runtime/src/ubus/blobmsg.js';
import { UBUS_STATUS_INVALID_ARGUMENT, UBUS_STATUS_OK } from '../../runtime/src/ubus/message.js';
import { config, loopHarness, type SynthMesh } from './loop-fixtures.test.js';

const t = suite('api: the dashboard routes and the links method');

const WALL0 = 1_700_000_000_000;
const INV = { object: 'x0tta6bl4', method: 'links', peer: 1 };

/** eth1: aa:..:0a with TQ 200+cycle, unheard in cycle 3; aa:..:0b from cycle 4 on. */
function varyingMesh(cycle: number): SynthMesh {
  return {
    interfaces: [{ ifname: 'eth1', ifindex: 2, rx: cycle, tx: cycle }],
    neighbors: [
      ...(cycle === 3 ? [] : [{ ifname: 'eth1', mac: 'aa:00:00:00:00:0a', tq: 200 + cycle }]),
      ...(cycle >= 4 ? [{ ifname: 'eth1', mac: 'aa:00:00:00:00:0b', tq: 100 }] : []),
    ],
  };
}

function handlerFor(withLoop: boolean, mesh: (c: number) => SynthMesh = varyingMesh) {
  const h = loopHarness({}, mesh);
  const host = getHost();
  const healing = { loop: h.loop, store: null, alfred: new AlfredClient(host, { socketPath: '/nonexistent', timeoutMs: 10 }) };
  const loopView = { isRunning: true, stats: { cycles: 0, lastCycleMs: 1, maxCycleMs: 1, phaseErrors: 0 } };
  const modesSet: string[] = [];
  const sources = withLoop ? loopSources(healing, () => config(), (m) => void modesSet.push(m)) : {};
  const api = createAgentApi({ host, version: '9.9.9', startedMs: 0, loop: loopView, config: () => ({}), sources });
  const metrics = createAgentMetrics({ host, version: '9.9.9', startedMs: 0, loop: loopView });
  const handler = createApiHandler(api, { version: '9.9.9', metrics: metrics.registry });
  const http = async (method: string, target: string, body = '', headers: [string, string][] = []): Promise<HttpResponse & { text: string; headers: Record<string, string> }> => {
    const [path = '', qs = ''] = target.split('?');
    const query = new Map(qs ? qs.split('&').map((kv) => kv.split('=') as [string, string]) : []);
    const bytes = utf8Encode(body);
    const req: HttpRequest = { method, target, path, query, minor: 1, headers: new Map(headers), contentLength: bytes.length, keepAlive: false, body: bytes, remote: null };
    const res = await handler(req);
    const out = res.body ?? '';
    return { ...res, headers: res.headers ?? {}, text: typeof out === 'string' ? out : utf8Decode(out) };
  };
  return { h, http, ubus: ubusMethodTable(api), modesSet };
}

t('GET /api/links: a shared time axis and each link aligned to its end, gaps as null, newest last', async () => {
  const s = handlerFor(true);
  await s.h.cycles(6);
  const r = await s.http('GET', '/api/links');
  assert.is(r.status, 200);
  const j = JSON.parse(r.text);
  // Six snapshots, one a second: the monitor's clock is the harness's (1,001,000 ms on).
  assert.equal(j.times_ms, [1, 2, 3, 4, 5, 6].map((c) => WALL0 + 1_000_000 + c * 1000));
  assert.is(j.mesh_interface, 'bat0');
  assert.is(j.algorithm, 'BATMAN_IV');
  const byNeighbor = Object.fromEntries(j.links.map((l: { neighbor: string }) => [l.neighbor, l]));
  assert.equal(byNeighbor['aa:00:00:00:00:0a'].values, [201, 202, null, 204, 205, 206]);
  assert.is(byNeighbor['aa:00:00:00:00:0a'].metric, 'tq');
  assert.is(byNeighbor['aa:00:00:00:00:0a'].live, true);
  // Seen from cycle 4: three samples, the last three of the axis.
  assert.equal(byNeighbor['aa:00:00:00:00:0b'].values, [100, 100, 100]);
  // samples=2: the two newest of each.
  const two = JSON.parse((await s.http('GET', '/api/links?samples=2')).text);
  assert.equal(two.times_ms, j.times_ms.slice(-2));
  assert.equal(two.links.map((l: { values: unknown[] }) => l.values.length), [2, 2]);
});

t('links: at most 32 links and 120 samples; bad arguments refused over HTTP and ubus', async () => {
  const many = (cycle: number): SynthMesh => ({
    interfaces: [{ ifname: 'eth1', ifindex: 2, rx: cycle, tx: cycle }],
    neighbors: Array.from({ length: 40 }, (_, i) => ({ ifname: 'eth1', mac: `aa:00:00:00:01:${i.toString(16).padStart(2, '0')}`, tq: 150 })),
  });
  const s = handlerFor(true, many);
  await s.h.cycles(125);
  const full = await s.http('GET', '/api/links?samples=120');
  const j = JSON.parse(full.text);
  assert.is(j.links.length, LINKS_MAX);
  assert.is(j.times_ms.length, 120);
  assert.ok(j.links.every((l: { values: unknown[] }) => l.values.length === 120));
  // The largest answer: 32 links of 120 TQ samples.
  assert.ok(full.text.length < 24 * 1024, `${full.text.length} bytes`);
  for (const bad of ['0', '121', 'x']) {
    const r = await s.http('GET', `/api/links?samples=${bad}`);
    assert.is(r.status, 400, bad);
    assert.match(JSON.parse(r.text).message, /"samples" must be an integer ≥ 1 and ≤ 120/);
  }
  const m = s.ubus.links;
  assert.ok(m);
  if (!m) return;
  assert.equal(m.signature, { samples: BLOBMSG_TYPE_INT32 });
  const int = (value: number): BlobmsgNode => ({ type: BLOBMSG_TYPE_INT32, name: 'samples', value });
  assert.is((await m.handler([int(5)], INV)).status, UBUS_STATUS_OK);
  assert.is((await m.handler([int(500)], INV)).status, UBUS_STATUS_INVALID_ARGUMENT);
  // Without the loop there is no history: 501, as for the other loop-owned methods.
  assert.is((await handlerFor(false).http('GET', '/api/links')).status, 501);
});

t('the node summary names our interfaces, so the others can tell which heard MAC is us', async () => {
  const mesh = (cycle: number): SynthMesh => ({
    interfaces: [
      { ifname: 'eth1', ifindex: 2, rx: cycle, tx: cycle, mac: '02:00:00:00:01:01' },
      { ifname: 'eth2', ifindex: 3, rx: cycle, tx: cycle, mac: '02:00:00:00:01:02' },
    ],
    neighbors: [{ ifname: 'eth1', mac: 'aa:00:00:00:00:0a' }],
  });
  const s = handlerFor(true, mesh);
  await s.h.cycles(2);
  const summary = s.h.loop.summary();
  assert.equal(summary.ifs, ['020000000101', '020000000102']);
  assert.equal(summary.heard, [['aa000000000a', 100]]);
});

t('GET /: the dashboard page, its script and style, with content types, CSP and nosniff', async () => {
  const s = handlerFor(false);
  const want: [string, string, RegExp][] = [
    ['/', 'text/html; charset=utf-8', /<script src="\/render.js" defer><\/script>/],
    ['/index.html', 'text/html; charset=utf-8', /<title>x0tta6bl4/],
    ['/render.js', 'text/javascript; charset=utf-8', /^var X0Render\s*=/],
    ['/dashboard.js', 'text/javascript; charset=utf-8', /X0Render/],
    ['/dashboard.css', 'text/css; charset=utf-8', /\.x0-badge/],
  ];
  for (const [path, type, body] of want) {
    const r = await s.http('GET', path);
    assert.is(r.status, 200, path);
    assert.is(r.headers['content-type'], type, path);
    assert.is(r.headers['content-security-policy'], DASHBOARD_CSP, path);
    assert.is(r.headers['x-content-type-options'], 'nosniff', path);
    assert.match(r.text, body, path);
  }
  assert.match(DASHBOARD_CSP, /default-src 'none'/);
  assert.match(DASHBOARD_CSP, /script-src 'self'/);
  assert.not.match(DASHBOARD_CSP, /unsafe/);
});

t('dashboard: unknown paths 404, other methods 405; no inline code and no other origin in the files', async () => {
  const s = handlerFor(false);
  for (const path of ['/nope.js', '/render.js.map', '/../render.js', '/dashboard', '/favicon.ico']) {
    const r = await s.http('GET', path);
    assert.is(r.status, 404, path);
    assert.is(r.headers['content-type'], 'application/json', path);
  }
  const post = await s.http('POST', '/');
  assert.is(post.status, 405);
  assert.is(post.headers.allow, 'GET, HEAD');
  const html = (await s.http('GET', '/')).text;
  assert.not.match(html, /<script>|<style>| on\w+=|style=/, 'inline code or style would break the CSP');
  for (const path of ['/', '/render.js', '/dashboard.js', '/dashboard.css']) {
    const text = (await s.http('GET', path)).text;
    // The SVG namespace is a name, not a request; nothing else may name another origin.
    assert.not.match(text.replaceAll('http://www.w3.org/2000/svg', ''), /https?:\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}\//i, path);
  }
});

t('a POST without Content-Type: application/json is refused (a cross-origin page can send one without a preflight)', async () => {
  const s = handlerFor(true);
  await s.h.cycles(1);
  for (const type of [[], [['content-type', 'text/plain;charset=UTF-8']], [['content-type', 'application/x-www-form-urlencoded']]] as [string, string][][]) {
    const r = await s.http('POST', '/api/mode', '{"set":"off"}', type);
    assert.is(r.status, 415, JSON.stringify(type));
  }
  assert.equal(s.modesSet, [], 'the mode was not touched');
  const ok = await s.http('POST', '/api/mode', '{"set":"off"}', [['content-type', 'application/json; charset=utf-8']]);
  assert.is(ok.status, 200);
  assert.equal(s.modesSet, ['off']);
});

t('dashboard: small, and the same bytes as runtime/web/ (served from memory)', () => {
  const assets = webAssets();
  assert.equal([...assets.keys()].sort(), ['/', '/dashboard.css', '/dashboard.js', '/render.js']);
  const total = dashboardBytes(assets);
  assert.ok(total < 32 * 1024, `${total} bytes`);
  assert.ok(total > 4 * 1024, `${total} bytes`);
  // A file of another type in the web folder is not served.
  assert.equal([...webAssets({ 'a.js': 'x', 'notes.txt': 'y' }).keys()], ['/a.js']);
  assert.equal(utf8Decode(webAssets({ 'index.html': 'é' }).get('/')?.body ?? new Uint8Array()), 'é');
  assert.is(utf8Encode('é').length, 2);
});

t.run();
