/// <reference types="node" />
/**
 * The Node host: for unit tests, tooling and side-by-side comparisons. Node cannot
 * open netlink sockets without an addon, so `net.netlink` is absent here.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as dgram from 'node:dgram';
import * as path from 'node:path';
import * as os from 'node:os';
import * as util from 'node:util';
import { formatLogLine } from '../log-format.js';
import type {
  DatagramSocket,
  Host,
  Processes,
  SocketAddress,
  SpawnResult,
  StreamServer,
  StreamSocket,
  TimerHandle,
} from '../types.js';
import { HostError, throwingHostErrors } from '../types.js';
import { crypto } from './crypto.js';
import { makeTlsConnect } from './tls.js';

function toHostError(e: unknown): HostError {
  if (e instanceof HostError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = err?.code ?? 'EUNKNOWN';
  const errno = typeof err?.errno === 'number' ? Math.abs(err.errno) : (os.constants.errno as Record<string, number>)[code] ?? 0;
  return new HostError(String(err?.message ?? e), code, errno);
}

function wrap<A extends unknown[], R>(fn: (...a: A) => R): (...a: A) => R {
  return throwingHostErrors(toHostError, fn);
}

function nodeAddress(a: string | net.AddressInfo | null | undefined, family: 'inet' | 'inet6' | 'unix'): SocketAddress | null {
  if (a === null || a === undefined) return null;
  if (typeof a === 'string') return { family: 'unix', path: a };
  return { family: a.family === 'IPv6' ? 'inet6' : family === 'unix' ? 'inet' : family, host: a.address, port: a.port };
}

/** Abstract unix socket names use a leading "@" in our API and "\0" in Node's. */
function unixPath(p: string): string {
  return p.startsWith('@') ? `\0${p.slice(1)}` : p;
}

function wrapStream(s: net.Socket, remote: SocketAddress | null): StreamSocket {
  let closeCb: (e: HostError | null) => void = () => {};
  let drainCb: () => void = () => {};
  let error: HostError | null = null;
  let closed = false;
  s.on('error', (e) => {
    error = toHostError(e);
  });
  s.on('close', () => {
    closed = true;
    closeCb(error);
  });
  s.on('drain', () => drainCb());
  const family = remote?.family ?? 'unix';
  return {
    remote: remote ?? nodeAddress(s.remoteAddress ? { address: s.remoteAddress, port: s.remotePort ?? 0, family: s.remoteFamily ?? 'IPv4' } : null, family),
    local: s.localAddress ? nodeAddress({ address: s.localAddress, port: s.localPort ?? 0, family: s.localFamily ?? 'IPv4' }, family) : null,
    write(data) {
      if (closed || s.destroyed) return s.writableLength;
      s.write(data.slice());
      return s.writableLength;
    },
    get pending() {
      return s.writableLength;
    },
    onData(cb) {
      s.on('data', (chunk: Buffer) => cb(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    },
    onClose(cb) {
      closeCb = cb;
    },
    onDrain(cb) {
      drainCb = cb;
    },
    pause: () => s.pause(),
    resume: () => s.resume(),
    close(abort = false) {
      if (abort) s.destroy();
      else s.end();
    },
  };
}

function connect(address: SocketAddress): Promise<StreamSocket> {
  return new Promise((resolve, reject) => {
    const opts: net.NetConnectOpts =
      address.family === 'unix' ? { path: unixPath(address.path) } : { host: address.host, port: address.port, noDelay: true };
    const s = net.createConnection(opts);
    const fail = (e: Error): void => reject(toHostError(e));
    s.once('error', fail);
    s.once('connect', () => {
      s.off('error', fail);
      resolve(wrapStream(s, address));
    });
  });
}

function listen(address: SocketAddress, onConnection: (s: StreamSocket) => void): Promise<StreamServer> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ noDelay: true }, (c) => onConnection(wrapStream(c, null)));
    server.once('error', (e) => reject(toHostError(e)));
    const done = (): void => {
      const bound = nodeAddress(server.address(), address.family) ?? address;
      resolve({ address: address.family === 'unix' ? address : bound, close: () => server.close() });
    };
    if (address.family === 'unix') server.listen(unixPath(address.path), done);
    else server.listen(address.port, address.host, done);
  });
}

