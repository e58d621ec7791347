/** `x0tta6bl4 agent`: run the self-healing loop until SIGTERM/SIGINT; SIGHUP reloads the config. */
import { Agent } from '../../agent/agent.js';
import { loadConfig } from '../../config/load.js';
import { createLog } from '../../log.js';
import { VERSION } from '../../version.js';
import { type Command, EXIT_FAILURE, EXIT_OK } from '../context.js';

export const agentCommand: Command = {
  name: 'agent',
  summary: 'run the self-healing agent (the daemon procd starts)',
  synopsis: '[--state-dir DIR] [--cycle-ms MS]',
  maxOperands: 0,
  options: [],
  async run(ctx) {
    const { host, config } = ctx;
    const log = createLog(host, config.logLevel);
    if (config.syslog) host.logger.openSyslog('x0tta6bl4');
    log.notice(`x0tta6bl4 ${VERSION} starting (${host.engine} ${host.engineVersion}, pid ${host.processes.pid})`);
    try {
      host.files.mkdirp(config.stateDir, 0o755);
    } catch (e) {
      log.err(`state directory ${config.stateDir}: ${(e as Error).message}`);
      return EXIT_FAILURE;
    }
    const agent = new Agent(host, config, log);
    agent.start();
    log.info(`main loop running every ${config.cycleMs} ms, state in ${config.stateDir}`);
    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => () => {
        if (stopping) return;
        stopping = true;
        log.notice(`${signal}: stopping`);
        void agent.stop().then(() => {
          log.notice(`stopped after ${agent.stats.cycles} cycles`);
          resolve(EXIT_OK);
        });
      };
      host.signals.on('SIGTERM', stop('SIGTERM'));
      host.signals.on('SIGINT', stop('SIGINT'));
      host.signals.on('SIGHUP', () => {
        const next = loadConfig(host, { path: ctx.configPath, overrides: ctx.args.options });
        if (!next.ok) {
          log.err(`reload: ${next.error}; keeping the last good config`);
          return;
        }
        // Said before applying: a new log_level may silence notices from here on.
        log.notice(`reload: config ${next.source ?? '(defaults)'} applied`);
        agent.reconfigure(next.value);
      });
    });
  },
};
