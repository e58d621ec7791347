/**
 * The method table both transports share: each method's arguments (name, type, bounds)
 * and how it calls the AgentApi. Arguments arrive as loose JSON (ubus: blobmsg of any
 * integer width, nulls; HTTP: query strings or a JSON body) and are checked here once.
 * `ubus_rpc_session` (added by uhttpd/LuCI) is accepted and ignored; null means absent.
 */
import type { JsonObject, JsonValue } from '../ubus/blobmsg.js';
import { AGENT_MODES, type AgentApi, type AgentMode, type ApiOutcome, fail, type HealRequest } from './types.js';

export type ArgType = 'string' | 'int' | 'bool';

export interface ArgSpec {
  type: ArgType;
  /** An integer that needs 64 bits (ms since the epoch): signed INT64 in the ubus signature. */
  wide?: boolean;
  min?: number;
  max?: number;
  values?: readonly string[];
  help: string;
}

export interface ApiMethod {
  name: string;
  summary: string;
  args: Record<string, ArgSpec>;
  /** Changes state: HTTP needs POST. */
  mutating: (args: Args) => boolean;
  call(api: AgentApi, args: Args): Promise<ApiOutcome>;
}

export type Args = Record<string, string | number | boolean>;

export const IGNORED_ARGS: readonly string[] = ['ubus_rpc_session'];

const SINCE: ArgSpec = { type: 'int', wide: true, min: 0, help: 'only records at or after this time (ms since the epoch)' };
const LIMIT: ArgSpec = { type: 'int', min: 1, max: 1000, help: 'at most this many records, newest first (default 100)' };

/** Convert and check loose JSON arguments against a method's specs. */
export function checkArgs(method: ApiMethod, raw: JsonObject): { ok: true; args: Args } | { ok: false; message: string } {
  const args: Args = {};
  for (const [name, value] of Object.entries(raw)) {
    if (IGNORED_ARGS.includes(name) || value === null) continue;
    const spec = method.args[name];
    if (!spec) return { ok: false, message: `${method.name}: unknown argument "${name}" (takes ${Object.keys(method.args).join(', ') || 'none'})` };
    const v = convert(spec, value);
    if (v === undefined) return { ok: false, message: `${method.name}: "${name}" must be ${describe(spec)}` };
    args[name] = v;
  }
  return { ok: true, args };
}

function convert(spec: ArgSpec, value: JsonValue): string | number | boolean | undefined {
  switch (spec.type) {
    case 'string': {
      if (typeof value !== 'string' || value.length > 256) return undefined;
      if (spec.values && !spec.values.includes(value)) return undefined;
      return value;
    }
    case 'int': {
      let n: number;
      if (typeof value === 'number') n = value;
      else if (typeof value === 'bigint') n = Number(value);
      else if (typeof value === 'string' && /^-?\d{1,16}$/.test(value)) n = Number(value);
      else return undefined;
      if (!Number.isSafeInteger(n)) return undefined;
      if (spec.min !== undefined && n < spec.min) return undefined;
      if (spec.max !== undefined && n > spec.max) return undefined;
      return n;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 0 || value === '0' || value === 'false') return false;
      if (value === 1 || value === '1' || value === 'true') return true;
      return undefined;
  }
}

function describe(spec: ArgSpec): string {
  if (spec.values) return `one of ${spec.values.join('|')}`;
  if (spec.type === 'int') return `an integer${spec.min !== undefined ? ` ≥ ${spec.min}` : ''}${spec.max !== undefined ? ` and ≤ ${spec.max}` : ''}`;
  return spec.type === 'bool' ? 'a boolean' : 'a string';
}

const never = () => false;

export const API_METHODS: readonly ApiMethod[] = [
  { name: 'status', summary: 'mode, health, counts, versions, uptime', args: {}, mutating: never, call: (api) => api.status() },
  { name: 'neighbors', summary: 'batman-adv neighbours (batctl n)', args: {}, mutating: never, call: (api) => api.neighbors() },
  { name: 'originators', summary: 'batman-adv originators with the best route (batctl o)', args: {}, mutating: never, call: (api) => api.originators() },
  { name: 'gateways', summary: 'batman-adv gateways (batctl gwl)', args: {}, mutating: never, call: (api) => api.gateways() },
  {
    name: 'incidents',
    summary: 'incidents, newest first',
    args: { since: SINCE, limit: LIMIT, open: { type: 'bool', help: 'only incidents still open' } },
    mutating: never,
    call: (api, a) => api.incidents({ ...(a.since !== undefined && { since: a.since as number }), ...(a.limit !== undefined && { limit: a.limit as number }), ...(a.open !== undefined && { open: a.open as boolean }) }),
  },
  {
    name: 'actions',
    summary: 'remediation actions taken or proposed, newest first',
    args: { since: SINCE, limit: LIMIT },
    mutating: never,
    call: (api, a) => api.actions({ ...(a.since !== undefined && { since: a.since as number }), ...(a.limit !== undefined && { limit: a.limit as number }) }),
  },
  {
    name: 'heal',
    summary: 'remediate an incident ({incident}) or run one action ({action, target}); dry_run only plans',
    args: {
      incident: { type: 'string', help: 'the id of an open incident' },
      action: { type: 'string', help: 'a manual action kind, e.g. hop-penalty-raise (docs/api.md lists them)' },
      target: { type: 'string', help: 'what the action applies to: a hard interface of the mesh, or the mesh interface for gateway-*' },
      dry_run: { type: 'bool', help: 'plan only, change nothing' },
    },
    mutating: (a) => a.dry_run !== true,
    call: (api, a) => {
      const dryRun = a.dry_run === true;
      let req: HealRequest;
      if (typeof a.incident === 'string' && a.action === undefined && a.target === undefined) req = { incident: a.incident, dryRun };
      else if (typeof a.action === 'string' && typeof a.target === 'string' && a.incident === undefined) req = { action: a.action, target: a.target, dryRun };
      else return Promise.resolve(fail('invalid_argument', 'heal: give either {incident} or {action, target}'));
      return api.heal(req);
    },
  },
  {
    name: 'mode',
    summary: 'the healing mode; {set} changes it',
    args: { set: { type: 'string', values: AGENT_MODES, help: 'auto (heal), advise (only propose), off' } },
    mutating: (a) => a.set !== undefined,
    call: (api, a) => api.mode(a.set as AgentMode | undefined),
  },
  { name: 'config', summary: 'the effective configuration', args: {}, mutating: never, call: (api) => api.config() },
  { name: 'mesh', summary: 'the mesh-wide view gathered over alfred', args: {}, mutating: never, call: (api) => api.mesh() },
  {
    name: 'links',
    summary: 'link quality over time per neighbour (TQ or throughput), at most 32 links',
    args: { samples: { type: 'int', min: 1, max: 120, help: 'at most this many samples per link, newest last (default 60)' } },
    mutating: never,
    call: (api, a) => api.links({ ...(a.samples !== undefined && { samples: a.samples as number }) }),
  },
];

export function findMethod(name: string): ApiMethod | undefined {
  return API_METHODS.find((m) => m.name === name);
}