function streamPair(): [StreamSocket, StreamSocket] {
  throw new HostError('streamPair: not available on the Node host (no socketpair)', 'ENOSYS', 38);
}

function datagram(family: 'inet' | 'inet6' | 'unix', bindTo?: SocketAddress): DatagramSocket {
  if (family === 'unix') throw new HostError('datagram: AF_UNIX datagrams are not available on the Node host', 'ENOSYS', 38);
  const s = dgram.createSocket(family === 'inet' ? 'udp4' : 'udp6');
  let errorCb: (e: HostError) => void = () => {};
  s.on('error', (e) => errorCb(toHostError(e)));
  let local: SocketAddress | null = null;
  if (bindTo && bindTo.family !== 'unix') {
    s.bind(bindTo.port, bindTo.host);
    local = bindTo;
  }
  return {
    get local() {
      try {
        return nodeAddress(s.address(), family);
      } catch {
        return local;
      }
    },
    send(data, to) {
      if (to.family === 'unix') throw new HostError('send: unix address on a UDP socket', 'EINVAL', 22);
      s.send(data, to.port, to.host);
    },
    onMessage(cb) {
      s.on('message', (m, rinfo) => cb(new Uint8Array(m), nodeAddress(rinfo, family)));
    },
    onError(cb) {
      errorCb = cb;
    },
    close: () => s.close(),
  };
}

const processes: Processes = {
  pid: process.pid,
  run(argv, opts = {}) {
    return new Promise<SpawnResult>((resolve, reject) => {
      const [cmd, ...args] = argv;
      if (cmd === undefined) {
        reject(new HostError('run: empty command', 'EINVAL', 22));
        return;
      }
      const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const max = opts.maxOutput ?? 65536;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outLen = 0;
      let errLen = 0;
      let timedOut = false;
      child.stdout.on('data', (b: Buffer) => {
        if (outLen < max) out.push(b.subarray(0, max - outLen));
        outLen += b.length;
      });
      child.stderr.on('data', (b: Buffer) => {
        if (errLen < max) err.push(b.subarray(0, max - errLen));
        errLen += b.length;
      });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, opts.timeoutMs ?? 10000);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(toHostError(e));
      });
      child.on('close', (status, signal) => {
        clearTimeout(timer);
        resolve({
          status,
          signal,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          timedOut,
        });
      });
    });
  },
};

function readBytes(p: string, maxBytes = 16 << 20): Uint8Array {
  const fd = fs.openSync(p, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.alloc(65536);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw new HostError(`read ${p}: File too large`, 'EFBIG', 27);
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return new Uint8Array(Buffer.concat(chunks));
  } finally {
    fs.closeSync(fd);
  }
}

