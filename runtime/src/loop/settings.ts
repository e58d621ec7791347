/**
 * The healing loop's settings: one row per threshold, in the shape of
 * config/settings.ts (field, UCI key in `config agent`, command-line option,
 * metavar, kind, help), plus the defaults docs/healing.md explains. Two kinds
 * go beyond the agent table: `string` (a shell command, a host:port) and `list`
 * (a UCI `list`, or a comma-separated value on the command line).
 */
import type { UciSection } from '../config/uci.js';

export const HEALING_MODES = ['auto', 'advise', 'off'] as const;
export type HealingMode = (typeof HEALING_MODES)[number];

export const RESTART_METHODS = ['link', 'ubus', 'wifi'] as const;
export type RestartMethod = (typeof RESTART_METHODS)[number];

export const PROBE_KINDS = ['none', 'tcp', 'ping'] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

export interface LoopConfig {
  mode: HealingMode;
  /** Hard interfaces the agent never acts on (it still watches them). */
  excludeInterfaces: string[];
  /** Samples kept per series (one per cycle). */
  seriesLength: number;
  /** A link or originator absent this long is forgotten. */
  retentionMs: number;

  neighborLostMs: number;

  degradedDropPercent: number;
  degradedDeviations: number;
  degradedWarmupSamples: number;
  degradedCycles: number;
  baselineAlphaPermille: number;

  flapWindowMs: number;
  flapChangesPerWindow: number;
  /** A flapping route is blamed on a link only if the link's own metric fell this much (%) in the window. */
  flapDrawdownPercent: number;

  /** Link probes (runtime/src/linkprobe/): a broadcast per hard interface every this many ms; 0 = off. */
  probeIntervalMs: number;
  /** Probes are judged over a sliding window of this length, once a second. */
  probeWindowMs: number;
  /** A lossy bin lost at least this many percentage points more than the link's normal. */
  probeEffectPercent: number;
  /** Loss episodes (clean, then significantly lossy) within flap_window_ms that make a link flap. */
  flapEpisodes: number;

  deafWindowMs: number;
  /** Silent this long with no peer saying it still hears the interface: judged deaf anyway. */
  deafUnconfirmedWindowMs: number;

  isolatedCycles: number;
  isolatedHook: string;
  isolatedUndoHook: string;

  uplinkProbe: ProbeKind;
  uplinkTarget: string;
  uplinkInterface: string;
  uplinkIntervalMs: number;
  uplinkTimeoutMs: number;
  uplinkFailures: number;
  uplinkRecoveries: number;

  hopPenaltyStep: number;
  hopPenaltyMax: number;
  hopPenaltyStableMs: number;

  restartMethod: RestartMethod;
  restartMax: number;
  restartResetMs: number;
  alertHook: string;

  budgetPer10Min: number;
  cooldownMs: number;
  verifyMs: number;
  /** Roll back when reachable originators fall by more than this many percent. */
  rollbackDropPercent: number;

  /** Write the baselines to the knowledge store this often. */
  baselineSaveMs: number;
  /** Push the node summary to alfred this often (0 = never). */
  alfredPushMs: number;
  /** Read the other nodes' summaries (what they hear) this often (0 = never). */
  alfredReadMs: number;
  alfredSocket: string;
  alfredType: number;

  /** The anomaly model file ('' = no model; relative to the state directory). Read at start-up. */
  modelPath: string;
  /** Record the model's feature vectors to this file each cycle ('' = off; relative to the state directory). */
  recordFeatures: string;
  /** The feature recording stops at this many KiB. */
  recordFeaturesMaxKb: number;
}

export type LoopSettingKind =
  | { type: 'int'; min: number; max: number }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'string'; maxLength: number }
  | { type: 'path' }
  | { type: 'ifname' }
  | { type: 'list'; item: 'ifname' };

export interface LoopSetting {
  field: keyof LoopConfig;
  key: string;
  option: string;
  metavar: string;
  kind: LoopSettingKind;
  help: string;
}

