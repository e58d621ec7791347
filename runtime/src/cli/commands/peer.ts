/**
 * `x0tta6bl4 peer link ADDR:PORT [--mac MACS] [--json]`: ask a neighbour's agent over
 * the mesh peer channel (mutual TLS with this router's workload SVID,
 * runtime/src/peer/) how it sees its links to us. `peer whoami ADDR:PORT`: which
 * SPIFFE IDs each side saw. Our MACs default to the hard interfaces of the mesh
 * interface (rtnetlink: the links whose master it is). The server must be allowed by
 * agent.peer_allow (default: our trust domain); refusals say which side refused whom
 * and by which rule.
 */
import { parseListenAddress } from '../../config/settings.js';
import { openRtnl } from '../../netlink/open.js';
import { parseAllow } from '../../peer/allow.js';
import { peerGet } from '../../peer/client.js';
import { loadPeerIdentity } from '../../peer/identity.js';
import { formatTable } from '../table.js';
import { type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../context.js';

/**
 * The MACs of the mesh interface's hard interfaces (those whose master is it), from
 * rtnetlink in our own network namespace; [] when unknown (no netlink on this engine,
 * no such interface).
 */
export async function meshMacs(mesh: string): Promise<string[]> {
  const rt = openRtnl();
  if (!rt.ok) return [];
  try {
    const links = await rt.value.links();
    if (!links.ok) return [];
    const master = links.value.find((l) => l.name === mesh);
    if (master === undefined) return [];
    return links.value
      .filter((l) => l.master === master.index && l.address !== null && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(l.address))
      .map((l) => l.address as string)
      .slice(0, 16);
  } finally {
    rt.value.client.close();
  }
}

interface LinkRow {
  ifname?: unknown;
  neighbor?: unknown;
  live?: unknown;
  last_seen_ms?: unknown;
  metric?: unknown;
  value?: unknown;
  probe_loss?: unknown;
  incidents?: unknown;
}

function linkText(server: string, body: { node?: unknown; links?: unknown }): string {
  const links = Array.isArray(body.links) ? (body.links as LinkRow[]) : [];
  const rows = links.map((l) => [
    String(l.ifname),
    String(l.neighbor),
    l.live ? 'live' : 'gone',
    l.last_seen_ms === null ? '-' : `${String(l.last_seen_ms)} ms`,
    l.value === null ? '-' : `${String(l.metric)} ${String(l.value)}`,
    typeof l.probe_loss === 'number' ? `${(l.probe_loss * 100).toFixed(1)} %` : '-',
    Array.isArray(l.incidents) && l.incidents.length > 0 ? (l.incidents as { kind?: unknown }[]).map((i) => String(i.kind)).join(',') : '-',
  ]);
  const head = `${server} (verified over mTLS) sees ${links.length} link(s) to us\n`;
  return rows.length === 0 ? head : `${head}${formatTable(['its if', 'our MAC', 'state', 'last seen', 'metric', 'probe loss', 'incidents'], rows)}`;
}

export const peerCommand: Command = {
  name: 'peer',
  summary: "ask a neighbour's agent over the mTLS peer channel",
  synopsis: 'link ADDR:PORT [--mac MAC,...] [--json] | whoami ADDR:PORT',
  maxOperands: 2,
  options: [
    { name: 'json', value: false, help: 'print JSON instead of text' },
    { name: 'mac', value: true, metavar: 'MACS', help: 'peer link: our MACs to ask about (default: the hard interfaces of mesh_interface)' },
  ],
  async run(ctx) {
    const { host, config, args } = ctx;
    const sub = ctx.operands[0];
    if (sub !== 'link' && sub !== 'whoami') throw new UsageError('peer: say link or whoami');
    const target = ctx.operands[1];
    const address = target === undefined ? null : parseListenAddress(target);
    if (address === null) throw new UsageError(`peer ${sub}: give the neighbour's peer channel as ADDR:PORT (e.g. 10.0.0.2:9479)`);
    const id = loadPeerIdentity(host.files, config.stateDir);
    if (!id.ok) {
      host.stderr.write(`x0tta6bl4: peer: ${id.error}\n`);
      return EXIT_FAILURE;
    }
    if (id.value === null) {
      host.stderr.write('x0tta6bl4: peer: no workload SVID in the saved identity; run x0tta6bl4 identity attest first\n');
      return EXIT_FAILURE;
    }
    const allow = parseAllow(config.peerAllow, id.value.trustDomain);
    if (!allow.ok) throw new UsageError(allow.error);
    let path = '/peer/v1/whoami';
    if (sub === 'link') {
      const opt = args.options.get('mac');
      const macs = typeof opt === 'string' ? opt : (await meshMacs(config.meshInterface)).join(',');
      path = `/peer/v1/link${macs === '' ? '' : `?mac=${encodeURIComponent(macs)}`}`;
    }
    const r = await peerGet(host, address, id.value, allow.value, path);
    if (!r.ok) {
      host.stderr.write(`x0tta6bl4: peer ${sub} ${target}: ${r.error}\n`);
      return EXIT_FAILURE;
    }
    if (r.status !== 200) {
      host.stderr.write(`x0tta6bl4: peer ${sub} ${target}: ${r.serverId} answered ${r.status}: ${JSON.stringify(r.body)}\n`);
      return EXIT_FAILURE;
    }
    if (args.options.has('json') || sub === 'whoami') {
      host.stdout.write(`${JSON.stringify({ server: r.serverId, tls: r.tlsVersion, ...(r.body as object) }, null, 2)}\n`);
    } else {
      host.stdout.write(linkText(r.serverId, r.body as object));
    }
    return EXIT_OK;
  },
};
