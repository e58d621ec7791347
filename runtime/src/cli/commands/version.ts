/** `x0tta6bl4 version` (also `--version`). */
import { VERSION } from '../../version.js';
import { type Command, EXIT_OK } from '../context.js';

export function versionLine(engineName: string, engineVersion: string): string {
  return `x0tta6bl4 ${VERSION} (${engineName} ${engineVersion})`;
}

export const versionCommand: Command = {
  name: 'version',
  summary: 'print the version and the engine',
  synopsis: '',
  maxOperands: 0,
  options: [],
  async run({ host }) {
    host.stdout.write(`${versionLine(host.engine, host.engineVersion)}\n`);
    return EXIT_OK;
  },
};
