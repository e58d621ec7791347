// Synthetic mesh snapshots, a recording actuator and the whole loop on a manual clock,
// for the loop's tests (shared by tests/unit/loop-*.test.ts; a candidate for
// tests/support/). Its own test checks the builder.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CycleContext } from '../../runtime/src/agent/agent.js';
import { getHost, type Host } from '../../runtime/src/host/index.js';
import type { KnowledgeStore } from '../../runtime/src/knowledge/store.js';
import type { ProbeTransport } from '../../runtime/src/linkprobe/prober.js';
import { createLog } from '../../runtime/src/log.js';
import type { ActOutcome, Actuator } from '../../runtime/src/loop/actuator.js';
import { createHealingLoop, type HealingLoop, type HealingLoopDeps } from '../../runtime/src/loop/healing-loop.js';
import type { PeerSummary } from '../../runtime/src/loop/peer-view.js';
import { LOOP_DEFAULTS, type LoopConfig } from '../../runtime/src/loop/settings.js';
import type { AuditRecord } from '../../runtime/src/loop/types.js';
import type { MeshSnapshot } from '../../runtime/src/mesh/snapshot.js';
import type { GatewaySetting } from '../../runtime/src/mesh/tunables.js';
import { ok } from '../../runtime/src/netlink/result.js';
import type { Link } from '../../runtime/src/netlink/rtnl-link.js';

export interface SynthInterface {
  ifname: string;
  ifindex: number;
  /** Its MAC (what the peers' heard lists name it by). */
  mac?: string;
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
  /** Entries batman-adv also keeps for an originator through other next hops (not best). */
  alternatives?: SynthRoute[];
  gwMode?: 'off' | 'client' | 'server';
  gwDownKbit?: number;
  gwUpKbit?: number;
  /** Wall clock of the snapshot (compared with the peers' accounts). */
  wallMs?: number;
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
    address: i.mac ?? null,
    stats: { ...stats, rxPackets: i.rx ?? 0, txPackets: i.tx ?? 0 } as Link['stats'],
  };
}

/**
 * eth1 (neighbours aa:..:0a and aa:..:0b) and eth2 (aa:..:0c), both receiving; the far
 * originator aa:..:99's best hop on eth1 toggles every 4 s while `flap` says so.
 */
export function flappingMesh(flap: (cycle: number) => boolean = () => false) {
  return (cycle: number): SynthMesh => {
    // While the link to ..:0a is bad its TQ is low and the route takes ..:0b: a flapping link.
    const bad = flap(cycle) && Math.floor(cycle / 4) % 2 === 1;
    return {
      interfaces: [
        { ifname: 'eth1', ifindex: 2, rx: cycle * 10, tx: cycle * 10 },
        { ifname: 'eth2', ifindex: 3, rx: cycle * 10, tx: cycle * 10 },
      ],
      neighbors: [
        { ifname: 'eth1', mac: 'aa:00:00:00:00:0a', tq: bad ? 180 : 250 },
        { ifname: 'eth1', mac: 'aa:00:00:00:00:0b' },
        { ifname: 'eth2', mac: 'aa:00:00:00:00:0c' },
      ],
      routes: [{ originator: 'aa:00:00:00:00:99', ifname: 'eth1', via: bad ? 'aa:00:00:00:00:0b' : 'aa:00:00:00:00:0a' }],
    };
  };
}