export const LOOP_DEFAULTS: LoopConfig = {
  mode: 'auto',
  excludeInterfaces: [],
  seriesLength: 120,
  retentionMs: 300_000,
  neighborLostMs: 2000,
  degradedDropPercent: 40,
  degradedDeviations: 3,
  degradedWarmupSamples: 30,
  degradedCycles: 5,
  baselineAlphaPermille: 20,
  flapWindowMs: 60_000,
  flapChangesPerWindow: 4,
  flapDrawdownPercent: 5,
  probeIntervalMs: 200,
  probeWindowMs: 4000,
  probeEffectPercent: 15,
  flapEpisodes: 2,
  deafWindowMs: 10_000,
  deafUnconfirmedWindowMs: 60_000,
  isolatedCycles: 5,
  isolatedHook: '',
  isolatedUndoHook: '',
  uplinkProbe: 'none',
  uplinkTarget: '',
  uplinkInterface: '',
  uplinkIntervalMs: 2000,
  uplinkTimeoutMs: 1500,
  uplinkFailures: 3,
  uplinkRecoveries: 5,
  hopPenaltyStep: 30,
  hopPenaltyMax: 150,
  hopPenaltyStableMs: 120_000,
  restartMethod: 'link',
  restartMax: 3,
  restartResetMs: 600_000,
  alertHook: '',
  budgetPer10Min: 10,
  cooldownMs: 30_000,
  verifyMs: 20_000,
  rollbackDropPercent: 30,
  baselineSaveMs: 300_000,
  alfredPushMs: 5_000,
  alfredReadMs: 2_000,
  alfredSocket: '/var/run/alfred.sock',
  alfredType: 200,
  modelPath: '',
  recordFeatures: '',
  recordFeaturesMaxKb: 8192,
};

const int = (min: number, max: number): LoopSettingKind => ({ type: 'int', min, max });
const str = (maxLength = 1024): LoopSettingKind => ({ type: 'string', maxLength });

