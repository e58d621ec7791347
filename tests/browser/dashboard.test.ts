// node-only: drives Debian's Chromium (playwright-core) against a live agent.
/// <reference types="node" />
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { api, launchChromium, type PageGlobals, type LiveAgent, shot, startAgent, watch } from './support.js';

const t = suite('dashboard in Chromium: a live agent on a host without batman-adv');

let browser: Browser;
let agent: LiveAgent;

t.before(async () => {
  agent = await startAgent();
  browser = await launchChromium();
});

t.after(async () => {
  await browser?.close();
  await agent?.stop();
});

async function open(): Promise<{ page: Page; rec: ReturnType<typeof watch> }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const rec = watch(page, agent.url);
  await page.goto(`${agent.url}/`);
  await page.waitForSelector('body[data-updated]', { timeout: 10_000 });
  return { page, rec };
}

const text = async (page: Page, id: string) => (await page.locator(`#${id}`).textContent()) ?? '';

t('the page renders and says that batman-adv is absent: degraded, no neighbours, no mesh view', async () => {
  const { page, rec } = await open();
  try {
    const health = await text(page, 'health');
    assert.match(health, /Health\s*degraded/);
    assert.match(health, /batman-adv bat0 is absent: no mesh to watch or heal on this node\./);
    assert.match(health, /Mode\s*auto/);
    assert.match(health, /Loop\s*running, \d+ cycles/);
    assert.match(await text(page, 'neighbors'), /No neighbours: batman-adv bat0 is absent/);
    assert.match(await text(page, 'incidents'), /No open incidents/);
    assert.match(await text(page, 'actions'), /No actions yet/);
    // No alfred here: the page says why there is no graph.
    assert.match(await text(page, 'topology'), /No mesh view: alfred: connect/);
    assert.match(await text(page, 'links'), /No link samples yet/);
    assert.is(await page.locator('#mode').inputValue(), 'auto');
    assert.is(await page.locator('#mode').isEnabled(), true);
    await shot(page, 'dashboard-local.png');
    assert.equal(rec.errors, [], 'no script errors and no CSP violations');
    assert.equal(rec.foreign, [], 'no request leaves the agent');
    const files = ['/', '/render.js', '/dashboard.js', '/dashboard.css'].map((p) => rec.bytes.get(p) ?? 0);
    const total = files.reduce((a, b) => a + b, 0);
    assert.ok(files.every((n) => n > 0), JSON.stringify([...rec.bytes]));
    assert.ok(total < 32 * 1024, `${total} bytes for the page's four files`);
    process.stdout.write(`  dashboard: ${total} bytes in 4 files; ${[...rec.bytes.values()].reduce((a, b) => a + b, 0)} bytes with the API answers\n`);
  } finally {
    await page.close();
  }
});

t('the mode switch changes the running agent\'s mode', async () => {
  const { page } = await open();
  try {
    await page.locator('#mode').selectOption('advise');
    await page.waitForFunction(() => /Mode is now advise/.test((globalThis as unknown as PageGlobals).document.getElementById('mode-result')?.textContent ?? ''), null, { timeout: 5000 });
    assert.is((await api(agent.url, 'mode')).mode, 'advise');
    await page.waitForFunction(() => /Mode\s*advise/.test((globalThis as unknown as PageGlobals).document.getElementById('health')?.textContent ?? ''), null, { timeout: 8000 });
    await page.locator('#mode').selectOption('auto');
    await page.waitForFunction(() => /Mode is now auto/.test((globalThis as unknown as PageGlobals).document.getElementById('mode-result')?.textContent ?? ''), null, { timeout: 5000 });
    assert.is((await api(agent.url, 'mode')).mode, 'auto');
  } finally {
    await page.close();
  }
});

t('the CSP holds: an inline script and a request to another origin are blocked', async () => {
  const { page, rec } = await open();
  try {
    const blocked = await page.evaluate(async () => {
      type G = { document: { createElement(t: string): { textContent: string }; body: { appendChild(n: unknown): void } }; fetch(u: string): Promise<unknown>; x0Inline?: number };
      const g = globalThis as unknown as G;
      const s = g.document.createElement('script');
      s.textContent = 'globalThis.x0Inline = 1';
      g.document.body.appendChild(s);
      let fetched = true;
      try {
        await g.fetch('http://127.0.0.2:9/');
      } catch {
        fetched = false;
      }
      return { inline: g.x0Inline === undefined, fetched };
    });
    assert.is(blocked.inline, true, 'the inline script ran');
    assert.is(blocked.fetched, false, 'the request to another origin went out');
    assert.ok(rec.errors.some((e) => /Content Security Policy/.test(e)), rec.errors.join('\n'));
  } finally {
    await page.close();
  }
});

t('names from the mesh are shown as text, never as HTML', async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${agent.url}/`);
    await page.waitForSelector('body[data-updated]');
    // The page's own render functions, with a node whose name is markup.
    const out = await page.evaluate(() => {
      type Svg = { querySelectorAll(s: string): { length: number }; textContent: string | null };
      const R = (globalThis as unknown as { X0Render: { topology(m: unknown, now: number, stale: number): Svg } }).X0Render;
      const now = Date.now();
      const summary = (name: string, heard: [string, number][], ifs: string[]) => ({ v: 1, name, agent: '0.1.0', batman: null, algo: null, mode: 'auto', health: 'ok', open: 0, kinds: [], neighbors: 1, originators: 1, gw: null, actions: 0, t: Math.floor(now / 1000), ms: now, heard, ifs });
      const svg = R.topology({ nodes: [
        { source: '02:00:00:00:00:01', error: null, summary: summary('<img src=x onerror=alert(1)>', [['020000000102', 5]], ['020000000101']) },
        { source: '02:00:00:00:00:02', error: null, summary: summary('n2', [], ['020000000102']) },
      ], error: null }, now, 120000);
      const twins = R.topology({ nodes: [
        { source: '02:00:00:00:00:01', error: null, summary: summary('lab', [], []) },
        { source: '02:00:00:00:00:02', error: null, summary: summary('lab', [], []) },
      ], error: null }, now, 120000);
      return { images: svg.querySelectorAll('img').length, text: svg.textContent, edges: svg.querySelectorAll('line').length, oneway: svg.querySelectorAll('line.x0-oneway').length, twins: twins.textContent };
    });
    assert.is(out.images, 0);
    assert.match(out.text ?? '', /<img src=x onerror=alert\(1\)>/);
    // n1 hears n2 but not the other way round: one dashed line.
    assert.is(out.edges, 1);
    assert.is(out.oneway, 1);
    // Two nodes with the same host name are told apart by their address.
    assert.match(out.twins ?? '', /lab 00:01/);
    assert.match(out.twins ?? '', /lab 00:02/);
  } finally {
    await page.close();
  }
});

t('when the agent stops answering, the page says so instead of showing old data as current', async () => {
  const { page } = await open();
  try {
    await agent.stop();
    await page.waitForFunction(() => /the agent did not answer/.test((globalThis as unknown as PageGlobals).document.getElementById('updated')?.textContent ?? ''), null, { timeout: 12_000 });
    assert.match(await text(page, 'health'), /Status: the agent did not answer/);
  } finally {
    await page.close();
  }
});

t.run();