/** eth1 and eth2, one neighbour each (aa:..:0a, aa:..:0b), both receiving. */
export const twoInterfaceMesh = (cycle: number): SynthMesh => ({
  interfaces: [
    { ifname: 'eth1', ifindex: 2, rx: cycle, tx: cycle },
    { ifname: 'eth2', ifindex: 3, rx: cycle, tx: cycle },
  ],
  neighbors: [
    { ifname: 'eth1', mac: 'aa:00:00:00:00:0a' },
    { ifname: 'eth2', mac: 'aa:00:00:00:00:0b' },
  ],
});

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
    ...(m.alternatives ?? []).map((r) => ({
      originator: r.originator,
      neighbor: r.via,
      ifindex: index.get(r.ifname) ?? 0,
      ifname: r.ifname,
      lastSeenMs: 100,
      best: false,
      tq: algo === 'BATMAN_IV' ? 150 : null,
      throughputKbit: null,
    })),
  ];
  return {
    meshIfname: 'bat0',
    state: m.state ?? 'up',
    reason: null,
    takenAtMs: m.wallMs ?? 0,
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
      address: i.mac ?? null,
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

/**
 * The whole loop on a manual clock (1 s per cycle), a scripted mesh and a recording
 * actuator (which also plays the kernel: hop penalties and gateway mode stick).
 */
export function loopHarness(
  over: Partial<LoopConfig>,
  mesh: (cycle: number) => SynthMesh,
  probe?: () => boolean,
  store: KnowledgeStore | null = null,
  peers?: (wallMs: number) => PeerSummary[],
  extra: Partial<HealingLoopDeps> = {},
  /** Link probe sockets, on the harness's clock. */
  probeTransport?: (monoMs: () => number) => ProbeTransport,
) {
  let now = 1_000_000;
  const base = getHost();
  const lines: string[] = [];
  const host: Host = {
    ...base,
    clock: { monotonicMs: () => now, monotonicNs: () => BigInt(now) * 1_000_000n, wallMs: () => 1_700_000_000_000 + now },
    logger: { log: (l, m) => void lines.push(`${l} ${m}`), openSyslog() {} },
  };
  const actuator = new RecordingActuator();
  const penalties = new Map<string, number>();
  let gw: 'off' | 'server' | 'client' = 'server';
  actuator.onCall = (c) => {
    if (c.op === 'hop') penalties.set(c.args[0] as string, c.args[1] as number);
    if (c.op === 'gw') gw = c.args[0] as typeof gw;
  };
  let cycle = 0;
  let readGate: Promise<void> | null = null;
  const cfg = config(over);
  const audits: AuditRecord[] = [];
  const loop: HealingLoop = createHealingLoop({
    host,
    log: createLog(host, 'debug'),
    meshIfname: 'bat0',
    config: cfg,
    mesh: {
      read: () => {
        const m = mesh(cycle);
        const withKernel: SynthMesh = {
          gwMode: gw,
          gwDownKbit: 50_000,
          gwUpKbit: 10_000,
          wallMs: host.clock.wallMs(),
          ...m,
          interfaces: m.interfaces.map((i): SynthInterface => ({ ...i, hopPenalty: penalties.get(i.ifname) ?? i.hopPenalty ?? 0 })),
        };
        // Taken now; delivered when a held read is let go (see holdReads).
        const taken = ok(snapshot(withKernel));
        return readGate ? readGate.then(() => taken) : Promise.resolve(taken);
      },
    },
    actuator,
    probeTransport: probeTransport ? probeTransport(() => now) : null,
    probe: () => Promise.resolve(probe?.() === false ? { ok: false as const, error: 'ETIMEDOUT' } : { ok: true as const, rttMs: 5 }),
    store,
    summarySink: null,
    peerSource: peers ? { read: () => Promise.resolve({ ok: true as const, value: peers(host.clock.wallMs()) }) } : null,
    nodeName: 'node1',
    agentVersion: '0.1.0',
    onAudit: (a) => void audits.push(a),
    ...extra,
  });
  /** Start a cycle and run its phases up to `last`; the returned function runs the rest. */
  let lastCtx: CycleContext | null = null;
  let beforeCycle: () => void = () => {};
  const startCycle = async (last?: string, stepMs = 1000): Promise<() => Promise<void>> => {
    cycle++;
    now += stepMs;
    beforeCycle();
    const ctx: CycleContext = { cycle, startedMs: now, wakeBy: Number.POSITIVE_INFINITY };
    lastCtx = ctx;
    const cut = last === undefined ? loop.phases.length : loop.phases.findIndex((p) => p.name === last) + 1;
    if (cut === 0) throw new Error(`no phase ${last}`);
    for (const p of loop.phases.slice(0, cut)) await p.run(ctx);
    return async () => {
      for (const p of loop.phases.slice(cut)) await p.run(ctx);
    };
  };
  const runCycle = async () => void (await startCycle());
  return {
    loop,
    actuator,
    lines,
    audits,
    penalties,
    get gw() {
      return gw;
    },
    async cycles(n: number) {
      for (let i = 0; i < n; i++) await runCycle();
    },
    /** Called at the start of every cycle, on its time, before its phases (e.g. to deliver the probes of the second that just passed). */
    beforeEachCycle(fn: () => void) {
      beforeCycle = fn;
    },
    /** One cycle `stepMs` after the last one started (an early cycle when below 1000). */
    async cycleAfter(stepMs: number) {
      await (await startCycle(undefined, stepMs))();
    },
    /** How long after its start the last cycle asked for the next (Infinity: the regular cycle). */
    get wakeInMs(): number {
      return lastCtx ? lastCtx.wakeBy - lastCtx.startedMs : Number.POSITIVE_INFINITY;
    },
    startCycle,
    /** Snapshots read from now on are taken at once but delivered only when the returned function is called. */
    holdReads(): () => void {
      let release: () => void = () => {};
      readGate = new Promise<void>((r) => (release = r));
      return () => {
        readGate = null;
        release();
      };
    },
    // Let a probe promise settle between cycles.
    settle: () => new Promise<void>((r) => base.timers.setTimeout(r, 0)),
  };
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
