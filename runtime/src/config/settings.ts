/**
 * Every setting of the agent, in one table: its UCI key (section `agent`), the
 * command-line option that overrides it, its type, default and bounds. The CLI's
 * global options and the config loader are both derived from this table, so an
 * option can never lack its config key.
 */
import type { LogLevel } from '../host/index.js';
import { LOOP_DEFAULTS, type LoopConfig } from '../loop/settings.js';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'notice', 'warning', 'err', 'crit'];

export interface AgentConfig {
  stateDir: string;
  logLevel: LogLevel;
  syslog: boolean;
  cycleMs: number;
  meshInterface: string;
  /** ubus: register object x0tta6bl4 (and the socket to find ubusd at). */
  ubus: boolean;
  ubusSocket: string;
  /** HTTP listener "ADDR:PORT" for /health, /metrics, /api; "" = none. */
  http: string;
  /** SPIRE server "ADDR:PORT" for the identity (docs/identity.md); "" = none. */
  spireServer: string;
  /** SPIFFE trust domain of the mesh, e.g. "lab.x0tta6bl4"; "" = none. */
  trustDomain: string;
  /** Bootstrap trust bundle file (PEM or SPIFFE JSON); "" = none. */
  spireBundle: string;
  /**
   * The mesh peer channel's mTLS listener "ADDR:PORT" ("" = none). It only starts when
   * the saved identity has a workload SVID (runtime/src/peer/, docs/identity.md).
   */
  peer: string;
  /** Who may use the peer channel and sign summaries we call verified: matchers; "" = our trust domain. */
  peerAllow: string;
  /** The healing loop's settings (runtime/src/loop/settings.ts, same UCI section). */
  loop: LoopConfig;
}

type Kind =
  | { type: 'path' }
  | { type: 'ifname' }
  | { type: 'listen' }
  | { type: 'hostport' }
  | { type: 'trust-domain' }
  | { type: 'id-matchers' }
  | { type: 'int'; min: number; max: number }
  | { type: 'bool' }
  | { type: 'enum'; values: readonly string[] };

export interface Setting {
  field: keyof AgentConfig;
  /** UCI option name in `config agent`. */
  key: string;
  /** Command-line option (without dashes). */
  option: string;
  metavar: string;
  kind: Kind;
  help: string;
}

export const DEFAULT_CONFIG_PATH = '/etc/config/x0tta6bl4';

export const DEFAULTS: AgentConfig = {
  stateDir: '/var/lib/x0tta6bl4',
  logLevel: 'info',
  syslog: true,
  cycleMs: 1000,
  meshInterface: 'bat0',
  ubus: true,
  ubusSocket: '/var/run/ubus/ubus.sock',
  http: '127.0.0.1:9478',
  spireServer: '',
  trustDomain: '',
  spireBundle: '',
  peer: '0.0.0.0:9479',
  peerAllow: '',
  loop: LOOP_DEFAULTS,
};

export const SETTINGS: readonly Setting[] = [
  { field: 'stateDir', key: 'state_dir', option: 'state-dir', metavar: 'DIR', kind: { type: 'path' }, help: 'state directory (incidents, actions, baselines)' },
  { field: 'logLevel', key: 'log_level', option: 'log-level', metavar: 'LEVEL', kind: { type: 'enum', values: LOG_LEVELS }, help: 'least severe level logged: debug|info|notice|warning|err|crit' },
  { field: 'syslog', key: 'syslog', option: 'syslog', metavar: '0|1', kind: { type: 'bool' }, help: 'also log to syslog (default 1)' },
  { field: 'meshInterface', key: 'mesh_interface', option: 'mesh-interface', metavar: 'IF', kind: { type: 'ifname' }, help: 'batman-adv mesh interface (default bat0)' },
  { field: 'ubus', key: 'ubus', option: 'ubus', metavar: '0|1', kind: { type: 'bool' }, help: 'register the ubus object x0tta6bl4 (default 1)' },
  { field: 'ubusSocket', key: 'ubus_socket', option: 'ubus-socket', metavar: 'PATH', kind: { type: 'path' }, help: 'ubusd socket (default /var/run/ubus/ubus.sock)' },
  { field: 'http', key: 'http', option: 'http', metavar: 'ADDR:PORT', kind: { type: 'listen' }, help: "HTTP for /health, /metrics, /api; 'off' for none (default 127.0.0.1:9478)" },
  { field: 'spireServer', key: 'spire_server', option: 'spire-server', metavar: 'ADDR:PORT', kind: { type: 'hostport' }, help: 'SPIRE server for the identity (docs/identity.md)' },
  { field: 'trustDomain', key: 'trust_domain', option: 'trust-domain', metavar: 'TD', kind: { type: 'trust-domain' }, help: 'SPIFFE trust domain of the mesh, e.g. lab.x0tta6bl4' },
  { field: 'spireBundle', key: 'spire_bundle', option: 'bundle', metavar: 'FILE', kind: { type: 'path' }, help: "bootstrap trust bundle of the SPIRE server (PEM or SPIFFE JSON)" },
  { field: 'peer', key: 'peer', option: 'peer', metavar: 'ADDR:PORT', kind: { type: 'listen' }, help: "mesh peer channel (mTLS with the SVID; only with an identity); 'off' for none (default 0.0.0.0:9479)" },
  { field: 'peerAllow', key: 'peer_allow', option: 'peer-allow', metavar: 'RULES', kind: { type: 'id-matchers' }, help: 'who may use the peer channel: id:ID prefix:ID domain:TD (default: our trust domain)' },
  { field: 'cycleMs', key: 'cycle_ms', option: 'cycle-ms', metavar: 'MS', kind: { type: 'int', min: 100, max: 600000 }, help: 'main loop period in milliseconds (default 1000)' },
];

