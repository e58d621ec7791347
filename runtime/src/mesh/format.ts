/**
 * Tables in batctl's layout (batctl 2023.x: `batctl meshif bat0 o|n|gwl|if`), so a
 * batctl user reads them at a glance and the lab can compare rows with `-H` output.
 */
import type { Gateway } from './gateways.js';
import type { HardInterface } from './hardifs.js';
import type { MeshInfo } from './mesh-info.js';
import type { Neighbor } from './neighbors.js';
import type { OriginatorEntry } from './originators.js';

const right = (value: string | number, width: number) => String(value).padStart(width);
const zero3 = (n: number) => String(n).padStart(3, '0');

/** "%4i.%03is" of a millisecond count. */
function lastSeen(ms: number): string {
  return `${right(Math.floor(ms / 1000), 4)}.${zero3(ms % 1000)}s`;
}

/** "%9u.%1u" of a kbit/s value printed as Mbit/s with one decimal (truncated, as batctl). */
function mbit(kbit: number): string {
  return `${right(Math.floor(kbit / 1000), 9)}.${Math.floor((kbit % 1000) / 100)}`;
}

/** "[B.A.T.M.A.N. adv 2022.3, MainIF/MAC: eth0/.. (bat0/.. BATMAN_IV)]", or batctl's "disabled" line. */
export function meshHeaderLine(info: MeshInfo): string {
  if (!info.primary) return `BATMAN mesh ${info.meshIfname} disabled`;
  return `[B.A.T.M.A.N. adv ${info.version ?? ''}, MainIF/MAC: ${info.primary.ifname}/${info.primary.address} (${info.meshIfname}/${info.meshAddress ?? ''} ${info.algorithm ?? ''})]`;
}

export function originatorsHeader(algorithm: string | null): string {
  return algorithm === 'BATMAN_V'
    ? '   Originator        last-seen ( throughput)  Nexthop           [outgoingIF]'
    : '   Originator        last-seen (#/255) Nexthop           [outgoingIF]';
}

export function originatorRow(o: OriginatorEntry): string {
  const c = o.best ? '*' : ' ';
  // batctl separates the throughput from the next hop with two spaces (seen in the lab,
  // batctl 2023.0), the TQ with one; the header's "( throughput)  Nexthop" agrees.
  const metric = o.throughputKbit !== null ? `(${mbit(o.throughputKbit)}) ` : `  (${right(o.tq ?? 0, 3)})`;
  return ` ${c} ${o.originator} ${lastSeen(o.lastSeenMs)} ${metric} ${o.neighbor} [${right(o.ifname, 10)}]`;
}

export const NEIGHBORS_HEADER = 'IF             Neighbor              last-seen';

export function neighborRow(n: Neighbor): string {
  if (n.throughputKbit !== null) return `${n.neighbor} ${lastSeen(n.lastSeenMs)} (${mbit(n.throughputKbit)}) [${right(n.ifname, 10)}]`;
  return `   ${right(n.ifname, 10)}\t  ${n.neighbor} ${lastSeen(n.lastSeenMs)}`;
}

export function gatewaysHeader(algorithm: string | null): string {
  return algorithm === 'BATMAN_V'
    ? '  Router            ( throughput) Next Hop          [outgoingIf]  Bandwidth'
    : '  Router            ( TQ) Next Hop          [outgoingIf]  Bandwidth';
}

/** "%u.%u" of a value in 100 kbit/s units, i.e. Mbit/s with one decimal. */
function units100k(kbit: number): string {
  const u = Math.floor(kbit / 100);
  return `${Math.floor(u / 10)}.${u % 10}`;
}

export function gatewayRow(g: Gateway): string {
  const c = g.best ? '*' : ' ';
  let metric = '';
  if (g.throughputKbit !== null) {
    const u = Math.floor(g.throughputKbit / 100);
    metric = `(${right(Math.floor(u / 10), 9)}.${u % 10}) `;
  } else if (g.tq !== null) {
    metric = `(${right(g.tq, 3)}) `;
  }
  return `${c} ${g.originator} ${metric}${g.router} [${right(g.ifname, 10)}]: ${units100k(g.bandwidthDownKbit)}/${units100k(g.bandwidthUpKbit)} MBit`;
}

export function interfaceRow(h: Pick<HardInterface, 'ifname' | 'active'>): string {
  return `${h.ifname}: ${h.active ? 'active' : 'inactive'}`;
}

export interface TableOptions {
  /** batctl -H: rows only. */
  noHeader?: boolean;
}

function table(info: MeshInfo, columns: string, rows: string[], opts: TableOptions): string {
  if (opts.noHeader) return rows.map((r) => `${r}\n`).join('');
  if (!info.primary) return `${meshHeaderLine(info)}\n`;
  return [meshHeaderLine(info), columns, ...rows].map((r) => `${r}\n`).join('');
}

export function formatOriginators(info: MeshInfo, entries: readonly OriginatorEntry[], opts: TableOptions = {}): string {
  return table(info, originatorsHeader(info.algorithm), entries.map(originatorRow), opts);
}

export function formatNeighbors(info: MeshInfo, entries: readonly Neighbor[], opts: TableOptions = {}): string {
  return table(info, NEIGHBORS_HEADER, entries.map(neighborRow), opts);
}

export function formatGateways(info: MeshInfo, entries: readonly Gateway[], opts: TableOptions = {}): string {
  return table(info, gatewaysHeader(info.algorithm), entries.map(gatewayRow), opts);
}

/** `batctl if` has no header. */
export function formatInterfaces(entries: readonly Pick<HardInterface, 'ifname' | 'active'>[]): string {
  return entries.map((h) => `${interfaceRow(h)}\n`).join('');
}
