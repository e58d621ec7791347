/**
 * `x0tta6bl4 mesh originators|neighbors|gateways|interfaces [--json] [-H] [--mesh-interface IF]`:
 * batctl-style tables (or JSON) read over netlink. Without batman-adv it says so in
 * one line and exits 1. `mesh events` (mesh-events.ts) follows what batman-adv pushes.
 */
import type { Host } from '../../host/types.js';
import { Batadv } from '../../mesh/batadv.js';
import { formatGateways, formatInterfaces, formatNeighbors, formatOriginators, meshHeaderLine } from '../../mesh/format.js';
import { listGateways } from '../../mesh/gateways.js';
import { listHardInterfaces } from '../../mesh/hardifs.js';
import { getMeshInfo } from '../../mesh/mesh-info.js';
import { listNeighbors } from '../../mesh/neighbors.js';
import { listOriginators } from '../../mesh/originators.js';
import type { GenlResolver } from '../../netlink/genl.js';
import { openGenl, openRtnl } from '../../netlink/open.js';
import type { NetlinkError } from '../../netlink/result.js';
import type { Rtnl } from '../../netlink/rtnl.js';
import { type Command, type CommandContext, EXIT_FAILURE, EXIT_OK, UsageError } from '../context.js';
import { runMeshEvents } from './mesh-events.js';

export type MeshTable = 'originators' | 'neighbors' | 'gateways' | 'interfaces';

/** Sub-command names, with batctl's short forms. */
const TABLES: Record<string, MeshTable> = {
  originators: 'originators', o: 'originators',
  neighbors: 'neighbors', neighbours: 'neighbors', n: 'neighbors',
  gateways: 'gateways', gwl: 'gateways',
  interfaces: 'interfaces', interface: 'interfaces', if: 'interfaces',
};

export interface MeshCliOptions {
  table: MeshTable;
  meshIfname: string;
  json: boolean;
  noHeader: boolean;
}

/** Run one table; writes to host.stdout/stderr and returns the exit code. */
export async function runMeshTable(host: Host, opts: MeshCliOptions): Promise<number> {
  const failLine = (message: string) => {
    host.stderr.write(`x0tta6bl4 mesh: ${message}\n`);
    return EXIT_FAILURE;
  };
  const genl = openGenl();
  if (!genl.ok) return failLine(genl.error.message);
  const rtnlOpened = openRtnl();
  if (!rtnlOpened.ok) {
    genl.value.client.close();
    return failLine(rtnlOpened.error.message);
  }
  try {
    return await runWith(host, opts, genl.value, rtnlOpened.value, failLine);
  } finally {
    genl.value.client.close();
    rtnlOpened.value.client.close();
  }
}

