/** What every command gets: the host, its parsed arguments and the effective config. */
import type { AgentConfig } from '../config/settings.js';
import type { Host } from '../host/index.js';
import type { OptionSpec, ParsedArgs } from './args.js';

export const EXIT_OK = 0;
/** The command ran and failed (agent unreachable, mesh absent, I/O error). */
export const EXIT_FAILURE = 1;
/** The command line itself is wrong. */
export const EXIT_USAGE = 2;

export interface CommandContext {
  host: Host;
  args: ParsedArgs;
  /** Positionals after the command name. */
  operands: string[];
  config: AgentConfig;
  /** Path of the config file that was read, or null when only defaults apply. */
  configSource: string | null;
  configPath: string | null;
}

export interface Command {
  name: string;
  summary: string;
  /** Options of this command besides the global ones. */
  options: readonly OptionSpec[];
  /** Usage line after "x0tta6bl4 <name>", e.g. "[--json]". */
  synopsis: string;
  /** Highest number of operands accepted. */
  maxOperands: number;
  run(ctx: CommandContext): Promise<number>;
}

/** A failure the user can act on: printed as one line, no stack trace. */
export class UsageError extends Error {}
