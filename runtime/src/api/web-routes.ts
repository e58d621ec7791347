/**
 * The dashboard at `/`: four small files from runtime/web/, compiled into the agent
 * (esbuild's define of __X0_WEB__) and served from memory with their content types
 * and a Content-Security-Policy that lets the page load only its own script and
 * style and talk only to this agent: no inline code, no other origin, no frames.
 */
import type { HttpResponse } from '../http/server.js';
import { utf8Encode } from '../netlink/bytes.js';

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

export interface WebAsset {
  path: string;
  type: string;
  body: Uint8Array;
}

/** The routes: `/` is index.html, every other file its own name. */
export function webAssets(files: Record<string, string> = __X0_WEB__): Map<string, WebAsset> {
  const out = new Map<string, WebAsset>();
  for (const [name, text] of Object.entries(files)) {
    const type = TYPES[name.slice(name.lastIndexOf('.') + 1)];
    if (!type) continue;
    const path = name === 'index.html' ? '/' : `/${name}`;
    out.set(path, { path, type, body: utf8Encode(text) });
  }
  return out;
}

/** Bytes the dashboard costs one page load (all its files). */
export function dashboardBytes(assets: Map<string, WebAsset>): number {
  let n = 0;
  for (const a of assets.values()) n += a.body.length;
  return n;
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

/** The asset's response, or null when `path` is none of the dashboard's files. */
export function webResponse(assets: Map<string, WebAsset>, path: string): HttpResponse | null {
  const a = assets.get(path === '/index.html' ? '/' : path);
  if (!a) return null;
  return { status: 200, headers: { 'content-type': a.type, ...SECURITY_HEADERS }, body: a.body };
}
