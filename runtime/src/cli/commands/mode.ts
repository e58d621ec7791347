/** `x0tta6bl4 mode [auto|advise|off]`: read or set the running agent's healing mode. */
import { callAgent } from '../agent-client.js';
import { type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../context.js';

export const modeCommand: Command = {
  name: 'mode',
  summary: 'show or set the healing mode of the running agent (auto|advise|off)',
  synopsis: '[auto|advise|off]',
  maxOperands: 1,
  options: [],
  async run({ host, config, operands }) {
    const set = operands[0];
    if (set !== undefined && !['auto', 'advise', 'off'].includes(set)) throw new UsageError(`mode: '${set}' is not auto, advise or off`);
    const r = await callAgent(host, config, 'mode', set ? { set } : {}, set !== undefined);
    if (!r.ok) {
      host.stderr.write(`x0tta6bl4: mode: ${r.error}\n`);
      return EXIT_FAILURE;
    }
    host.stdout.write(`${r.data.mode}\n`);
    return EXIT_OK;
  },
};
