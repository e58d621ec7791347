/**
 * How CLI commands reach the running agent: through ubus when ubusd's socket is
 * there (as on OpenWrt), else over the agent's HTTP API. Both return the same JSON.
 */
import { parseListenAddress } from '../config/settings.js';
import type { AgentConfig } from '../config/settings.js';
import type { Host } from '../host/index.js';
import { httpRequest } from '../http/client.js';
import type { JsonObject } from '../ubus/blobmsg.js';
import { UbusConnection } from '../ubus/connection.js';

export type AgentCall = { ok: true; data: JsonObject; via: 'ubus' | 'http' } | { ok: false; error: string; via: 'ubus' | 'http' | 'none' };

/** `timeoutMs`: how long to wait for the answer (an action such as a restart may take tens of seconds). */
export async function callAgent(host: Host, config: AgentConfig, method: string, args: JsonObject, mutating = false, timeoutMs = 10_000): Promise<AgentCall> {
  if (config.ubus && host.files.stat(config.ubusSocket) !== null) {
    const conn = await UbusConnection.connect(config.ubusSocket);
    if (conn.ok) {
      try {
        const r = await conn.value.call('x0tta6bl4', method, args, timeoutMs);
        if (!r.ok) {
          // The agent explains a refusal in a DATA reply before the status: prefer its words.
          const said = r.error.replies?.map((x) => x.error).find((x): x is string => typeof x === 'string');
          return { ok: false, error: said ?? r.error.message, via: 'ubus' };
        }
        return { ok: true, data: Object.assign({}, ...r.value) as JsonObject, via: 'ubus' };
      } finally {
        conn.value.close();
      }
    }
  }
  const address = config.http === '' ? null : parseListenAddress(config.http);
  if (address === null) return { ok: false, error: 'no ubus socket and no HTTP address (agent.http) to reach the agent', via: 'none' };
  const query = Object.entries(args)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  const r = mutating
    ? await httpRequest(address, 'POST', `/api/${method}`, JSON.stringify(args), timeoutMs)
    : await httpRequest(address, 'GET', `/api/${method}${query ? `?${query}` : ''}`, undefined, timeoutMs);
  if (!r.ok) return { ok: false, error: `agent at ${config.http}: ${r.error}`, via: 'http' };
  let body: unknown;
  try {
    body = JSON.parse(r.value.body);
  } catch {
    return { ok: false, error: `agent at ${config.http}: answer is not JSON (HTTP ${r.value.status})`, via: 'http' };
  }
  if (r.value.status !== 200) {
    const msg = (body as { message?: string })?.message ?? `HTTP ${r.value.status}`;
    return { ok: false, error: msg, via: 'http' };
  }
  return { ok: true, data: body as JsonObject, via: 'http' };
}