export const LOOP_SETTINGS: readonly LoopSetting[] = [
  { field: 'mode', key: 'mode', option: 'mode', metavar: 'MODE', kind: { type: 'enum', values: HEALING_MODES }, help: 'auto: heal; advise: plan and report only; off: detect only (default auto)' },
  { field: 'excludeInterfaces', key: 'exclude_interface', option: 'exclude-interface', metavar: 'IF[,IF]', kind: { type: 'list', item: 'ifname' }, help: 'hard interfaces never acted on (UCI list)' },
  { field: 'seriesLength', key: 'series_length', option: 'series-length', metavar: 'N', kind: int(16, 3600), help: 'samples kept per link and interface (default 120)' },
  { field: 'retentionMs', key: 'retention_ms', option: 'retention-ms', metavar: 'MS', kind: int(10_000, 86_400_000), help: 'forget a link or originator absent this long (default 300000)' },
  { field: 'neighborLostMs', key: 'neighbor_lost_ms', option: 'neighbor-lost-ms', metavar: 'MS', kind: int(500, 600_000), help: 'a neighbour unheard this long is lost (default 2000)' },
  { field: 'degradedDropPercent', key: 'degraded_drop_percent', option: 'degraded-drop-percent', metavar: 'PCT', kind: int(1, 100), help: 'link degraded when its metric is this far below its baseline (default 40)' },
  { field: 'degradedDeviations', key: 'degraded_deviations', option: 'degraded-deviations', metavar: 'K', kind: int(1, 20), help: '... and more than K mean deviations below it (default 3)' },
  { field: 'degradedWarmupSamples', key: 'degraded_warmup', option: 'degraded-warmup', metavar: 'N', kind: int(1, 10_000), help: 'samples before a link baseline is trusted (default 30)' },
  { field: 'degradedCycles', key: 'degraded_cycles', option: 'degraded-cycles', metavar: 'N', kind: int(1, 600), help: 'consecutive bad cycles before a degraded incident opens (default 5)' },
  { field: 'baselineAlphaPermille', key: 'baseline_alpha', option: 'baseline-alpha', metavar: 'PERMILLE', kind: int(1, 1000), help: 'EWMA weight of a new sample in 1/1000 (default 20)' },
  { field: 'flapWindowMs', key: 'flap_window_ms', option: 'flap-window-ms', metavar: 'MS', kind: int(5000, 3_600_000), help: 'window for counting best-next-hop changes (default 60000)' },
  { field: 'flapChangesPerWindow', key: 'flap_changes', option: 'flap-changes', metavar: 'N', kind: int(2, 10_000), help: 'best-next-hop changes of one originator through a link per window that mean flapping (default 4)' },
  { field: 'flapDrawdownPercent', key: 'flap_drawdown_percent', option: 'flap-drawdown-percent', metavar: 'PCT', kind: int(0, 100), help: "flapping is blamed on a link whose metric fell at least this far below its peak within the window, and furthest of the links the route moved between (default 5)" },
  { field: 'probeIntervalMs', key: 'link_probe_interval_ms', option: 'link-probe-interval-ms', metavar: 'MS', kind: int(0, 60_000), help: 'send a link probe (a 16-byte broadcast, ethertype 0x88b5) on each hard interface this often; 0 turns the probes and the link-flapping detector off (default 200)' },
  { field: 'probeWindowMs', key: 'link_probe_window_ms', option: 'link-probe-window-ms', metavar: 'MS', kind: int(1000, 60_000), help: 'probes are judged over a sliding window of this length, once a second; whole seconds (default 4000)' },
  { field: 'probeEffectPercent', key: 'link_probe_effect_percent', option: 'link-probe-effect-percent', metavar: 'PCT', kind: int(1, 100), help: "a window is lossy when it lost at least this many points more than the link's own normal loss, and more than chance explains (default 15)" },
  { field: 'flapEpisodes', key: 'flap_episodes', option: 'flap-episodes', metavar: 'N', kind: int(2, 100), help: 'loss episodes of a link within flap_window_ms that mean it flaps (default 2)' },
  { field: 'deafWindowMs', key: 'deaf_window_ms', option: 'deaf-window-ms', metavar: 'MS', kind: int(2000, 3_600_000), help: 'up, carrier, transmitting, nothing heard for this long while a peer still hears it = deaf (default 10000)' },
  { field: 'deafUnconfirmedWindowMs', key: 'deaf_unconfirmed_window_ms', option: 'deaf-unconfirmed-window-ms', metavar: 'MS', kind: int(2000, 3_600_000), help: 'the same with no peer saying it hears the interface (a dead link looks so) = deaf after this long (default 60000)' },
  { field: 'isolatedCycles', key: 'isolated_cycles', option: 'isolated-cycles', metavar: 'N', kind: int(1, 3600), help: 'cycles without any neighbour before the node is isolated (default 5)' },
  { field: 'isolatedHook', key: 'isolated_hook', option: 'isolated-hook', metavar: 'CMD', kind: str(), help: 'shell command run when the node becomes isolated (default none)' },
  { field: 'isolatedUndoHook', key: 'isolated_undo_hook', option: 'isolated-undo-hook', metavar: 'CMD', kind: str(), help: 'shell command run when neighbours return (default none)' },
  { field: 'uplinkProbe', key: 'uplink_probe', option: 'uplink-probe', metavar: 'KIND', kind: { type: 'enum', values: PROBE_KINDS }, help: 'gateway uplink probe: none|tcp|ping (default none)' },
  { field: 'uplinkTarget', key: 'uplink_target', option: 'uplink-target', metavar: 'HOST[:PORT]', kind: str(255), help: 'probe target: host:port for tcp, an address for ping' },
  { field: 'uplinkInterface', key: 'uplink_interface', option: 'uplink-interface', metavar: 'IF', kind: str(15), help: 'ping through this interface (ping -I)' },
  { field: 'uplinkIntervalMs', key: 'uplink_interval_ms', option: 'uplink-interval-ms', metavar: 'MS', kind: int(200, 600_000), help: 'probe period (default 2000)' },
  { field: 'uplinkTimeoutMs', key: 'uplink_timeout_ms', option: 'uplink-timeout-ms', metavar: 'MS', kind: int(100, 60_000), help: 'one probe fails after this long (default 1500)' },
  { field: 'uplinkFailures', key: 'uplink_failures', option: 'uplink-failures', metavar: 'N', kind: int(1, 100), help: 'consecutive failed probes = uplink lost (default 3)' },
  { field: 'uplinkRecoveries', key: 'uplink_recoveries', option: 'uplink-recoveries', metavar: 'N', kind: int(1, 100), help: 'consecutive good probes = uplink back (default 5)' },
  { field: 'hopPenaltyStep', key: 'hop_penalty_step', option: 'hop-penalty-step', metavar: 'N', kind: int(1, 255), help: 'hard-interface hop penalty raised by this much per step (default 30)' },
  { field: 'hopPenaltyMax', key: 'hop_penalty_max', option: 'hop-penalty-max', metavar: 'N', kind: int(1, 255), help: 'never raise a hard-interface hop penalty above this (default 150)' },
  { field: 'hopPenaltyStableMs', key: 'hop_penalty_stable_ms', option: 'hop-penalty-stable-ms', metavar: 'MS', kind: int(1000, 86_400_000), help: 'restore the hop penalty after the link was stable this long (default 120000)' },
  { field: 'restartMethod', key: 'restart_method', option: 'restart-method', metavar: 'HOW', kind: { type: 'enum', values: RESTART_METHODS }, help: 'deaf interface restart: link (rtnetlink)|ubus (network.interface.IF)|wifi (wifi down/up) (default link)' },
  { field: 'restartMax', key: 'restart_max', option: 'restart-max', metavar: 'N', kind: int(0, 100), help: 'restarts of one interface before an alert instead (default 3)' },
  { field: 'restartResetMs', key: 'restart_reset_ms', option: 'restart-reset-ms', metavar: 'MS', kind: int(1000, 86_400_000), help: 'restart count forgotten after the interface was healthy this long (default 600000)' },
  { field: 'alertHook', key: 'alert_hook', option: 'alert-hook', metavar: 'CMD', kind: str(), help: 'shell command run for an alert (X0_ALERT in its environment; default none)' },
  { field: 'budgetPer10Min', key: 'action_budget', option: 'action-budget', metavar: 'N', kind: int(0, 1000), help: 'most actions in any 10 minutes (default 10)' },
  { field: 'cooldownMs', key: 'cooldown_ms', option: 'cooldown-ms', metavar: 'MS', kind: int(0, 86_400_000), help: 'pause between two actions on one target (default 30000)' },
  { field: 'verifyMs', key: 'verify_ms', option: 'verify-ms', metavar: 'MS', kind: int(1000, 3_600_000), help: 'judge a reversible action this long after it (default 20000)' },
  { field: 'rollbackDropPercent', key: 'rollback_drop_percent', option: 'rollback-drop-percent', metavar: 'PCT', kind: int(1, 100), help: 'undo an action when reachable originators fell by this much (default 30)' },
  { field: 'baselineSaveMs', key: 'baseline_save_ms', option: 'baseline-save-ms', metavar: 'MS', kind: int(10_000, 86_400_000), help: 'store link baselines this often (default 300000)' },
  { field: 'alfredPushMs', key: 'alfred_push_ms', option: 'alfred-push-ms', metavar: 'MS', kind: int(0, 3_600_000), help: 'push the node summary to alfred this often, 0 = never (default 5000)' },
  { field: 'alfredReadMs', key: 'alfred_read_ms', option: 'alfred-read-ms', metavar: 'MS', kind: int(0, 3_600_000), help: "read the other nodes' summaries this often, 0 = never (default 2000)" },
  { field: 'alfredSocket', key: 'alfred_socket', option: 'alfred-socket', metavar: 'PATH', kind: { type: 'path' }, help: 'alfred unix socket (default /var/run/alfred.sock)' },
  { field: 'alfredType', key: 'alfred_type', option: 'alfred-type', metavar: 'N', kind: int(64, 255), help: 'alfred data type of the node summary (default 200)' },
  { field: 'modelPath', key: 'model', option: 'model', metavar: 'FILE', kind: str(), help: 'anomaly model file scored beside the degraded-link rule; a model alarm acts only with the rule (default none; read at start-up)' },
  { field: 'recordFeatures', key: 'record_features', option: 'record-features', metavar: 'FILE', kind: str(), help: "append the model's feature vectors each cycle to FILE, JSON lines (default none: off)" },
  { field: 'recordFeaturesMaxKb', key: 'record_features_max_kb', option: 'record-features-max-kb', metavar: 'KIB', kind: int(16, 1_048_576), help: 'stop recording features at this file size (default 8192)' },
];

