/**
 * Actuators: the only code that changes the router. Behind one interface so the
 * executor (and its tests) do not care how; the real implementation talks
 * generic netlink to batman-adv, rtnetlink for links, and runs ubus/wifi/hooks
 * through host.processes.
 */
import type { Host, SpawnResult } from '../host/index.js';
import { Batadv } from '../mesh/batadv.js';
import { type GatewaySetting, setHardifTunables, setMeshTunables } from '../mesh/tunables.js';
import type { GenlResolver } from '../netlink/genl.js';
import type { NetlinkError } from '../netlink/result.js';
import type { Rtnl } from '../netlink/rtnl.js';
import { MAX_NETIFD_JSON, netifdInterfaceFor, type Resolved, radioFor } from '../openwrt/netifd.js';
import type { RestartMethod } from './settings.js';

/** A detail line on success, the reason on failure. */
export type ActOutcome = { ok: true; detail: string } | { ok: false; error: string };

export interface Actuator {
  setHopPenalty(ifname: string, value: number): Promise<ActOutcome>;
  setGatewayMode(setting: GatewaySetting): Promise<ActOutcome>;
  restartInterface(ifname: string, method: RestartMethod): Promise<ActOutcome>;
  runHook(command: string, env: Record<string, string>): Promise<ActOutcome>;
}

const nlText = (e: NetlinkError) => (e.code ? `${e.message} (${e.code})` : e.message);

export interface MeshActuatorOptions {
  /** Pause between link down and up (ms). */
  restartPauseMs?: number;
  hookTimeoutMs?: number;
}

/** The netlink clients, opened on demand (an action fails cleanly while they cannot be). */
export type NetlinkClients = () => { ok: true; value: { rtnl: Rtnl; genl: GenlResolver } } | { ok: false; error: string };

export class MeshActuator implements Actuator {
  constructor(
    private readonly host: Host,
    private readonly meshIfname: string,
    private readonly netlink: NetlinkClients,
    private readonly options: MeshActuatorOptions = {},
  ) {}

  private rtnl(): { ok: true; value: Rtnl } | { ok: false; error: string } {
    const n = this.netlink();
    return n.ok ? { ok: true, value: n.value.rtnl } : n;
  }

  private async batadv(): Promise<{ ok: true; value: { batadv: Batadv; rtnl: Rtnl } } | { ok: false; error: string }> {
    const n = this.netlink();
    if (!n.ok) return n;
    const mesh = await n.value.rtnl.link(this.meshIfname);
    if (!mesh.ok) return { ok: false, error: `${this.meshIfname}: ${nlText(mesh.error)}` };
    const b = await Batadv.open(n.value.genl, mesh.value.index);
    return b.ok ? { ok: true, value: { batadv: b.value, rtnl: n.value.rtnl } } : { ok: false, error: `batadv: ${nlText(b.error)}` };
  }

  async setHopPenalty(ifname: string, value: number): Promise<ActOutcome> {
    const b = await this.batadv();
    if (!b.ok) return b;
    const link = await b.value.rtnl.link(ifname);
    if (!link.ok) return { ok: false, error: `${ifname}: ${nlText(link.error)}` };
    const r = await setHardifTunables(b.value.batadv, link.value.index, { hopPenalty: value });
    return r.ok ? { ok: true, detail: `hop_penalty of ${ifname} set to ${value}` } : { ok: false, error: nlText(r.error) };
  }

  async setGatewayMode(setting: GatewaySetting): Promise<ActOutcome> {
    const b = await this.batadv();
    if (!b.ok) return b;
    const r = await setMeshTunables(b.value.batadv, { gateway: setting });
    return r.ok ? { ok: true, detail: `gw_mode of ${this.meshIfname} set to ${setting.mode}` } : { ok: false, error: nlText(r.error) };
  }

