/**
 * The cross builds' tests (scripts/cross.sh, `node tests/run.mjs --cross`) run our binary
 * for another CPU under qemu-user, with X0_QEMU_USER set to that build's name (mips,
 * mipsel, aarch64). qemu-user 7.2 (Debian 12) translates system calls between the two
 * CPUs, and in four places it does not behave as a kernel of the target would; the few
 * tests that meet them are skipped there (or check the fallback), for the reason given
 * here, and run everywhere else (on Node, on our binary, on the musl build):
 *
 * - it opens no generic netlink socket (only NETLINK_ROUTE, _KOBJECT_UEVENT and _AUDIT):
 *   socket(AF_NETLINK, ..., NETLINK_GENERIC) fails with EPROTONOSUPPORT;
 * - getsockopt(SO_ERROR) returns the host's error number untranslated (111, x86's
 *   ECONNREFUSED, where MIPS numbers it 146), so a refused connection reads as an
 *   unknown error on a CPU whose numbers differ;
 * - for a big-endian target it byte-swaps rtnetlink attributes one by one and stops
 *   before a final attribute that is a bare 4-byte header (its loop runs while more than
 *   4 bytes are left): a Linux 6.x RTM_NEWLINK ends with empty nested attributes, which
 *   then arrive in the host's byte order;
 * - it translates no SO_TIMESTAMPNS (old or 64-bit-time form) for any CPU: setsockopt
 *   answers ENOPROTOOPT, so packet sockets there carry the time a frame was read, not
 *   the kernel's receive stamp (PacketSocket.kernelStamps is false).
 */
import { getHost } from '../../runtime/src/host/index.js';

/** The emulated CPU's build name, or undefined when not under qemu-user. */
export function qemuUser(): string | undefined {
  return getHost().getenv('X0_QEMU_USER') || undefined;
}

/** True when this process runs as a big-endian CPU. */
export function bigEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;
}