export type Converted = { ok: true; value: string | number | string[] } | { ok: false; error: string };

const IFNAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

/** One raw value (or a UCI list's entries) to its typed value. */
export function convertLoopSetting(setting: LoopSetting, raw: string | readonly string[]): Converted {
  const k = setting.kind;
  const one = typeof raw === 'string' ? raw : (raw[raw.length - 1] ?? '');
  switch (k.type) {
    case 'int': {
      if (!/^-?[0-9]{1,10}$/.test(one)) return { ok: false, error: `${setting.key}: '${one}' is not an integer` };
      const n = Number.parseInt(one, 10);
      if (n < k.min || n > k.max) return { ok: false, error: `${setting.key}: ${n} outside ${k.min}..${k.max}` };
      return { ok: true, value: n };
    }
    case 'enum':
      if (!k.values.includes(one)) return { ok: false, error: `${setting.key}: '${one}' is not one of ${k.values.join(', ')}` };
      return { ok: true, value: one };
    case 'string':
      if (one.length > k.maxLength || one.includes('\0')) return { ok: false, error: `${setting.key}: value too long or invalid` };
      return { ok: true, value: one };
    case 'path':
      if (one.length === 0 || one.includes('\0')) return { ok: false, error: `${setting.key}: empty or invalid path` };
      return { ok: true, value: one };
    case 'ifname':
      if (!IFNAME.test(one)) return { ok: false, error: `${setting.key}: '${one}' is not an interface name` };
      return { ok: true, value: one };
    case 'list': {
      const items = (typeof raw === 'string' ? raw.split(',') : [...raw]).map((s) => s.trim()).filter((s) => s.length > 0);
      const bad = items.find((s) => !IFNAME.test(s));
      if (bad !== undefined) return { ok: false, error: `${setting.key}: '${bad}' is not an interface name` };
      return { ok: true, value: items };
    }
  }
}

