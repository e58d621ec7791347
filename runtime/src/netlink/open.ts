/** Opening netlink clients on the current host (the only file here that calls getHost()). */
import { getHost } from '../host/index.js';
import type { NetlinkOptions } from '../host/types.js';
import { NetlinkClient, type NetlinkClientOptions } from './client.js';
import { NETLINK_GENERIC, NETLINK_KOBJECT_UEVENT, NETLINK_ROUTE } from './constants.js';
import { GenlResolver } from './genl.js';
import { fail, type NlResult, ok } from './result.js';
import { Rtnl } from './rtnl.js';
import { decodeUevent, UEVENT_GROUP_KERNEL, type Uevent } from './uevent.js';

export type OpenOptions = NetlinkOptions & Omit<NetlinkClientOptions, 'timers'>;

/** 4 MiB: a 20-node mesh dump is far smaller, but link dumps with stats on big hosts are not. */
const DEFAULT_RECEIVE_BUFFER = 4 * 1024 * 1024;

export function openNetlink(protocol: number, options: OpenOptions = {}): NlResult<NetlinkClient> {
  const host = getHost();
  if (!host.net.netlink) return fail('unsupported', `netlink is not available on the ${host.engine} engine`);
  try {
    const socket = host.net.netlink(protocol, {
      receiveBuffer: options.receiveBuffer ?? DEFAULT_RECEIVE_BUFFER,
      extendedAck: options.extendedAck ?? true,
      ...(options.groups !== undefined ? { groups: options.groups } : {}),
    });
    return ok(new NetlinkClient(socket, { ...options, timers: host.timers }));
  } catch (e) {
    const err = e as { message?: string; code?: string; errno?: number };
    return fail('unsupported', `cannot open netlink protocol ${protocol}: ${err.message ?? String(e)}`, {
      ...(err.code ? { code: err.code } : {}),
      ...(typeof err.errno === 'number' ? { errno: err.errno } : {}),
    });
  }
}

export function openRtnl(options?: OpenOptions): NlResult<Rtnl> {
  const client = openNetlink(NETLINK_ROUTE, options);
  return client.ok ? ok(new Rtnl(client.value)) : client;
}

export function openGenl(options?: OpenOptions): NlResult<GenlResolver> {
  const client = openNetlink(NETLINK_GENERIC, options);
  return client.ok ? ok(new GenlResolver(client.value)) : client;
}

export interface UeventSubscription {
  close(): void;
}

/**
 * Listen to the kernel's uevents (NETLINK_KOBJECT_UEVENT, the kernel group). Network
 * devices' uevents reach the sockets of the device's own network namespace only, so
 * this hears the mesh interface of the namespace it runs in. Datagrams that do not
 * decode go to onError; nothing else is lost.
 */
export function openUevents(onEvent: (event: Uevent) => void, onError?: (message: string) => void): NlResult<UeventSubscription> {
  const host = getHost();
  if (!host.net.netlink) return fail('unsupported', `netlink is not available on the ${host.engine} engine`);
  try {
    const socket = host.net.netlink(NETLINK_KOBJECT_UEVENT, { groups: UEVENT_GROUP_KERNEL, receiveBuffer: 256 * 1024, extendedAck: false });
    socket.onMessage((datagram) => {
      const ev = decodeUevent(datagram);
      if (ev.ok) onEvent(ev.value);
      else onError?.(ev.error.message);
    });
    socket.onError((e) => onError?.(`uevent socket: ${e.message}`));
    return ok({ close: () => socket.close() });
  } catch (e) {
    const err = e as { message?: string; code?: string };
    return fail('unsupported', `cannot listen to kernel uevents: ${err.message ?? String(e)}`, err.code ? { code: err.code } : {});
  }
}
