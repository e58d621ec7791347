/** `x0tta6bl4 status [--mesh] [--json]`: the running agent's state, or the mesh-wide view from alfred. */
import { AlfredClient } from '../../alfred/client.js';
import { formatMeshStatus, readMeshSummaries } from '../../alfred/mesh-status.js';
import type { JsonObject } from '../../ubus/blobmsg.js';
import { PeerIdentityCache } from '../../peer/identity-cache.js';
import { callAgent } from '../agent-client.js';
import { type Command, EXIT_FAILURE, EXIT_OK } from '../context.js';

function statusText(d: JsonObject): string {
  const loop = (d.loop ?? {}) as JsonObject;
  const bat = d.batman_adv as JsonObject | null;
  const counts = (d.counts ?? {}) as JsonObject;
  const lines = [
    `agent       x0tta6bl4 ${d.version} (${d.engine}), up ${d.uptime_s} s`,
    `health      ${d.health}${Array.isArray(d.reasons) && d.reasons.length ? `: ${d.reasons.join('; ')}` : ''}`,
    `mode        ${d.mode ?? '-'}`,
    `loop        ${loop.running ? 'running' : 'stopped'}, ${loop.cycles} cycles, last ${loop.last_cycle_ms} ms, max ${loop.max_cycle_ms} ms`,
    `batman-adv  ${bat ? `${bat.mesh_interface} ${bat.state}${bat.algorithm ? ` (${bat.algorithm})` : ''}, ${bat.neighbors} neighbours, ${bat.originators} originators` : '-'}`,
    `incidents   ${counts.incidents_open ?? '-'} open`,
    `actions     ${counts.actions_budget_used ?? '-'} of ${counts.actions_budget ?? '-'} in the last 10 minutes`,
  ];
  return `${lines.join('\n')}\n`;
}

export const statusCommand: Command = {
  name: 'status',
  summary: "the running agent's health, mode and counts (--mesh: every node, from alfred)",
  synopsis: '[--mesh] [--json]',
  maxOperands: 0,
  options: [
    { name: 'json', value: false, help: 'print JSON instead of text' },
    { name: 'mesh', value: false, help: 'status: the mesh-wide view from alfred' },
  ],
  async run({ host, config, args }) {
    const json = args.options.has('json');
    if (args.options.has('mesh')) {
      // Signatures are checked with our own identity's bundle and peer_allow rules, when we have them.
      const trust = new PeerIdentityCache(host, config.stateDir, config.peerAllow, (m) => host.stderr.write(`x0tta6bl4: status --mesh: ${m}; signatures not checked\n`)).current();
      const verifier = trust && host.crypto ? { bundles: trust.identity.bundles, allow: trust.allow, crypto: host.crypto, nowMs: host.clock.wallMs() } : null;
      const r = await readMeshSummaries(new AlfredClient(host, { socketPath: config.loop.alfredSocket, timeoutMs: 5000 }), config.loop.alfredType, verifier);
      if (!r.ok) {
        host.stderr.write(`x0tta6bl4: status --mesh: ${r.error}\n`);
        return EXIT_FAILURE;
      }
      host.stdout.write(json ? `${JSON.stringify(r.value, null, 2)}\n` : formatMeshStatus(r.value, Math.floor(host.clock.wallMs() / 1000)));
      return EXIT_OK;
    }
    const r = await callAgent(host, config, 'status', {});
    if (!r.ok) {
      host.stderr.write(`x0tta6bl4: status: ${r.error}\n`);
      return EXIT_FAILURE;
    }
    host.stdout.write(json ? `${JSON.stringify(r.data, null, 2)}\n` : statusText(r.data));
    // Scripts: 0 healthy, 3 running but degraded.
    return r.data.health === 'ok' ? EXIT_OK : 3;
  },
};
