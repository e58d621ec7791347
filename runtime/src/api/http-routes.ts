/**
 * HTTP routes: the dashboard (GET /, /render.js, /dashboard.js, /dashboard.css; see
 * web-routes.ts), GET /health, GET /metrics, GET /api/<method> (arguments in the query
 * string) and POST /api/<method> (a JSON object body; required for methods that change
 * state: heal without dry_run, mode with set). HEAD works wherever GET does.
 */
import type { HttpHandler, HttpRequest, HttpResponse } from '../http/server.js';
import type { Registry } from '../metrics/registry.js';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics/registry.js';
import { utf8Decode } from '../netlink/bytes.js';
import { type JsonObject, type JsonValue, jsonText } from '../ubus/blobmsg.js';
import { API_METHODS, checkArgs, findMethod } from './methods.js';
import type { AgentApi, ApiErrorCode } from './types.js';
import { webAssets, webResponse } from './web-routes.js';

export const HTTP_STATUS_OF: Record<ApiErrorCode, number> = { invalid_argument: 400, not_found: 404, not_supported: 501, unavailable: 503, failed: 500 };

const JSON_TYPE = 'application/json';

function json(status: number, value: JsonValue, extra: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...extra }, body: `${jsonText(value)}\n` };
}

function error(status: number, code: string, message: string, extra: Record<string, string> = {}): HttpResponse {
  return json(status, { error: code, message }, extra);
}

export interface RouteOptions {
  version: string;
  metrics: Registry;
}

export function createApiHandler(api: AgentApi, opts: RouteOptions): HttpHandler {
  const assets = webAssets();
  return async (req: HttpRequest): Promise<HttpResponse> => {
    const get = req.method === 'GET' || req.method === 'HEAD';
    const page = webResponse(assets, req.path);
    if (page) return get ? page : error(405, 'method_not_allowed', 'use GET', { allow: 'GET, HEAD' });
    if (req.path === '/health') {
      if (!get) return error(405, 'method_not_allowed', 'use GET', { allow: 'GET, HEAD' });
      const h = await api.health();
      return h.healthy ? json(200, { status: 'ok', version: opts.version }) : json(503, { status: 'degraded', version: opts.version, reasons: h.reasons });
    }
    if (req.path === '/metrics') {
      if (!get) return error(405, 'method_not_allowed', 'use GET', { allow: 'GET, HEAD' });
      return { status: 200, headers: { 'content-type': PROMETHEUS_CONTENT_TYPE }, body: await opts.metrics.render() };
    }
    if (req.path === '/api' || req.path === '/api/') {
      if (!get) return error(405, 'method_not_allowed', 'use GET', { allow: 'GET, HEAD' });
      return json(200, { methods: API_METHODS.map((m) => m.name) });
    }
    if (!req.path.startsWith('/api/')) return error(404, 'not_found', `no route ${req.path}`);
    const method = findMethod(req.path.slice(5));
    if (!method) return error(404, 'not_found', `no API method ${req.path.slice(5)}`);
    let raw: JsonObject;
    if (get) {
      raw = Object.fromEntries(req.query);
    } else if (req.method === 'POST') {
      // Required, not assumed: a browser sends a cross-origin POST without a content type
      // (a Blob body) with no CORS preflight, so a page elsewhere could otherwise switch
      // the mode or heal through a visitor's browser; application/json needs a preflight.
      const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== JSON_TYPE) return error(415, 'unsupported_media_type', 'send application/json (Content-Type: application/json)');
      let parsed: unknown;
      try {
        parsed = req.body.length ? JSON.parse(utf8Decode(req.body)) : {};
      } catch {
        return error(400, 'invalid_json', 'the body is not JSON');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return error(400, 'invalid_argument', 'the body must be a JSON object');
      raw = parsed as JsonObject;
    } else {
      return error(405, 'method_not_allowed', 'use GET or POST', { allow: 'GET, HEAD, POST' });
    }
    const a = checkArgs(method, raw);
    if (!a.ok) return error(400, 'invalid_argument', a.message);
    if (get && method.mutating(a.args)) return error(405, 'method_not_allowed', `${method.name} with these arguments changes state: use POST`, { allow: 'POST' });
    const r = await method.call(api, a.args);
    return r.ok ? json(200, r.data) : error(HTTP_STATUS_OF[r.error], r.error, r.message);
  };
}