export type LoopConfigResult = { ok: true; value: LoopConfig } | { ok: false; error: string; line: number };

/**
 * The loop config from the `agent` sections of a parsed UCI file, then command-line
 * overrides (option name -> raw text). Unknown keys are left to the agent's table.
 */
export function loopConfigFrom(sections: readonly UciSection[], overrides?: ReadonlyMap<string, string | true>): LoopConfigResult {
  const config: LoopConfig = { ...LOOP_DEFAULTS, excludeInterfaces: [] };
  const set = (field: keyof LoopConfig, value: string | number | string[]) => {
    (config as unknown as Record<string, unknown>)[field] = value;
  };
  for (const section of sections) {
    if (section.type !== 'agent') continue;
    for (const setting of LOOP_SETTINGS) {
      const raw = section.lists.get(setting.key) ?? section.options.get(setting.key);
      if (raw === undefined) continue;
      const v = convertLoopSetting(setting, raw);
      if (!v.ok) return { ok: false, error: v.error, line: section.lines.get(setting.key) ?? section.line };
      set(setting.field, v.value);
    }
  }
  for (const setting of LOOP_SETTINGS) {
    const raw = overrides?.get(setting.option);
    if (raw === undefined) continue;
    const v = convertLoopSetting(setting, raw === true ? '1' : raw);
    if (!v.ok) return { ok: false, error: `--${setting.option}: ${v.error.slice(v.error.indexOf(':') + 2)}`, line: 0 };
    set(setting.field, v.value);
  }
  return { ok: true, value: config };
}