/** Convert one raw string to a typed value, or describe why it is invalid. */
export function convertSetting(setting: Setting, raw: string): { ok: true; value: string | number | boolean } | { ok: false; error: string } {
  const k = setting.kind;
  switch (k.type) {
    case 'path':
      if (raw.length === 0 || raw.includes('\0')) return { ok: false, error: `${setting.key}: empty or invalid path` };
      return { ok: true, value: raw };
    case 'ifname':
      // Linux interface names: 1..15 bytes, no '/', no whitespace.
      if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(raw)) return { ok: false, error: `${setting.key}: '${raw}' is not an interface name` };
      return { ok: true, value: raw };
    case 'listen': {
      if (raw === '' || raw === 'off' || raw === '0') return { ok: true, value: '' };
      const a = parseListenAddress(raw);
      return a ? { ok: true, value: raw } : { ok: false, error: `${setting.key}: '${raw}' is not ADDR:PORT (e.g. 127.0.0.1:9478, [::1]:9478) or off` };
    }
    case 'hostport':
      // A SPIRE server: an IPv4 or [IPv6] address and a port (no name resolution).
      return parseListenAddress(raw) ? { ok: true, value: raw } : { ok: false, error: `${setting.key}: '${raw}' is not ADDR:PORT (e.g. 192.0.2.1:8081, [2001:db8::1]:8081)` };
    case 'trust-domain':
      return /^[a-z0-9._-]{1,255}$/.test(raw) ? { ok: true, value: raw } : { ok: false, error: `${setting.key}: '${raw}' is not a trust domain (lowercase a-z, 0-9, ".", "-", "_")` };
    case 'id-matchers': {
      // Checked again against the SPIFFE-ID rules when the peer channel starts (peer/allow.ts).
      const words = raw.split(/[\s,]+/).filter((w) => w !== '');
      const bad = words.find((w) => !/^(id|prefix):spiffe:\/\/[a-z0-9._-]+(\/[A-Za-z0-9._-]+)*$|^domain:[a-z0-9._-]+$/.test(w));
      if (bad !== undefined || words.length > 32) return { ok: false, error: `${setting.key}: '${bad ?? raw}' is not id:SPIFFE-ID, prefix:SPIFFE-ID or domain:TD (at most 32)` };
      return { ok: true, value: raw };
    }
    case 'int': {
      if (!/^-?[0-9]{1,10}$/.test(raw)) return { ok: false, error: `${setting.key}: '${raw}' is not an integer` };
      const n = Number.parseInt(raw, 10);
      if (n < k.min || n > k.max) return { ok: false, error: `${setting.key}: ${n} outside ${k.min}..${k.max}` };
      return { ok: true, value: n };
    }
    case 'bool':
      // UCI's boolean spellings.
      if (['1', 'yes', 'on', 'true', 'enabled'].includes(raw)) return { ok: true, value: true };
      if (['0', 'no', 'off', 'false', 'disabled'].includes(raw)) return { ok: true, value: false };
      return { ok: false, error: `${setting.key}: '${raw}' is not a boolean (0/1)` };
    case 'enum':
      if (!k.values.includes(raw)) return { ok: false, error: `${setting.key}: '${raw}' is not one of ${k.values.join(', ')}` };
      return { ok: true, value: raw };
  }
}

/** "127.0.0.1:9478" or "[::1]:9478" as a socket address; null when malformed. */
export function parseListenAddress(text: string): { family: 'inet' | 'inet6'; host: string; port: number } | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  if (m[1] !== undefined) return { family: 'inet6', host: m[1], port };
  const host = m[2] as string;
  const parts = host.split('.');
  if (parts.length !== 4 || parts.some((p) => p === '' || Number(p) > 255)) return null;
  return { family: 'inet', host, port };
}
