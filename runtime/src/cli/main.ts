/**
 * The command line: `x0tta6bl4 [global options] <command> [options] [operands]`.
 * Exit codes: 0 success, 1 the command failed, 2 the command line is wrong (one
 * line of error, then the usage, on stderr).
 */
import { loadConfig } from '../config/load.js';
import { SETTINGS } from '../config/settings.js';
import { LOOP_SETTINGS } from '../loop/settings.js';
import type { Host } from '../host/index.js';
import { type OptionSpec, parseArgs } from './args.js';
import { agentCommand } from './commands/agent.js';
import { healCommand } from './commands/heal.js';
import { identityCommand } from './commands/identity.js';
import { meshCommand } from './commands/mesh.js';
import { modeCommand } from './commands/mode.js';
import { peerCommand } from './commands/peer.js';
import { actionsCommand, incidentsCommand } from './commands/records.js';
import { statusCommand } from './commands/status.js';
import { ubusCommand } from './commands/ubus.js';
import { versionCommand, versionLine } from './commands/version.js';
import { type Command, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './context.js';

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'help', short: 'h', value: false, help: 'show this help' },
  { name: 'version', short: 'V', value: false, help: 'show the version' },
  { name: 'config', value: true, metavar: 'FILE', help: 'UCI config file (default /etc/config/x0tta6bl4)' },
  ...SETTINGS.map((s) => ({ name: s.option, value: true, metavar: s.metavar, configKey: s.key, help: `${s.help} [agent.${s.key}]` })),
];

/** The healing loop's thresholds: global options too, listed apart in the help. */
export const LOOP_OPTIONS: readonly OptionSpec[] = LOOP_SETTINGS.map((s) => ({
  name: s.option,
  value: true,
  metavar: s.metavar,
  configKey: s.key,
  help: `${s.help} [agent.${s.key}]`,
}));

export const COMMANDS: readonly Command[] = [
  agentCommand,
  statusCommand,
  incidentsCommand,
  actionsCommand,
  healCommand,
  modeCommand,
  meshCommand,
  identityCommand,
  peerCommand,
  ubusCommand,
  versionCommand,
];

function optionLine(o: OptionSpec): string {
  const left = `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.metavar ?? 'VALUE'}` : ''}`;
  return `  ${left.padEnd(28)} ${o.help}`;
}

export function usage(): string {
  const cmds = [...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`), `  ${'help'.padEnd(10)} show this help`];
  // One line per option name, naming every command that takes it.
  const byName = new Map<string, { spec: OptionSpec; commands: string[] }>();
  for (const c of COMMANDS) {
    for (const o of c.options) {
      const e = byName.get(o.name) ?? { spec: o, commands: [] };
      e.commands.push(c.name);
      byName.set(o.name, e);
    }
  }
  const cmdOptions = [...byName.values()].map((e) => `${optionLine(e.spec)} (${e.commands.join(', ')})`);
  return [
    'usage: x0tta6bl4 [options] <command> [args]',
    '       x0tta6bl4 run FILE.js [args]',
    '',
    'Self-healing agent for batman-adv meshes on OpenWrt.',
    '',
    'commands:',
    ...cmds,
    '',
    'options (each also settable in the config file, section "agent", key in brackets):',
    ...GLOBAL_OPTIONS.map(optionLine),
    '',
    'healing loop options (docs/healing.md):',
    ...LOOP_OPTIONS.map(optionLine),
    '',
    'command options:',
    ...cmdOptions,
    '',
  ].join('\n');
}

function usageError(host: Host, message: string): number {
  host.stderr.write(`x0tta6bl4: ${message}\n${usage()}`);
  return EXIT_USAGE;
}

export async function runCli(host: Host, argv: readonly string[] = host.argv): Promise<number> {
  const specs = [...GLOBAL_OPTIONS, ...LOOP_OPTIONS, ...COMMANDS.flatMap((c) => c.options)];
  const parsed = parseArgs(argv, specs);
  if (!parsed.ok) return usageError(host, parsed.error);
  const { options, positionals } = parsed.value;
  if (options.has('help')) {
    host.stdout.write(usage());
    return EXIT_OK;
  }
  if (options.has('version')) {
    host.stdout.write(`${versionLine(host.engine, host.engineVersion)}\n`);
    return EXIT_OK;
  }
  const [name, ...operands] = positionals;
  if (name === undefined) return usageError(host, 'missing command');
  if (name === 'help') {
    host.stdout.write(usage());
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return usageError(host, `unknown command '${name}'`);
  const foreign = [...options.keys()].find(
    (o) => !GLOBAL_OPTIONS.some((g) => g.name === o) && !LOOP_OPTIONS.some((g) => g.name === o) && !command.options.some((c) => c.name === o),
  );
  if (foreign !== undefined) return usageError(host, `option '--${foreign}' does not apply to '${name}'`);
  if (operands.length > command.maxOperands) return usageError(host, `'${name}': unexpected argument '${operands[command.maxOperands]}'`);
  const configOption = options.get('config');
  const configPath = typeof configOption === 'string' ? configOption : null;
  const config = loadConfig(host, { path: configPath, overrides: options });
  if (!config.ok) {
    host.stderr.write(`x0tta6bl4: ${config.error}\n`);
    return EXIT_FAILURE;
  }
  try {
    return await command.run({
      host,
      args: parsed.value,
      operands,
      config: config.value,
      configSource: config.source,
      configPath,
    });
  } catch (e) {
    if (e instanceof UsageError) return usageError(host, e.message);
    // Anything else escaping a command is a bug or an OS failure: one line, no stack.
    host.stderr.write(`x0tta6bl4: ${name}: ${(e as Error).message ?? String(e)}\n`);
    if (host.getenv('X0_DEBUG')) host.stderr.write(`${(e as Error).stack ?? ''}\n`);
    return EXIT_FAILURE;
  }
}

/** Run the command line and exit with its status: the whole of an entry point's work. */
export function runCliAndExit(host: Host): void {
  runCli(host).then(
    (code) => host.exit(code),
    (e: unknown) => {
      host.stderr.write(`x0tta6bl4: ${(e as Error).message ?? String(e)}\n`);
      host.exit(1);
    },
  );
}