async function runWith(host: Host, opts: MeshCliOptions, genl: GenlResolver, rtnl: Rtnl, failLine: (m: string) => number): Promise<number> {
  const describe = (e: NetlinkError) => e.message;
  // batman-adv first: on a machine without it, bat0 is missing too, and this says why.
  const family = await genl.resolve('batadv');
  if (!family.ok) {
    return failLine(family.error.kind === 'unsupported' ? 'batman-adv is not available on this machine (kernel module not loaded)' : describe(family.error));
  }
  const meshLink = await rtnl.link(opts.meshIfname);
  if (!meshLink.ok) {
    return failLine(meshLink.error.code === 'ENODEV' ? `mesh interface ${opts.meshIfname} does not exist` : describe(meshLink.error));
  }
  const batadv = new Batadv(genl, family.value, meshLink.value.index);
  const info = await getMeshInfo(batadv);
  if (!info.ok) {
    const notMesh = info.error.kind === 'kernel' && (info.error.code === 'ENODEV' || info.error.code === 'EINVAL');
    return failLine(notMesh ? `${opts.meshIfname} is not a batman-adv mesh interface` : describe(info.error));
  }
  const print = (text: string) => host.stdout.write(text);
  const printJson = (value: unknown) => print(`${JSON.stringify(value, null, 2)}\n`);

  if (opts.table === 'interfaces') {
    const [links, hardifs] = [await rtnl.links(), await listHardInterfaces(batadv)];
    if (!links.ok) return failLine(describe(links.error));
    if (!hardifs.ok) return failLine(describe(hardifs.error));
    const byIndex = new Map(hardifs.value.map((h) => [h.ifindex, h]));
    // batctl lists the enslaved links in rtnetlink dump order, with GET_HARDIF's ACTIVE flag.
    const rows = links.value
      .filter((l) => l.master === meshLink.value.index)
      .map((l) => byIndex.get(l.index) ?? { ifindex: l.index, ifname: l.name, address: l.address, active: false, hopPenalty: null, elpIntervalMs: null, throughputOverrideKbit: null });
    if (opts.json) printJson({ mesh: info.value.meshIfname, interfaces: rows });
    else print(formatInterfaces(rows));
    return EXIT_OK;
  }

  if (!info.value.primary && !opts.json) {
    // batctl prints this instead of a table when the mesh has no active primary interface.
    return failLine(meshHeaderLine(info.value));
  }
  const tableOpts = { noHeader: opts.noHeader };
  switch (opts.table) {
    case 'originators': {
      const r = await listOriginators(batadv);
      if (!r.ok) return failLine(describe(r.error));
      if (opts.json) printJson({ mesh: info.value, originators: r.value });
      else print(formatOriginators(info.value, r.value, tableOpts));
      return EXIT_OK;
    }
    case 'neighbors': {
      const r = await listNeighbors(batadv);
      if (!r.ok) return failLine(describe(r.error));
      if (opts.json) printJson({ mesh: info.value, neighbors: r.value });
      else print(formatNeighbors(info.value, r.value, tableOpts));
      return EXIT_OK;
    }
    case 'gateways': {
      const r = await listGateways(batadv);
      if (!r.ok) return failLine(describe(r.error));
      if (opts.json) printJson({ mesh: info.value, gateways: r.value });
      else print(formatGateways(info.value, r.value, tableOpts));
      return EXIT_OK;
    }
  }
}

/** The command object for runtime/src/cli/main.ts's COMMANDS list. */
export const meshCommand: Command = {
  name: 'mesh',
  summary: 'show batman-adv originators|neighbors|gateways|interfaces (like batctl), or follow its events',
  synopsis: 'originators|neighbors|gateways|interfaces [--json] [-H] | events [--json] [--count N] [--timeout S]',
  maxOperands: 1,
  options: [
    { name: 'json', value: false, help: 'print JSON instead of a table' },
    { name: 'no-header', short: 'H', value: false, help: 'table rows only, like batctl -H' },
    { name: 'count', value: true, metavar: 'N', help: 'events: stop after N events (exit 1 if --timeout comes first)' },
    { name: 'timeout', value: true, metavar: 'S', help: 'events: stop after S seconds' },
  ],
  async run(ctx: CommandContext): Promise<number> {
    const which = ctx.operands[0];
    if (which === 'events' || which === 'event') {
      const number = (name: string): number => {
        const v = ctx.args.options.get(name);
        if (typeof v !== 'string') return 0;
        if (!/^[0-9]{1,6}$/.test(v)) throw new UsageError(`mesh events: --${name} '${v}' is not a whole number`);
        return Number(v);
      };
      return runMeshEvents(ctx.host, { meshIfname: ctx.config.meshInterface, json: ctx.args.options.has('json'), count: number('count'), timeoutS: number('timeout') });
    }
    const table = which === undefined ? undefined : TABLES[which];
    if (!table) {
      throw new UsageError(`mesh: ${which === undefined ? 'missing table' : `unknown table '${which}'`} (originators|neighbors|gateways|interfaces|events)`);
    }
    return runMeshTable(ctx.host, {
      table,
      meshIfname: ctx.config.meshInterface,
      json: ctx.args.options.has('json'),
      noHeader: ctx.args.options.has('no-header'),
    });
  },
};
