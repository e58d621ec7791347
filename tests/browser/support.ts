/// <reference types="node" />
/**
 * For the Chromium tests: Debian's chromium driven by playwright-core, a live agent
 * (dist/x0tta6bl4, a temp state dir, HTTP on a free loopback port), and a record of
 * what a page did: its errors (CSP violations are console errors), every request
 * (none may leave the agent's origin) and the bytes each response carried.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const root = process.cwd();
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots go here (build/ is not in git). */
export const SHOTS = join(root, 'build', 'browser');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (Debian package chromium; scripts/setup.sh installs it, CHROMIUM_PATH overrides)`);
  // As root (the development machine and CI) Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface LiveAgent {
  url: string;
  log: () => string;
  stop(): Promise<void>;
}

/** The agent as procd would run it, minus ubus and syslog, with its own state dir. */
export async function startAgent(): Promise<LiveAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'x0-browser-'));
  // A copy: others may rebuild dist/ while the test runs.
  const binary = join(dir, 'x0tta6bl4');
  copyFileSync(join(root, 'dist', 'x0tta6bl4'), binary);
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['--config', '/dev/null', 'agent', '--state-dir', join(dir, 'state'), '--syslog', '0', '--ubus', '0', '--http', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (b) => (output += b));
  child.stderr?.on('data', (b) => (output += b));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/health`);
      await r.text();
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the agent did not answer on ${url}:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PageRecord {
  errors: string[];
  foreign: string[];
  /** URL path -> body bytes of each response. */
  bytes: Map<string, number>;
}

/** Record errors, requests to other origins, and response sizes of `page`. */
export function watch(page: Page, origin: string): PageRecord {
  const rec: PageRecord = { errors: [], foreign: [], bytes: new Map() };
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon\.ico/.test(m.location().url)) rec.errors.push(m.text());
  });
  page.on('pageerror', (e) => rec.errors.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith(`${origin}/`)) rec.foreign.push(r.url());
  });
  page.on('response', async (r) => {
    try {
      rec.bytes.set(new URL(r.url()).pathname, (await r.body()).length);
    } catch {
      // A response whose body the page never read (navigated away): not counted.
    }
  });
  return rec;
}

export function shot(page: Page, name: string): Promise<Buffer> {
  mkdirSync(SHOTS, { recursive: true });
  return page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

export async function api(url: string, method: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${url}/api/${method}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await r.json()) as Record<string, unknown>;
}

/**
 * What code run inside the page (page.evaluate, waitForFunction) reads of it: tsconfig
 * has no DOM lib, and such a function cannot use anything of this module but types.
 */
export interface PageGlobals {
  document: { getElementById(id: string): { textContent: string | null } | null };
}
