// node-only: the LuCI view of luci-app-x0tta6bl4 in Chromium, under LuCI's module conventions.
/// <reference types="node" />
/**
 * The view and its render module are taken from the package as built
 * (luciPackage), served at LuCI's paths, and loaded by tests/browser/luci-shim.js,
 * which has the shapes of LuCI's loader, view, rpc, poll, dom, ui and E; its rpc
 * reaches the live agent through the agent's HTTP API (the same method table as
 * its ubus object).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { luciPackage } from '../../packages-openwrt/src/packages.js';
import { api, launchChromium, type PageGlobals, type LiveAgent, root, shot, startAgent, watch } from './support.js';

const t = suite('LuCI view in Chromium: a live agent on a host without batman-adv');

const HARNESS = `<!doctype html><html><head><meta charset="utf-8"><title>LuCI harness</title></head>
<body><div id="maincontent"><div id="notifications"></div><div id="view"></div><div id="modal"></div></div>
<script src="/luci-shim.js"></script><script>L.require('view.x0tta6bl4.status');</script></body></html>`;

function packagedFiles(): Map<string, Uint8Array> {
  const spec = luciPackage({
    binary: new Uint8Array(0),
    version: '0.0.0',
    release: 1,
    arch: 'all',
    initScript: '',
    uciDefaults: '',
    luciView: readFileSync(join(root, 'packages-openwrt/luci/status.js'), 'utf8'),
    renderJs: readFileSync(join(root, 'runtime/web/render.js'), 'utf8'),
  });
  return new Map(spec.files.filter((f) => f.path.startsWith('www/')).map((f) => [`/${f.path.slice('www/'.length)}`, f.data]));
}

let browser: Browser;
let agent: LiveAgent;
let server: Server;
let base: string;

t.before(async () => {
  agent = await startAgent();
  const files = packagedFiles();
  const shim = readFileSync(join(root, 'tests/browser/luci-shim.js'));
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(HARNESS);
    if (path === '/luci-shim.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(shim);
    const file = files.get(path);
    if (file) return res.writeHead(200, { 'content-type': 'text/javascript' }).end(file);
    if (path.startsWith('/api/')) {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        fetch(`${agent.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) })
          .then(async (r) => res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text()))
          // As ubus answers when the object is not registered.
          .catch(() => res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found","message":"Object not found"}'));
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  browser = await launchChromium();
});

t.after(async () => {
  await browser?.close();
  await agent?.stop();
  server?.close();
});

async function open(): Promise<{ page: Page; rec: ReturnType<typeof watch> }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const rec = watch(page, base);
  await page.goto(`${base}/`);
  await page.waitForSelector('body[data-view="rendered"]', { timeout: 10_000 });
  return { page, rec };
}

type Harness = { polls: number[]; modals: string[]; notifications: string[]; errors: string[]; calls: string[] };
const harness = (page: Page) => page.evaluate(() => (globalThis as unknown as { HARNESS: Harness }).HARNESS);

t('the view loads as a LuCI module, registers a 5 s poll and renders the agent\'s state', async () => {
  const { page, rec } = await open();
  try {
    const h = await harness(page);
    assert.equal(h.errors, []);
    assert.equal(h.polls, [5]);
    assert.equal([...new Set(h.calls)].sort(), ['x0tta6bl4.actions', 'x0tta6bl4.incidents', 'x0tta6bl4.links', 'x0tta6bl4.mesh', 'x0tta6bl4.neighbors', 'x0tta6bl4.originators', 'x0tta6bl4.status']);
    const view = (await page.locator('#view').textContent()) ?? '';
    assert.match(view, /Mesh self-healing/);
    assert.match((await page.locator('#x0-health-box').textContent()) ?? '', /Health\s*degraded/);
    assert.match((await page.locator('#x0-health-box').textContent()) ?? '', /batman-adv bat0 is absent/);
    assert.match((await page.locator('#x0-neighbors-box').textContent()) ?? '', /No neighbours: batman-adv bat0 is absent/);
    assert.match((await page.locator('#x0-incidents-box').textContent()) ?? '', /No open incidents/);
    assert.match((await page.locator('#x0-topology-box').textContent()) ?? '', /No mesh view: alfred/);
    assert.is(await page.locator('#x0-mode').inputValue(), 'auto');
    await shot(page, 'luci-local.png');
    assert.equal(rec.errors, []);
    assert.equal(rec.foreign, []);
  } finally {
    await page.close();
  }
});

t('the mode switch calls mode over rpc and the agent changes mode', async () => {
  const { page } = await open();
  try {
    await page.locator('#x0-mode').selectOption('off');
    await page.waitForFunction(() => /Mode\s*off/.test((globalThis as unknown as PageGlobals).document.getElementById('x0-health-box')?.textContent ?? ''), null, { timeout: 5000 });
    assert.is((await api(agent.url, 'mode')).mode, 'off');
    await page.locator('#x0-mode').selectOption('auto');
    await page.waitForFunction(() => /Mode\s*auto/.test((globalThis as unknown as PageGlobals).document.getElementById('x0-health-box')?.textContent ?? ''), null, { timeout: 5000 });
    assert.is((await api(agent.url, 'mode')).mode, 'auto');
    assert.equal((await harness(page)).notifications, []);
  } finally {
    await page.close();
  }
});

t('a heal request the agent refuses is shown in a modal with its reason', async () => {
  const { page } = await open();
  try {
    // No incident exists here: the view's handler reports the agent's answer.
    const answer = await page.evaluate(async () => {
      const v = (await (globalThis as unknown as { L: { require(n: string): Promise<{ prototype?: unknown }> } }).L.require('view.x0tta6bl4.status')) as unknown as { handleHeal(id: string, dry: boolean): Promise<void> };
      await v.handleHeal('inc-none-1', true);
      return (globalThis as unknown as PageGlobals).document.getElementById('modal')?.textContent ?? '';
    });
    assert.match(answer, /Dry run of a heal/);
    assert.match(answer, /Heal inc-none-1: heal: no incident inc-none-1/);
  } finally {
    await page.close();
  }
});

t('when the agent is gone the view says so on the next poll', async () => {
  const { page } = await open();
  try {
    await agent.stop();
    await page.waitForFunction(() => /The agent: Object not found/.test((globalThis as unknown as PageGlobals).document.getElementById('x0-health-box')?.textContent ?? ''), null, { timeout: 12_000 });
    assert.equal((await harness(page)).errors, []);
  } finally {
    await page.close();
  }
});

t.run();
