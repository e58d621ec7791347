/**
 * Sockets for the quickjs-ng host: file descriptors from our native module, made
 * event-driven with quickjs-libc's poll loop (os.setReadHandler/setWriteHandler).
 */
import * as os from 'qjs:os';
import * as native from 'x0tta6bl4:native';
import type {
  DatagramSocket,
  NetlinkOptions,
  NetlinkSocket,
  PacketSocket,
  SocketAddress,
  StreamServer,
  StreamSocket,
} from '../types.js';
import { HostError } from '../types.js';
import { toHostError } from './errors.js';
import { plainTransport, Stream } from './stream.js';

/** One receive buffer shared by the datagram sockets: reads are copied out before the next one. */
const RECV_SIZE = 64 * 1024;
const recvBuffer = new Uint8Array(RECV_SIZE);

export { toHostError };

function errnoError(op: string, subject: string, errno: number): HostError {
  const where = subject ? `${op} ${subject}` : op;
  return new HostError(`${where}: ${native.strerror(errno)}`, native.errnoName(errno), errno);
}

export function describe(a: SocketAddress): string {
  return a.family === 'unix' ? a.path : a.family === 'inet6' ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

function domainOf(a: SocketAddress): number {
  return a.family === 'unix' ? native.AF_UNIX : a.family === 'inet' ? native.AF_INET : native.AF_INET6;
}

function toAddress(a: native.Addr | null): SocketAddress | null {
  if (a === null || a.family === 'netlink' || a.family === 'packet') return null;
  return a;
}

export function safeName(fn: () => native.Addr | null): SocketAddress | null {
  try {
    return toAddress(fn());
  } catch {
    return null;
  }
}

/** The peer's and our own address of a connected descriptor (`remote` when known). */
export function streamNames(fd: number, remote: SocketAddress | null): { remote: SocketAddress | null; local: SocketAddress | null } {
  return { remote: remote ?? safeName(() => native.getpeername(fd)), local: safeName(() => native.getsockname(fd)) };
}

/** A stream socket over a connected non-blocking descriptor: send and recv, reading at once. */
class PlainStream extends Stream {
  constructor(fd: number, remote: SocketAddress | null) {
    super(fd, streamNames(fd, remote), plainTransport(fd));
    this.start();
  }
}

function plainStream(fd: number, remote: SocketAddress | null): StreamSocket {
  return new PlainStream(fd, remote);
}

/** A connected non-blocking descriptor (TCP with TCP_NODELAY, or AF_UNIX stream). */
export function connectFd(address: SocketAddress): Promise<number> {
  return new Promise((resolve, reject) => {
    let fd = -1;
    try {
      fd = native.socket(domainOf(address), native.SOCK_STREAM, 0);
      if (address.family !== 'unix') native.setsockopt(fd, native.IPPROTO_TCP, native.TCP_NODELAY, 1);
      if (native.connect(fd, address)) {
        resolve(fd);
        return;
      }
    } catch (e) {
      if (fd >= 0) native.close(fd);
      reject(toHostError(e));
      return;
    }
    // In progress: the socket becomes writable when the handshake finishes.
    os.setWriteHandler(fd, () => {
      os.setWriteHandler(fd, null);
      const errno = native.socketError(fd);
      if (errno !== 0) {
        native.close(fd);
        reject(errnoError('connect', describe(address), errno));
      } else {
        resolve(fd);
      }
    });
  });
}

export async function connect(address: SocketAddress): Promise<StreamSocket> {
  return plainStream(await connectFd(address), address);
}

/** Listen and hand every accepted descriptor (non-blocking, TCP_NODELAY) to `onFd`. */
export function listenFds(address: SocketAddress, onFd: (fd: number, remote: SocketAddress | null) => void): Promise<StreamServer> {
  let fd = -1;
  try {
    fd = native.socket(domainOf(address), native.SOCK_STREAM, 0);
    if (address.family !== 'unix') native.setsockopt(fd, native.SOL_SOCKET, native.SO_REUSEADDR, 1);
    native.bind(fd, address);
    native.listen(fd, 128);
  } catch (e) {
    if (fd >= 0) native.close(fd);
    return Promise.reject(toHostError(e));
  }
  const bound = toAddress(native.getsockname(fd)) ?? address;
  os.setReadHandler(fd, () => {
    // Accept everything pending; a burst of clients must not wait one poll each.
    for (;;) {
      let c: ReturnType<typeof native.accept>;
      try {
        c = native.accept(fd);
      } catch {
        return; // EMFILE and friends: try again on the next readiness.
      }
      if (c === null) return;
      if (address.family !== 'unix') {
        try {
          native.setsockopt(c.fd, native.IPPROTO_TCP, native.TCP_NODELAY, 1);
        } catch {
          // Not fatal for the connection.
        }
      }
      onFd(c.fd, toAddress(c.addr));
    }
  });
  let open = true;
  return Promise.resolve({
    address: bound,
    close() {
      if (!open) return;
      open = false;
      os.setReadHandler(fd, null);
      native.close(fd);
    },
  });
}

export function listen(address: SocketAddress, onConnection: (s: StreamSocket) => void): Promise<StreamServer> {
  return listenFds(address, (fd, remote) => onConnection(plainStream(fd, remote)));
}

export function streamPair(): [StreamSocket, StreamSocket] {
  const [a, b] = native.socketpair(native.AF_UNIX, native.SOCK_STREAM);
  return [plainStream(a, null), plainStream(b, null)];
}

/** A new socket set up by `setup`; closed again (and the error a HostError) if setup fails. */
function openSocket(domain: number, type: number, protocol: number, setup: (fd: number) => void): number {
  let fd = -1;
  try {
    fd = native.socket(domain, type, protocol);
    setup(fd);
    return fd;
  } catch (e) {
    if (fd >= 0) native.close(fd);
    throw toHostError(e);
  }
}

export function datagram(family: 'inet' | 'inet6' | 'unix', bindTo?: SocketAddress): DatagramSocket {
  const domain = family === 'unix' ? native.AF_UNIX : family === 'inet' ? native.AF_INET : native.AF_INET6;
  const fd = openSocket(domain, native.SOCK_DGRAM, 0, (fd) => {
    if (bindTo) native.bind(fd, bindTo);
  });
  let messageCb: (d: Uint8Array, from: SocketAddress | null) => void = () => {};
  let errorCb: (e: HostError) => void = () => {};
  let open = true;
  os.setReadHandler(fd, () => {
    try {
      const r = native.recvmsg(fd, recvBuffer);
      if (r !== null) messageCb(recvBuffer.slice(0, r.bytes), toAddress(r.addr));
    } catch (e) {
      errorCb(toHostError(e));
    }
  });
  return {
    local: safeName(() => native.getsockname(fd)),
    send(data, to) {
      if (!open) throw new HostError('send: socket is closed', 'EBADF', 9);
      try {
        // Datagrams are not queued: a full socket buffer drops, as UDP would.
        if (native.sendmsg(fd, data, { addr: to }) === null) errorCb(errnoError('send', describe(to), native.EAGAIN));
      } catch (e) {
        throw toHostError(e);
      }
    },
    onMessage(cb) {
      messageCb = cb;
    },
    onError(cb) {
      errorCb = cb;
    },
    close() {
      if (!open) return;
      open = false;
      os.setReadHandler(fd, null);
      native.close(fd);
    },
  };
}

/**
 * SO_TIMESTAMPNS: the kernel stamps each frame with its receive time. Every Linux since
 * 2.6.22 has it; qemu-user 7.2 does not translate it for any CPU and answers ENOPROTOOPT.
 * Then the socket still works and a frame's time is when it was read (false here);
 * any other failure is the socket's.
 */
function askKernelStamps(fd: number): boolean {
  try {
    native.setsockopt(fd, native.SOL_SOCKET, native.SO_TIMESTAMPNS, 1);
    return true;
  } catch (e) {
    if (toHostError(e).code === 'ENOPROTOOPT') return false;
    throw e;
  }
}

export function packet(ifindex: number, ethertype: number): PacketSocket {
  let kernelStamps = false;
  const fd = openSocket(native.AF_PACKET, native.SOCK_DGRAM, 0, (fd) => {
    // Binding with a protocol is what starts delivery: only this ethertype, only this interface.
    native.bind(fd, { family: 'packet', ifindex, protocol: ethertype, address: '' });
    kernelStamps = askKernelStamps(fd);
  });
  let messageCb: (d: Uint8Array, from: string, receivedWallMs: number) => void = () => {};
  let errorCb: (e: HostError) => void = () => {};
  let open = true;
  const readAll = (): void => {
    if (!open) return;
    try {
      for (;;) {
        const r = native.recvmsg(fd, recvBuffer);
        if (r === null) return;
        const a = r.addr;
        if (a === null || a.family !== 'packet' || a.pktType === native.PACKET_OUTGOING) continue;
        messageCb(recvBuffer.slice(0, r.bytes), a.address, r.stampMs ?? Date.now());
      }
    } catch (e) {
      // A socket that fails to read would be ready again at once: stop reading and say so.
      os.setReadHandler(fd, null);
      errorCb(toHostError(e));
    }
  };
  os.setReadHandler(fd, readAll);
  return {
    ifindex,
    kernelStamps,
    send(data, to) {
      if (!open) throw new HostError('packet send: socket is closed', 'EBADF', 9);
      try {
        return native.sendmsg(fd, data, { addr: { family: 'packet', ifindex, protocol: ethertype, address: to } }) !== null;
      } catch (e) {
        throw toHostError(e);
      }
    },
    onMessage(cb) {
      messageCb = cb;
    },
    onError(cb) {
      errorCb = cb;
    },
    drain: readAll,
    close() {
      if (!open) return;
      open = false;
      os.setReadHandler(fd, null);
      native.close(fd);
    },
  };
}

export function netlink(protocol: number, options: NetlinkOptions = {}): NetlinkSocket {
  const fd = openSocket(native.AF_NETLINK, native.SOCK_RAW, protocol, (fd) => {
    const rcvbuf = options.receiveBuffer ?? 1 << 20;
    try {
      // Root may exceed net.core.rmem_max; others get what the sysctl allows.
      native.setsockopt(fd, native.SOL_SOCKET, native.SO_RCVBUFFORCE, rcvbuf);
    } catch {
      native.setsockopt(fd, native.SOL_SOCKET, native.SO_RCVBUF, rcvbuf);
    }
    if (options.extendedAck !== false) {
      try {
        native.setsockopt(fd, native.SOL_NETLINK, native.NETLINK_EXT_ACK, 1);
      } catch {
        // Kernels before 4.12 have no extended ACK; plain errors still work.
      }
    }
    native.bind(fd, { family: 'netlink', pid: 0, groups: options.groups ?? 0 });
  });
  const name = native.getsockname(fd);
  const portId = name !== null && name.family === 'netlink' ? name.pid : 0;
  let buffer = new Uint8Array(RECV_SIZE);
  let messageCb: (d: Uint8Array) => void = () => {};
  let errorCb: (e: HostError) => void = () => {};
  let open = true;
  os.setReadHandler(fd, () => {
    try {
      const r = native.recvmsg(fd, buffer);
      if (r === null) return;
      if (r.truncated) {
        // The datagram is lost; grow so the next one fits and let the client resync.
        buffer = new Uint8Array(buffer.length * 2);
        errorCb(new HostError('netlink: message larger than the receive buffer', 'EMSGSIZE', 90));
        return;
      }
      messageCb(buffer.slice(0, r.bytes));
    } catch (e) {
      errorCb(toHostError(e));
    }
  });
  const kernel: native.Addr = { family: 'netlink', pid: 0, groups: 0 };
  return {
    portId,
    send(message) {
      if (!open) throw new HostError('netlink send: socket is closed', 'EBADF', 9);
      try {
        if (native.sendmsg(fd, message, { addr: kernel }) === null) {
          throw errnoError('netlink send', '', native.EAGAIN);
        }
      } catch (e) {
        throw toHostError(e);
      }
    },
    onMessage(cb) {
      messageCb = cb;
    },
    onError(cb) {
      errorCb = cb;
    },
    joinGroup(group) {
      try {
        native.setsockopt(fd, native.SOL_NETLINK, native.NETLINK_ADD_MEMBERSHIP, group);
      } catch (e) {
        throw toHostError(e);
      }
    },
    leaveGroup(group) {
      try {
        native.setsockopt(fd, native.SOL_NETLINK, native.NETLINK_DROP_MEMBERSHIP, group);
      } catch (e) {
        throw toHostError(e);
      }
    },
    close() {
      if (!open) return;
      open = false;
      os.setReadHandler(fd, null);
      native.close(fd);
    },
  };
}
