/**
 * Command-line parsing: `x0tta6bl4 [options] <command> [args]`. Options may stand
 * before or after the command; `--name value` and `--name=value` both work; `--`
 * ends options. Returns an error string instead of throwing.
 */
export interface OptionSpec {
  /** Long name without dashes, e.g. "state-dir". */
  name: string;
  /** Takes a value (`--name VALUE`) or is a flag. */
  value: boolean;
  /** One-letter alias, e.g. "h". */
  short?: string;
  /** The config key this option overrides (every option has one, where it makes sense). */
  configKey?: string;
  help: string;
  /** Placeholder in the usage text, e.g. "FILE". */
  metavar?: string;
}

export interface ParsedArgs {
  /** Options by long name: string for valued options, true for flags. */
  options: Map<string, string | true>;
  positionals: string[];
}

export type ParseResult = { ok: true; value: ParsedArgs } | { ok: false; error: string };

const MAX_ARGS = 256;
const MAX_ARG_LENGTH = 4096;

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParseResult {
  if (argv.length > MAX_ARGS) return { ok: false, error: `too many arguments (${argv.length}, at most ${MAX_ARGS})` };
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const options = new Map<string, string | true>();
  const positionals: string[] = [];
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.length > MAX_ARG_LENGTH) return { ok: false, error: `argument ${i + 1} is too long` };
    if (onlyPositionals || arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      spec = byName.get(name);
      if (!spec) return { ok: false, error: `unknown option '--${name}'` };
    } else {
      if (arg.length !== 2) return { ok: false, error: `unknown option '${arg}'` };
      spec = byShort.get(arg.slice(1));
      if (!spec) return { ok: false, error: `unknown option '${arg}'` };
    }
    if (!spec.value) {
      if (inline !== undefined) return { ok: false, error: `option '--${spec.name}' takes no value` };
      options.set(spec.name, true);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined) return { ok: false, error: `option '--${spec.name}' needs a value` };
      value = next;
      i++;
    }
    options.set(spec.name, value);
  }
  return { ok: true, value: { options, positionals } };
}
