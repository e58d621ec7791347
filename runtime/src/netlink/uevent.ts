/**
 * Kernel uevents (NETLINK_KOBJECT_UEVENT, multicast group 1). A datagram is not
 * netlink-framed: "ACTION@DEVPATH\0KEY=VALUE\0KEY=VALUE\0...". udev's re-broadcasts
 * (group 2) start with "libudev\0" and a binary header; they are rejected here.
 */
import { utf8Decode } from './bytes.js';
import { decodeError, type NlResult, ok } from './result.js';

/** The kernel's uevent multicast group (udev uses 2). */
export const UEVENT_GROUP_KERNEL = 1;

export interface Uevent {
  action: string;
  devpath: string;
  /** KEY=VALUE pairs (ACTION, DEVPATH, SUBSYSTEM, INTERFACE, IFINDEX, SEQNUM, ...). */
  env: Record<string, string>;
}

/** Bound on a uevent datagram (the kernel's UEVENT_BUFFER_SIZE is 2048). */
const MAX_UEVENT = 8192;

export function decodeUevent(datagram: Uint8Array): NlResult<Uevent> {
  if (datagram.length === 0) return decodeError('uevent: empty datagram');
  if (datagram.length > MAX_UEVENT) return decodeError(`uevent: ${datagram.length} bytes is more than ${MAX_UEVENT}`);
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i <= datagram.length; i++) {
    if (i === datagram.length || datagram[i] === 0) {
      if (i > start) parts.push(utf8Decode(datagram, start, i));
      start = i + 1;
    }
  }
  const head = parts[0];
  if (head === undefined || head === 'libudev') return decodeError('uevent: not a kernel uevent');
  const at = head.indexOf('@');
  if (at <= 0) return decodeError(`uevent: header "${head.slice(0, 64)}" is not ACTION@DEVPATH`);
  const env: Record<string, string> = {};
  for (const kv of parts.slice(1)) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return ok({ action: head.slice(0, at), devpath: head.slice(at + 1), env });
}
