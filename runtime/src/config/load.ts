/**
 * The effective configuration: defaults, then the UCI file, then command-line
 * options. An invalid file is an error with its line number; the caller decides
 * whether to stop (start-up) or keep its last good config (reload on SIGHUP).
 */
import type { Host } from '../host/index.js';
import { isHostError } from '../host/index.js';
import { loopConfigFrom } from '../loop/settings.js';
import { parseUci, type UciSection } from './uci.js';
import { type AgentConfig, convertSetting, DEFAULT_CONFIG_PATH, DEFAULTS, SETTINGS } from './settings.js';

export type ConfigResult = { ok: true; value: AgentConfig; source: string | null } | { ok: false; error: string };

export interface ConfigRequest {
  /** Path given with --config (must exist), or null for the default path (may be absent). */
  path: string | null;
  /** Command-line overrides by option name, e.g. "state-dir" -> "/tmp/x". */
  overrides: ReadonlyMap<string, string | true>;
}

export function loadConfig(host: Host, req: ConfigRequest): ConfigResult {
  const config: AgentConfig = { ...DEFAULTS };
  const path = req.path ?? DEFAULT_CONFIG_PATH;
  let source: string | null = null;
  let text: string | null = null;
  try {
    text = host.files.readText(path, 256 * 1024);
    source = path;
  } catch (e) {
    const missing = isHostError(e) && e.code === 'ENOENT';
    if (!(missing && req.path === null)) return { ok: false, error: `config ${path}: ${(e as Error).message}` };
  }
  const set = (field: keyof AgentConfig, value: string | number | boolean): void => {
    (config as unknown as Record<string, unknown>)[field] = value;
  };
  let sections: UciSection[] = [];
  if (text !== null) {
    const parsed = parseUci(text);
    if (!parsed.ok) return { ok: false, error: `${path}:${parsed.line}: ${parsed.error}` };
    sections = parsed.value.sections;
    for (const section of sections) {
      if (section.type !== 'agent') continue;
      for (const [key, raw] of section.options) {
        const setting = SETTINGS.find((s) => s.key === key);
        // Unknown keys are kept for later versions' settings, not an error.
        if (!setting) continue;
        const v = convertSetting(setting, raw);
        if (!v.ok) return { ok: false, error: `${path}:${section.lines.get(key) ?? section.line}: ${v.error}` };
        set(setting.field, v.value);
      }
    }
  }
  for (const setting of SETTINGS) {
    const raw = req.overrides.get(setting.option);
    if (raw === undefined) continue;
    const v = convertSetting(setting, raw === true ? '1' : raw);
    if (!v.ok) return { ok: false, error: `--${setting.option}: ${v.error.slice(v.error.indexOf(':') + 2)}` };
    set(setting.field, v.value);
  }
  const loop = loopConfigFrom(sections, req.overrides);
  if (!loop.ok) return { ok: false, error: loop.line > 0 ? `${path}:${loop.line}: ${loop.error}` : loop.error };
  config.loop = loop.value;
  return { ok: true, value: config, source };
}
