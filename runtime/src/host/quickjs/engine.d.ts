// The parts of quickjs-ng's std/os modules and of our native module that the
// quickjs host uses. Only runtime/src/host/quickjs/ imports these.

declare module 'qjs:std' {
  export function exit(code: number): never;
  export function getenv(name: string): string | undefined;
  export function getenviron(): Record<string, string>;
  export function strerror(errno: number): string;
  export function utf8Encode(s: string): Uint8Array;
  export function utf8Decode(b: Uint8Array, offset?: number, length?: number): string;
  interface FILE {
    puts(s: string): void;
    write(buf: ArrayBuffer, pos: number, len: number): number;
    flush(): void;
    close(): number;
  }
  export const out: FILE;
  export const err: FILE;
}

declare module 'qjs:os' {
  export function setReadHandler(fd: number, fn: (() => void) | null): void;
  export function setWriteHandler(fd: number, fn: (() => void) | null): void;
  export function signal(sig: number, fn: (() => void) | null | undefined): void;
  export function setTimeout(fn: () => void, ms: number): unknown;
  export function setInterval(fn: () => void, ms: number): unknown;
  export function clearTimeout(h: unknown): void;
  export function clearInterval(h: unknown): void;
  export function exec(
    args: string[],
    opts?: { block?: boolean; usePath?: boolean; stdin?: number; stdout?: number; stderr?: number; env?: Record<string, string> },
  ): number;
  export function waitpid(pid: number, options: number): [number, number];
  export function pipe(): [number, number] | null;
  export function close(fd: number): number;
  export function read(fd: number, buf: ArrayBuffer, off: number, len: number): number;
  export function kill(pid: number, sig: number): number;
  export const WNOHANG: number;
  export const SIGTERM: number;
  export const SIGINT: number;
  export const SIGKILL: number;
  export const SIGHUP: number | undefined;
  export const SIGUSR1: number | undefined;
  export const SIGUSR2: number | undefined;
  export const SIGCHLD: number | undefined;
}

