// Parsing the agent's UCI config and its command line: done at start and on every
// SIGHUP, so it must stay cheap on a router's CPU.
import type { Bench } from 'tinybench';
import { parseArgs } from '../../runtime/src/cli/args.js';
import { GLOBAL_OPTIONS } from '../../runtime/src/cli/main.js';
import { parseUci } from '../../runtime/src/config/uci.js';

const config = [
  'package x0tta6bl4',
  "config agent 'agent'",
  "\toption state_dir '/tmp/x0tta6bl4'",
  "\toption log_level 'info'",
  "\toption cycle_ms '1000'",
  "\toption syslog '1'",
  ...Array.from({ length: 8 }, (_, i) => `config interface 'mesh${i}'\n\toption ifname 'mesh${i}'\n\toption hop_penalty_max '60'\n\tlist exclude "wlan${i}"`),
].join('\n');

export function register(bench: Bench): void {
  bench.add('config: parse a 40-line UCI file', () => {
    const r = parseUci(config);
    if (!r.ok) throw new Error(r.error);
  });
  bench.add('cli: parse agent command line', () => {
    const r = parseArgs(['--config', '/etc/config/x0tta6bl4', 'agent', '--state-dir', '/tmp/x', '--cycle-ms=500'], GLOBAL_OPTIONS);
    if (!r.ok) throw new Error(r.error);
  });
}