function writeAtomic(p: string, data: Uint8Array | string, mode = 0o644): void {
  const tmp = `${p}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.fchmodSync(fd, mode);
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, p);
  const dir = fs.openSync(path.dirname(p), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

export function createNodeHost(argv: readonly string[] = process.argv.slice(2)): Host {
  let syslogOpen = false;
  return {
    engine: 'node',
    engineVersion: process.versions.node,
    argv,
    getenv: (name) => process.env[name],
    stdout: { write: (t) => void process.stdout.write(t) },
    stderr: { write: (t) => void process.stderr.write(t) },
    // On Linux, Node writes to pipes and files synchronously, so nothing is lost.
    exit: (code: number): never => process.exit(code),
    clock: {
      monotonicNs: () => process.hrtime.bigint(),
      monotonicMs: () => Number(process.hrtime.bigint()) / 1e6,
      wallMs: () => Date.now(),
    },
    timers: {
      setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as TimerHandle,
      setInterval: (fn, ms) => setInterval(fn, ms) as unknown as TimerHandle,
      clear: (h) => {
        if (h !== undefined) clearTimeout(h as unknown as NodeJS.Timeout);
      },
    },
    files: {
      readBytes: wrap(readBytes),
      readText: wrap((p: string, max?: number) => new TextDecoder().decode(readBytes(p, max))),
      writeAtomic: wrap(writeAtomic),
      append: wrap((p: string, data: Uint8Array | string, mode = 0o644) => {
        const fd = fs.openSync(p, 'a', mode);
        try {
          fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
      }),
      stat: wrap((p: string) => {
        const st = fs.statSync(p, { throwIfNoEntry: false });
        if (!st) return null;
        return { size: st.size, mtimeMs: st.mtimeMs, mode: st.mode & 0o7777, isFile: st.isFile(), isDirectory: st.isDirectory() };
      }),
      // Component by component like the quickjs host: Node's recursive mkdirSync
      // never returns for some paths (e.g. under /proc).
      mkdirp: wrap((p: string, mode = 0o755) => {
        let prefix = p.startsWith('/') ? '/' : '';
        for (const part of p.split('/').filter((x) => x.length > 0)) {
          prefix += `${part}/`;
          try {
            fs.mkdirSync(prefix, { mode });
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(prefix).isDirectory()) throw e;
          }
        }
      }),
      readdir: wrap((p: string) => fs.readdirSync(p)),
      remove: wrap((p: string) => {
        // Like the quickjs host: a file or an empty directory; absent is fine.
        if (fs.statSync(p, { throwIfNoEntry: false })?.isDirectory()) fs.rmdirSync(p);
        else fs.rmSync(p, { force: true });
      }),
      rename: wrap((a: string, b: string) => fs.renameSync(a, b)),
    },
    processes,
    crypto,
    net: {
      connect,
      listen,
      tlsConnect: makeTlsConnect(wrapStream),
      streamPair,
      datagram,
      ifNameToIndex: (name) => {
        const idx = Number.parseInt(readIfIndex(name), 10);
        if (!Number.isFinite(idx)) throw new HostError(`interface ${name}: No such device`, 'ENODEV', 19);
        return idx;
      },
    },
    signals: {
      on(signal, handler) {
        process.removeAllListeners(signal);
        process.on(signal, handler);
      },
    },
    logger: {
      log(level, message) {
        process.stderr.write(formatLogLine(Date.now(), level, message));
        // Node has no syslog(3); the quickjs host is the one that runs on routers.
        void syslogOpen;
      },
      openSyslog() {
        syslogOpen = true;
      },
    },
    errnoName: (errno) => {
      try {
        return util.getSystemErrorName(-Math.abs(errno));
      } catch {
        return 'EUNKNOWN';
      }
    },
    strerror: (errno) => {
      const name = (() => {
        try {
          return util.getSystemErrorName(-Math.abs(errno));
        } catch {
          return `E${errno}`;
        }
      })();
      // libuv's table (through Node) says "invalid argument" where glibc says "Invalid argument".
      const text = util.getSystemErrorMap().get(-Math.abs(errno))?.[1];
      return text ? text.charAt(0).toUpperCase() + text.slice(1) : `Unknown error ${errno} (${name})`;
    },
    resourceUsage() {
      const r = process.resourceUsage();
      return {
        rssBytes: process.memoryUsage.rss(),
        maxRssBytes: r.maxRSS * 1024,
        userCpuMs: r.userCPUTime / 1000,
        systemCpuMs: r.systemCPUTime / 1000,
      };
    },
  };
}

function readIfIndex(name: string): string {
  if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(name)) return 'NaN';
  try {
    return fs.readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8');
  } catch {
    return 'NaN';
  }
}