declare module 'x0tta6bl4:native' {
  export type Addr =
    | { family: 'unix'; path: string }
    | { family: 'inet' | 'inet6'; host: string; port: number }
    | { family: 'netlink'; pid: number; groups: number }
    | { family: 'packet'; ifindex: number; protocol: number; address: string; pktType?: number };
  export function socket(domain: number, type: number, protocol: number): number;
  export function randomBytes(n: number): Uint8Array;
  export function sha256(data: Uint8Array): Uint8Array;
  export function ecGenerate(): [Uint8Array, Uint8Array];
  export function ecPublicKey(privateKey: Uint8Array): Uint8Array;
  export function ecSign(privateKey: Uint8Array, data: Uint8Array): Uint8Array;
  export function verify(publicKey: Uint8Array, hash: string, data: Uint8Array, signature: Uint8Array): boolean;
  export function csr(privateKey: Uint8Array, subject: string, uri?: string): Uint8Array;
  export const mbedtlsVersion: string;
  export type TlsConfig = { readonly __tlsConfig: never };
  export type TlsSession = { readonly __tlsSession: never };
  export function tlsConfig(isServer: boolean, chain: readonly Uint8Array[], key: Uint8Array, trust: readonly Uint8Array[], alpn?: readonly string[], callerVerifies?: boolean): TlsConfig;
  export function tlsSession(config: TlsConfig, fd: number): TlsSession;
  /** 0 done, -1 want read, -2 want write. */
  export function tlsHandshake(s: TlsSession): number;
  /** Bytes, 0 when the peer closed, -1/-2 want read/write. */
  export function tlsRead(s: TlsSession, buf: Uint8Array): number;
  export function tlsWrite(s: TlsSession, data: Uint8Array): number;
  export function tlsPending(s: TlsSession): number;
  export function tlsPeerChain(s: TlsSession): Uint8Array[];
  export function tlsInfo(s: TlsSession): { version: string; alpn: string | null; cipher: string };
  export function tlsClose(s: TlsSession): void;
  export function int8Forward(weights: Int8Array, params: Int32Array, input: Int8Array, out: Int8Array): void;
  export function nlPolicy(kinds: Uint8Array, keys: readonly (string | undefined)[]): import('../types.js').NativePolicy;
  export function nlDecodeAttrs(bytes: Uint8Array, policy: import('../types.js').NativePolicy, deferred: Int32Array, start?: number): Record<string, unknown> | string | null;
  export function nlDecodeDump(datagram: Uint8Array, offset: number, policy: import('../types.js').NativePolicy, deferred: Int32Array, seq: number, type: number, cmd: number, hdrlen: number, out: unknown[]): number;
  export const NL_KIND_U8: number;
  export const NL_KIND_U16: number;
  export const NL_KIND_U32: number;
  export const NL_KIND_S32: number;
  export const NL_KIND_U64: number;
  export const NL_KIND_FLAG: number;
  export const NL_KIND_STRING: number;
  export const NL_KIND_MAC: number;
  export const NL_KIND_OTHER: number;
  export const NL_KIND_HWADDR: number;
  export const NL_KIND_IPV4: number;
  export const NL_KIND_BINARY: number;
  export function socketpair(domain: number, type: number): [number, number];
  export function bind(fd: number, addr: Addr): void;
  export function connect(fd: number, addr: Addr): boolean;
  export function listen(fd: number, backlog: number): void;
  export function accept(fd: number): { fd: number; addr: Addr | null } | null;
  export function send(fd: number, buf: Uint8Array, offset?: number, length?: number, flags?: number): number | null;
  export function recv(fd: number, buf: Uint8Array, offset?: number, length?: number, flags?: number): number | null;
  export function sendmsg(fd: number, buf: Uint8Array, opts?: { addr?: Addr; fds?: number[] }): number | null;
  export function recvmsg(
    fd: number,
    buf: Uint8Array,
    offset?: number,
    length?: number,
  ): { bytes: number; addr: Addr | null; fds: number[]; truncated: boolean; stampMs?: number } | null;
  export function setsockopt(fd: number, level: number, name: number, value: number): void;
  export function getsockopt(fd: number, level: number, name: number): number;
  export function getsockname(fd: number): Addr | null;
  export function getpeername(fd: number): Addr | null;
  export function socketError(fd: number): number;
  export function shutdown(fd: number, how: number): void;
  export function close(fd: number): void;
  export function strerror(errno: number): string;
  export function utf8Encode(s: string): Uint8Array;
  export function utf8Decode(b: Uint8Array, offset?: number, length?: number): string;
  export function errnoName(errno: number): string;
  export function writeFileAtomic(path: string, data: Uint8Array | string, mode?: number): void;
  export function appendFile(path: string, data: Uint8Array | string, mode?: number): void;
  export function readFile(path: string, maxBytes?: number): Uint8Array;
  export function stat(path: string): { size: number; mtimeMs: number; mode: number; isFile: boolean; isDirectory: boolean } | null;
  export function mkdir(path: string, mode?: number): void;
  export function readdir(path: string): string[];
  export function unlink(path: string): void;
  export function rename(from: string, to: string): void;
  export function monotonicNs(): bigint;
  export function monotonicMs(): number;
  export function openlog(ident: string): void;
  export function syslog(priority: number, message: string): void;
  export function ifNameToIndex(name: string): number;
  export function ifIndexToName(index: number): string | null;
  export function resourceUsage(): { rssBytes: number; maxRssBytes: number; userCpuMs: number; systemCpuMs: number };
  export function getpid(): number;
  export function engineVersion(): string;
  export const AF_UNIX: number, AF_INET: number, AF_INET6: number, AF_NETLINK: number, AF_PACKET: number;
  export const PACKET_HOST: number, PACKET_BROADCAST: number, PACKET_MULTICAST: number, PACKET_OTHERHOST: number, PACKET_OUTGOING: number;
  export const SOCK_STREAM: number, SOCK_DGRAM: number, SOCK_RAW: number;
  export const SOL_SOCKET: number, SO_RCVBUF: number, SO_SNDBUF: number, SO_RCVBUFFORCE: number;
  export const SO_REUSEADDR: number, SO_ERROR: number, SO_TIMESTAMPNS: number;
  export const IPPROTO_TCP: number, TCP_NODELAY: number, IPPROTO_IPV6: number, IPV6_V6ONLY: number;
  export const SHUT_WR: number;
  export const SOL_NETLINK: number, NETLINK_ADD_MEMBERSHIP: number, NETLINK_DROP_MEMBERSHIP: number;
  export const NETLINK_EXT_ACK: number, NETLINK_CAP_ACK: number;
  export const EAGAIN: number, EINPROGRESS: number, ENOBUFS: number, ETIMEDOUT: number;
  export const LOG_DEBUG: number, LOG_INFO: number, LOG_NOTICE: number, LOG_WARNING: number;
  export const LOG_ERR: number, LOG_CRIT: number;
  export const SIGHUP: number, SIGINT: number, SIGTERM: number, SIGKILL: number;
  export const SIGUSR1: number, SIGUSR2: number, SIGCHLD: number;
}
