/**
 * Names and texts for the kernel's error numbers (netlink errors carry a negative
 * errno). errno values above 34 differ between architectures (MIPS differs from
 * x86/ARM), so the host answers: our native module is compiled for the target and
 * knows its own numbers. The small generic table below is the fallback when no host
 * is installed (pure decoding in tools).
 */
import { currentHost } from '../host/index.js';

const GENERIC: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 6: 'ENXIO', 7: 'E2BIG', 9: 'EBADF',
  11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 16: 'EBUSY', 17: 'EEXIST', 19: 'ENODEV',
  20: 'ENOTDIR', 22: 'EINVAL', 24: 'EMFILE', 28: 'ENOSPC', 34: 'ERANGE',
  61: 'ENODATA', 71: 'EPROTO', 74: 'EBADMSG', 75: 'EOVERFLOW', 90: 'EMSGSIZE', 93: 'EPROTONOSUPPORT',
  95: 'EOPNOTSUPP', 97: 'EAFNOSUPPORT', 100: 'ENETDOWN', 101: 'ENETUNREACH', 105: 'ENOBUFS',
  110: 'ETIMEDOUT', 111: 'ECONNREFUSED', 114: 'EALREADY', 115: 'EINPROGRESS',
};

/** Symbolic name of a positive errno, e.g. 2 → "ENOENT"; "E<n>" when unknown. */
export function errnoName(errno: number): string {
  const fromHost = currentHost()?.errnoName(errno);
  if (fromHost && fromHost !== 'EUNKNOWN') return fromHost;
  return GENERIC[errno] ?? `E${errno}`;
}

/** strerror-like text for a positive errno. */
export function errnoText(errno: number): string {
  return currentHost()?.strerror(errno) ?? `error ${errno} (${errnoName(errno)})`;
}
