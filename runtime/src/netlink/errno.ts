/**
 * errno names for kernel error numbers. Numbers 1..34 are the same on every Linux
 * architecture; above that MIPS differs from the generic table (x86, ARM, RISC-V), so
 * the flavour is selectable (the host knows the machine; tests use 'generic').
 */

const BASE: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 6: 'ENXIO', 7: 'E2BIG', 9: 'EBADF',
  11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 16: 'EBUSY', 17: 'EEXIST', 19: 'ENODEV',
  20: 'ENOTDIR', 22: 'EINVAL', 24: 'EMFILE', 28: 'ENOSPC', 34: 'ERANGE',
};

const GENERIC: Record<number, string> = {
  ...BASE,
  61: 'ENODATA', 71: 'EPROTO', 74: 'EBADMSG', 75: 'EOVERFLOW', 90: 'EMSGSIZE', 93: 'EPROTONOSUPPORT',
  95: 'EOPNOTSUPP', 97: 'EAFNOSUPPORT', 100: 'ENETDOWN', 101: 'ENETUNREACH', 105: 'ENOBUFS',
  110: 'ETIMEDOUT', 111: 'ECONNREFUSED', 114: 'EALREADY', 115: 'EINPROGRESS',
};

const MIPS: Record<number, string> = {
  ...BASE,
  97: 'EMSGSIZE', 120: 'EPROTONOSUPPORT',
  122: 'EOPNOTSUPP', 124: 'EAFNOSUPPORT', 127: 'ENETDOWN', 128: 'ENETUNREACH', 132: 'ENOBUFS',
  145: 'ETIMEDOUT', 146: 'ECONNREFUSED', 149: 'EALREADY', 150: 'EINPROGRESS',
};

export type ErrnoFlavor = 'generic' | 'mips';

let table: Record<number, string> = GENERIC;

export function setErrnoFlavor(flavor: ErrnoFlavor): void {
  table = flavor === 'mips' ? MIPS : GENERIC;
}

/** Symbolic name of a positive errno, e.g. 2 → "ENOENT"; "E<n>" when unknown. */
export function errnoName(errno: number): string {
  return table[errno] ?? `E${errno}`;
}

const TEXT: Record<string, string> = {
  EPERM: 'Operation not permitted', ENOENT: 'No such file or directory', EINTR: 'Interrupted system call',
  EIO: 'Input/output error', EAGAIN: 'Resource temporarily unavailable', ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied', EBUSY: 'Device or resource busy', EEXIST: 'File exists', ENODEV: 'No such device',
  EINVAL: 'Invalid argument', ERANGE: 'Numerical result out of range', EMSGSIZE: 'Message too long',
  EOPNOTSUPP: 'Operation not supported', ENOBUFS: 'No buffer space available', ETIMEDOUT: 'Connection timed out',
  ENETDOWN: 'Network is down', EPROTONOSUPPORT: 'Protocol not supported', EAFNOSUPPORT: 'Address family not supported by protocol',
};

/** strerror-like text for a positive errno. */
export function errnoText(errno: number): string {
  const name = errnoName(errno);
  return TEXT[name] ?? `Unknown error ${errno}`;
}
