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
  // The header first: anything that is not "action@/path" is rejected before the rest is decoded.
  let nul = datagram.indexOf(0);
  if (nul < 0) nul = datagram.length;
  const head = utf8Decode(datagram, 0, nul);
  if (head === 'libudev') return decodeError('uevent: a udev message, not a kernel uevent');
  const at = head.indexOf('@');
  if (at <= 0 || head.charCodeAt(at + 1) !== 0x2f /* '/' */) return decodeError(`uevent: header "${head.slice(0, 64)}" is not ACTION@DEVPATH`);
  const env: Record<string, string> = {};
  let start = nul + 1;
  while (start < datagram.length) {
    let end = datagram.indexOf(0, start);
    if (end < 0) end = datagram.length;
    if (end > start) {
      const kv = utf8Decode(datagram, start, end);
      const eq = kv.indexOf('=');
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    start = end + 1;
  }
  return ok({ action: head.slice(0, at), devpath: head.slice(at + 1), env });
}
