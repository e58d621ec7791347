// Synthetic mesh snapshots and a recording actuator for the loop's tests (shared by
// tests/unit/loop-*.test.ts; a candidate for tests/support/). Its own test checks the builder.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ActOutcome, Actuator } from '../../runtime/src/loop/actuator.js';
import { LOOP_DEFAULTS, type LoopConfig } from '../../runtime/src/loop/settings.js';
import type { MeshSnapshot } from '../../runtime/src/mesh/snapshot.js';
import type { GatewaySetting } from '../../runtime/src/mesh/tunables.js';
import type { Link } from '../../runtime/src/netlink/rtnl-link.js';

export interface SynthInterface {
  ifname: string;
  ifindex: number;
  up?: boolean;
  carrier?: boolean;
  rx?: number;
  tx?: number;
  hopPenalty?: number;
}

export interface SynthNeighbor {
  ifname: string;
  mac: string;
  lastSeenMs?: number;
  tq?: number;
  throughputKbit?: number;
}

export interface SynthRoute {
  originator: string;
  ifname: string;
  via: string;
}

export interface SynthMesh {
  algo?: 'BATMAN_IV' | 'BATMAN_V';
  state?: MeshSnapshot['state'];
  interfaces: SynthInterface[];
  neighbors?: SynthNeighbor[];
  routes?: SynthRoute[];
  gwMode?: 'off' | 'client' | 'server';
  gwDownKbit?: number;
  gwUpKbit?: number;
}

function link(i: SynthInterface): Link {
  const up = i.up ?? true;
  const stats: Record<string, number> = {};
  return {
    index: i.ifindex,
    name: i.ifname,
    hwType: 1,
    flags: 0,
    up,
    running: up,
    lowerUp: up && (i.carrier ?? true),
    operstate: up ? 'up' : 'down',
    carrier: i.carrier ?? true,
    carrierChanges: 0,
    mtu: 1500,
    master: 100,
    kind: 'veth',
    slaveKind: 'batadv',
    address: null,
    stats: { ...stats, rxPackets: i.rx ?? 0, txPackets: i.tx ?? 0 } as Link['stats'],
  };
}

export function snapshot(m: SynthMesh): MeshSnapshot {
  const algo = m.algo ?? 'BATMAN_IV';
  const index = new Map(m.interfaces.map((i) => [i.ifname, i.ifindex]));
  const neighbors = (m.neighbors ?? []).map((n) => ({
    neighbor: n.mac,
    ifindex: index.get(n.ifname) ?? 0,
    ifname: n.ifname,
    lastSeenMs: n.lastSeenMs ?? 100,
    throughputKbit: algo === 'BATMAN_V' ? (n.throughputKbit ?? 10_000) : null,
  }));
  const originators = [
    ...(m.neighbors ?? []).map((n) => ({
      originator: n.mac,
      neighbor: n.mac,
      ifindex: index.get(n.ifname) ?? 0,
      ifname: n.ifname,
      lastSeenMs: n.lastSeenMs ?? 100,
      best: !(m.routes ?? []).some((r) => r.originator === n.mac),
      tq: algo === 'BATMAN_IV' ? (n.tq ?? 250) : null,
      throughputKbit: algo === 'BATMAN_V' ? (n.throughputKbit ?? 10_000) : null,
    })),
    ...(m.routes ?? []).map((r) => ({
      originator: r.originator,
      neighbor: r.via,
      ifindex: index.get(r.ifname) ?? 0,
      ifname: r.ifname,
      lastSeenMs: 100,
      best: true,
      tq: algo === 'BATMAN_IV' ? 200 : null,
      throughputKbit: null,
    })),
  ];
  return {
    meshIfname: 'bat0',
    state: m.state ?? 'up',
    reason: null,
    takenAtMs: 0,
    durationMs: 1,
    mesh: {
      meshIfindex: 100,
      meshIfname: 'bat0',
      meshAddress: '02:00:00:00:00:01',
      version: '2022.3',
      algorithm: algo,
      primary: { ifindex: m.interfaces[0]?.ifindex ?? 0, ifname: m.interfaces[0]?.ifname ?? '', address: '02:00:00:00:00:01' },
      ttvn: 1,
      blaCrc: null,
      mcastFlags: null,
      mcastFlagsPriv: null,
      tunables: {
        ...(m.gwMode ? { gwMode: m.gwMode } : {}),
        ...(m.gwDownKbit !== undefined ? { gwBandwidthDownKbit: m.gwDownKbit } : {}),
        ...(m.gwUpKbit !== undefined ? { gwBandwidthUpKbit: m.gwUpKbit } : {}),
      },
    },
    hardInterfaces: m.interfaces.map((i) => ({
      ifindex: i.ifindex,
      ifname: i.ifname,
      address: null,
      active: i.up ?? true,
      hopPenalty: i.hopPenalty ?? 0,
      elpIntervalMs: null,
      throughputOverrideKbit: null,
    })),
    neighbors,
    originators,
    bestRoutes: originators.filter((o) => o.best),
    gateways: [],
    links: [
      { ...link({ ifname: 'bat0', ifindex: 100 }), master: 0, kind: 'batadv', slaveKind: null },
      ...m.interfaces.map(link),
    ],
  };
}

export function config(over: Partial<LoopConfig> = {}): LoopConfig {
  return { ...LOOP_DEFAULTS, excludeInterfaces: [], ...over };
}

export interface Call {
  op: string;
  args: unknown[];
}

/** An actuator that records calls and answers as told. */
export class RecordingActuator implements Actuator {
  readonly calls: Call[] = [];
  fail = false;
  onCall: ((c: Call) => void) | null = null;

  private answer(op: string, args: unknown[]): Promise<ActOutcome> {
    const c = { op, args };
    this.calls.push(c);
    this.onCall?.(c);
    return Promise.resolve(this.fail ? { ok: false, error: `${op} refused by the test` } : { ok: true, detail: `${op} ${args.join(' ')}` });
  }

  setHopPenalty(ifname: string, value: number) {
    return this.answer('hop', [ifname, value]);
  }
  setGatewayMode(s: GatewaySetting) {
    return this.answer('gw', [s.mode]);
  }
  restartInterface(ifname: string, method: string) {
    return this.answer('restart', [ifname, method]);
  }
  runHook(command: string, env: Record<string, string>) {
    return this.answer('hook', [command, env.X0_EVENT ?? '']);
  }
}

const t = suite('loop: synthetic snapshots');

t('the builder makes one-hop originators best unless a route says otherwise', () => {
  const s = snapshot({
    interfaces: [{ ifname: 'eth1', ifindex: 2 }],
    neighbors: [{ ifname: 'eth1', mac: 'aa:00:00:00:00:02', tq: 240 }],
    routes: [{ originator: 'aa:00:00:00:00:09', ifname: 'eth1', via: 'aa:00:00:00:00:02' }],
  });
  assert.is(s.bestRoutes.length, 2);
  assert.is(s.links.length, 2);
  assert.is(s.originators[0]?.tq, 240);
});

t.run();