  async restartInterface(ifname: string, method: RestartMethod): Promise<ActOutcome> {
    if (method === 'link') {
      const rtnl = this.rtnl();
      if (!rtnl.ok) return rtnl;
      const link = await rtnl.value.link(ifname);
      if (!link.ok) return { ok: false, error: `${ifname}: ${nlText(link.error)}` };
      const down = await rtnl.value.setUp(link.value.index, false);
      if (!down.ok) return { ok: false, error: `${ifname} down: ${nlText(down.error)}` };
      await new Promise<void>((r) => this.host.timers.setTimeout(r, this.options.restartPauseMs ?? 300));
      const up = await rtnl.value.setUp(link.value.index, true);
      return up.ok ? { ok: true, detail: `${ifname} set down and up (rtnetlink)` } : { ok: false, error: `${ifname} up: ${nlText(up.error)}` };
    }
    // OpenWrt: netifd and the wifi script know the device by their own names.
    const name = await this.openwrtName(ifname, method);
    if (!name.ok) return name;
    const [down, up] =
      method === 'ubus'
        ? [['ubus', 'call', `network.interface.${name.name}`, 'down'], ['ubus', 'call', `network.interface.${name.name}`, 'up']]
        : [['wifi', 'down', name.name], ['wifi', 'up', name.name]];
    for (const argv of [down, up]) {
      const r = await this.spawn(argv, 15_000, undefined);
      if ('error' in r) return { ok: false, error: r.error };
      if (r.status !== 0) return { ok: false, error: `${argv.join(' ')}: ${r.timedOut ? 'timed out' : r.stderr.trim().split('\n')[0] || `exit ${r.status ?? r.signal}`}` };
    }
    return { ok: true, detail: `${ifname} is ${method === 'ubus' ? 'netifd interface' : 'on'} ${name.name}: ${down.join(' ')}; ${up.join(' ')}` };
  }

  /** netifd's interface (method ubus) or the radio (method wifi) of a device. */
  private async openwrtName(ifname: string, method: 'ubus' | 'wifi'): Promise<Resolved> {
    const argv = method === 'ubus' ? ['ubus', 'call', 'network.interface', 'dump'] : ['ubus', 'call', 'network.wireless', 'status'];
    const r = await this.spawn(argv, 10_000, undefined, MAX_NETIFD_JSON);
    if ('error' in r) return { ok: false, error: r.error };
    if (r.status !== 0) return { ok: false, error: `${argv.join(' ')}: ${r.timedOut ? 'timed out' : r.stderr.trim().split('\n')[0] || `exit ${r.status ?? r.signal}`}` };
    return method === 'ubus' ? netifdInterfaceFor(r.stdout, ifname) : radioFor(r.stdout, ifname);
  }

  async runHook(command: string, env: Record<string, string>): Promise<ActOutcome> {
    // A given environment replaces the agent's: keep PATH so hooks find uci, wifi, ubus.
    const path = this.host.getenv('PATH') ?? '/usr/sbin:/usr/bin:/sbin:/bin';
    const r = await this.spawn(['/bin/sh', '-c', command], this.options.hookTimeoutMs ?? 30_000, { PATH: path, ...env });
    if ('error' in r) return { ok: false, error: r.error };
    if (r.status === 0) return { ok: true, detail: `hook exited 0${r.stdout.trim() ? `: ${r.stdout.trim().split('\n')[0]}` : ''}` };
    return { ok: false, error: `hook ${r.timedOut ? 'timed out' : `exited ${r.status ?? r.signal}`}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0]}` : ''}` };
  }

  private async spawn(argv: string[], timeoutMs: number, env: Record<string, string> | undefined, maxOutput = 4096): Promise<SpawnResult | { error: string }> {
    try {
      return await this.host.processes.run(argv, { timeoutMs, maxOutput, ...(env ? { env } : {}) });
    } catch (e) {
      return { error: `${argv[0]}: ${(e as Error).message ?? String(e)}` };
    }
  }
}
