/**
 * The host interface: everything the agent needs from the engine and the OS.
 *
 * Only runtime/src/host/ knows which engine runs the code. Everything else takes a
 * `Host` (usually through `getHost()`) and stays plain TypeScript that runs on
 * quickjs-ng (our `x0tta6bl4` binary) and on Node (tests, tooling) alike.
 *
 * Conventions:
 * - Failures that a caller must handle (a missing file, a refused connection) are
 *   returned or thrown as `HostError` with `errno`/`code`, never as engine-specific
 *   objects; messages read like "connect /run/x.sock: No such file or directory".
 * - Sockets are event-driven and non-blocking on both engines; nothing here blocks
 *   the loop except the explicitly synchronous file helpers (small files only).
 */

export type Engine = 'quickjs-ng' | 'node';

/** An OS error carried to TypeScript: errno number, symbolic code and a readable text. */
export class HostError extends Error {
  readonly errno: number;
  readonly code: string;
  constructor(message: string, code: string, errno = 0) {
    super(message);
    this.name = 'HostError';
    this.code = code;
    this.errno = errno;
  }
}

export function isHostError(e: unknown): e is HostError {
  return e instanceof Error && typeof (e as HostError).code === 'string' && 'errno' in e;
}

/** Wrap `fn` so that whatever it throws reaches the caller as a HostError (via `convert`). */
export function throwingHostErrors<A extends unknown[], R>(convert: (e: unknown) => HostError, fn: (...a: A) => R): (...a: A) => R {
  return (...a: A) => {
    try {
      return fn(...a);
    } catch (e) {
      throw convert(e);
    }
  };
}

/** Result type for operations where failure is an expected outcome, not a bug. */
export type Result<T, E = HostError> = { ok: true; value: T } | { ok: false; error: E };

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'err' | 'crit';

export type SignalName = 'SIGTERM' | 'SIGINT' | 'SIGHUP' | 'SIGUSR1' | 'SIGUSR2';

export interface Clock {
  /** Monotonic time in nanoseconds (never jumps with NTP or a wrong boot clock). */
  monotonicNs(): bigint;
  /** Monotonic time in milliseconds with sub-millisecond fraction. */
  monotonicMs(): number;
  /** Wall-clock time in ms since the epoch (may jump; use only for display/records). */
  wallMs(): number;
}

export interface TimerHandle {
  readonly __timer: unique symbol;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle | undefined): void;
}

export interface FileStat {
  size: number;
  mtimeMs: number;
  isFile: boolean;
  isDirectory: boolean;
  mode: number;
}

/** Small synchronous file helpers (config and state files, not bulk data). */
export interface Files {
  readBytes(path: string, maxBytes?: number): Uint8Array;
  readText(path: string, maxBytes?: number): string;
  /** Write to `path.tmp-<pid>`, fsync, rename over `path`, fsync the directory. */
  writeAtomic(path: string, data: Uint8Array | string, mode?: number): void;
  /** Append and fsync (journals). */
  append(path: string, data: Uint8Array | string, mode?: number): void;
  stat(path: string): FileStat | null;
  mkdirp(path: string, mode?: number): void;
  readdir(path: string): string[];
  remove(path: string): void;
  rename(from: string, to: string): void;
}

export interface SpawnOptions {
  /** Kill the child after this many ms (SIGKILL); default 10 s. */
  timeoutMs?: number;
  /** Bytes kept from stdout/stderr each; the rest is dropped. Default 64 KiB. */
  maxOutput?: number;
  env?: Record<string, string>;
}

export interface SpawnResult {
  /** Exit status, or null when killed by a signal. */
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface Processes {
  readonly pid: number;
  /** Run a program (no shell) and collect its output without blocking the loop. */
  run(argv: string[], opts?: SpawnOptions): Promise<SpawnResult>;
}

export interface ResourceUsage {
  /** Current resident set size in bytes. */
  rssBytes: number;
  /** Peak resident set size in bytes. */
  maxRssBytes: number;
  userCpuMs: number;
  systemCpuMs: number;
}

/** Socket addresses. `unix` paths starting with "@" are in the abstract namespace. */
export type SocketAddress =
  | { family: 'unix'; path: string }
  | { family: 'inet'; host: string; port: number }
  | { family: 'inet6'; host: string; port: number };

/** A connected byte stream (TCP or AF_UNIX stream). */
export interface StreamSocket {
  readonly remote: SocketAddress | null;
  readonly local: SocketAddress | null;
  /** Queue bytes for sending; returns the bytes still queued (for back-pressure). */
  write(data: Uint8Array): number;
  /** Bytes accepted by write() but not yet handed to the kernel. */
  readonly pending: number;
  onData(cb: (chunk: Uint8Array) => void): void;
  /** Called once: after the peer closed (no error) or on an error. */
  onClose(cb: (error: HostError | null) => void): void;
  /** Called when the send queue has drained after write() returned > 0. */
  onDrain(cb: () => void): void;
  /** Stop reading (back-pressure on the peer) or resume. */
  pause(): void;
  resume(): void;
  /** Flush what is queued, then close. `close(true)` drops the queue. */
  close(abort?: boolean): void;
}

export interface StreamServer {
  readonly address: SocketAddress;
  close(): void;
}

export interface DatagramSocket {
  readonly local: SocketAddress | null;
  send(data: Uint8Array, to: SocketAddress): void;
  onMessage(cb: (data: Uint8Array, from: SocketAddress | null) => void): void;
  onError(cb: (error: HostError) => void): void;
  close(): void;
}

/**
 * Ethernet frames of one ethertype on one interface (AF_PACKET, SOCK_DGRAM: the kernel
 * adds and strips the Ethernet header). MACs are "aa:bb:cc:dd:ee:ff".
 */
export interface PacketSocket {
  readonly ifindex: number;
  /**
   * True when the kernel stamps each frame as it arrives (SO_TIMESTAMPNS); false where it
   * cannot (qemu-user), and then `receivedWallMs` is when the frame was read.
   */
  readonly kernelStamps: boolean;
  /** Send one frame's payload to `to` (ff:ff:ff:ff:ff:ff broadcasts). False when the queue is full (dropped). */
  send(data: Uint8Array, to: string): boolean;
  /**
   * Frames from other hosts (never our own outgoing ones), with the wall-clock time the
   * kernel received each (ms; see kernelStamps): a reader that was busy still knows when
   * a frame came.
   */
  onMessage(cb: (data: Uint8Array, from: string, receivedWallMs: number) => void): void;
  /** Deliver every frame already queued in the kernel now, synchronously. */
  drain(): void;
  onError(cb: (error: HostError) => void): void;
  close(): void;
}

/** A netlink socket (NETLINK_ROUTE, NETLINK_GENERIC, NETLINK_KOBJECT_UEVENT, ...). */
export interface NetlinkSocket {
  /** The port id the kernel assigned to this socket. */
  readonly portId: number;
  send(message: Uint8Array): void;
  /** One callback per datagram; a datagram may hold several netlink messages. */
  onMessage(cb: (datagram: Uint8Array) => void): void;
  /** Receive-side errors, e.g. ENOBUFS when the kernel dropped multicast messages. */
  onError(cb: (error: HostError) => void): void;
  joinGroup(group: number): void;
  leaveGroup(group: number): void;
  close(): void;
}

export interface NetlinkOptions {
  /** Legacy bitmask of multicast groups to bind to (rtnetlink RTMGRP_*). */
  groups?: number;
  /** SO_RCVBUF in bytes (big dumps and event bursts); default 1 MiB. */
  receiveBuffer?: number;
  /** Ask the kernel for extended ACK messages (NETLINK_EXT_ACK). Default true. */
  extendedAck?: boolean;
}

export interface Net {
  connect(address: SocketAddress): Promise<StreamSocket>;
  listen(address: SocketAddress, onConnection: (socket: StreamSocket) => void): Promise<StreamServer>;
  /** A connected pair of AF_UNIX stream sockets (tests, internal channels). */
  streamPair(): [StreamSocket, StreamSocket];
  datagram(family: 'inet' | 'inet6' | 'unix', bind?: SocketAddress): DatagramSocket;
  /** Netlink, where the engine can open it (the quickjs-ng host can; Node cannot). */
  netlink?(protocol: number, options?: NetlinkOptions): NetlinkSocket;
  ifNameToIndex(name: string): number;
  /** Raw frames of one ethertype on one interface, where the engine can (quickjs-ng host; root). */
  packet?(ifindex: number, ethertype: number): PacketSocket;
  /**
   * Mutual TLS, where the engine has it (our binary: mbedTLS; Node: node:tls, client
   * only). The promise settles after the handshake: rejected (code ETLS) when it fails,
   * e.g. on an untrusted peer chain.
   */
  tlsConnect?(address: SocketAddress, options: TlsOptions): Promise<TlsSocket>;
  /** Each connection is handed over after its handshake; failed ones go to `onError`. */
  tlsListen?(address: SocketAddress, options: TlsOptions, onConnection: (socket: TlsSocket) => void,
    onError?: (error: HostError, remote: SocketAddress | null) => void): Promise<StreamServer>;
}

/**
 * One identity for TLS, both ends alike: the peer must present a certificate chain that
 * leads to `trust` (a server requires a client certificate). Host names are not checked:
 * the caller checks the peer's SPIFFE ID on `peerChain` (runtime/src/identity/).
 */
export interface TlsOptions {
  /** Our certificate chain, DER, leaf first. */
  chain: readonly Uint8Array[];
  /** The leaf's private key: SEC1 or PKCS#8 DER. */
  privateKey: Uint8Array;
  /** CA certificates (DER) that the peer's chain must lead to. */
  trust: readonly Uint8Array[];
  /** ALPN protocol names, most preferred first. */
  alpn?: readonly string[];
  /** Most time a handshake may take (default 10 000 ms). */
  handshakeTimeoutMs?: number;
  /**
   * The handshake still needs the peer's certificate and its proof of holding the
   * leaf's key, but does not judge the chain (trust, validity, key usage): the caller
   * MUST validate `peerChain` (and refuse an empty one) before using the connection.
   * The mesh peer channel does (runtime/src/peer/verify.ts). Default false.
   */
  callerVerifies?: boolean;
  /** Server: most handshakes in progress at once; more connections are closed at accept (default 32). */
  maxHandshakes?: number;
}

export interface TlsSocket extends StreamSocket {
  /** The chain the peer presented, DER, leaf first. */
  readonly peerChain: readonly Uint8Array[];
  /** The ALPN protocol agreed on, or null. */
  readonly alpn: string | null;
  /** "TLSv1.2" or "TLSv1.3". */
  readonly version: string;
}

export interface Signals {
  /** Replace the handler of a signal; handlers run on the loop, not in signal context. */
  on(signal: SignalName, handler: () => void): void;
}

export interface Logger {
  /** To stderr (with a time stamp) and, when opened, to syslog. */
  log(level: LogLevel, message: string): void;
  /** Open syslog with this ident (daemon facility). */
  openSyslog(ident: string): void;
}

export interface Host {
  readonly engine: Engine;
  readonly engineVersion: string;
  /** Command-line arguments after the program name. */
  readonly argv: readonly string[];
  getenv(name: string): string | undefined;
  readonly stdout: { write(text: string): void };
  readonly stderr: { write(text: string): void };
  /** Exit now with a status (flushes stdout/stderr). */
  exit(code: number): never;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly files: Files;
  readonly processes: Processes;
  readonly net: Net;
  readonly signals: Signals;
  readonly logger: Logger;
  resourceUsage(): ResourceUsage;
  /** errno number to its symbolic name on this machine (numbers differ on MIPS). */
  errnoName(errno: number): string;
  /** errno number to the C library's message. */
  strerror(errno: number): string;
  /**
   * A native netlink attribute decoder, when the engine has one (our quickjs-ng binary
   * does; Node's JIT runs the TypeScript decoder fast enough). runtime/src/netlink/policy.ts
   * uses it when present; its contract is written there.
   */
  readonly nlattr?: NativeAttrDecoder;
  /**
   * Crypto primitives, when the engine has them: our quickjs-ng binary (mbedTLS, C) and
   * Node (node:crypto). Code that needs them checks for `host.crypto` and says so.
   */
  readonly crypto?: HostCrypto;
  /**
   * The anomaly model's integer forward pass in C (int8 weights), when the engine has it (our quickjs-ng
   * binary; Node's JIT runs the TypeScript loop fast enough). runtime/src/model/
   * int-inference.ts uses it when present and is its reference.
   */
  readonly int8?: NativeInt8;
}

/**
 * forward(weights, params, input, out): a dense network's int8 output into `out`, the
 * arithmetic of int-inference.ts. `weights` holds every layer's int8 weights row-major,
 * layer after layer; `params` is [layerCount, then per layer inDim, outDim, zeroPoint,
 * low, high (127 for an int8 output, 32767 for an int16 hidden one), then outDim
 * triples (bias with the input zero point folded in, m0, shift)].
 * Throws a RangeError, writing nothing, when the two do not describe a network.
 */
export interface NativeInt8 {
  forward(weights: Int8Array, params: Int32Array, input: Int8Array, out: Int8Array): void;
}

/** A hash that `HostCrypto.verify` accepts. */
export type HashName = 'sha256' | 'sha384' | 'sha512';

/**
 * Private keys are SEC1 ECPrivateKey DER (PKCS#8 is accepted as input), public keys
 * SubjectPublicKeyInfo DER, signatures DER. Private key bytes must never be logged.
 */
export interface HostCrypto {
  /** The library underneath ("mbedTLS 2.28.3", "OpenSSL 3.0.x"). */
  readonly provider: string;
  /** n bytes (0..65536) from a cryptographically secure generator. */
  randomBytes(n: number): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  /** A new EC P-256 key pair. */
  generateEcKey(): { privateKey: Uint8Array; publicKey: Uint8Array };
  /** The SubjectPublicKeyInfo of an EC private key. */
  ecPublicKey(privateKey: Uint8Array): Uint8Array;
  /** ECDSA over SHA-256(data) with an EC private key: a DER ECDSA-Sig-Value. */
  sign(privateKey: Uint8Array, data: Uint8Array): Uint8Array;
  /**
   * True when `signature` signs `data` hashed with `hash` under `publicKey` (ECDSA with a
   * DER signature for EC keys, RSASSA-PKCS1-v1_5 for RSA keys); false for anything else,
   * including keys and signatures that do not parse.
   */
  verify(publicKey: Uint8Array, hash: HashName, data: Uint8Array, signature: Uint8Array): boolean;
  /**
   * A PKCS#10 request signed by `privateKey` (ecdsa-with-SHA256). `subject` in the
   * "O=SPIRE,C=US" form ("" for none); `uri` becomes the one URI subjectAltName. Only
   * our binary has it (node:crypto cannot write CSRs).
   */
  csr?(privateKey: Uint8Array, subject: string, uri?: string): Uint8Array;
}

/** A policy compiled by the native decoder (its attribute names already atoms). */
export interface NativePolicy {
  readonly __nativePolicy: never;
}

/**
 * policy(kinds, keys) compiles a policy: kinds[type] is one of `kinds` below or 0
 * (skip), keys[type] the property name.
 * decode(bytes, policy, deferred, start) walks the attribute stream that begins at
 * `start` (default 0). It returns the decoded object, an error message, or null
 * (too many deferred attributes: decode it in TypeScript). Attributes it leaves to the
 * caller are (type, offset, length) triples in deferred[1..], their count in deferred[0].
 * decodeDump(datagram, offset, policy, deferred, seq, type, cmd, hdrlen, out) decodes,
 * from `offset`, the data messages of a dump datagram that answer `seq` with `type`,
 * carry no NLM_F_DUMP_INTR, a `hdrlen`-byte fixed header whose first byte is `cmd` (-1:
 * any) and attributes it decodes completely, appending them to `out`; it returns the
 * offset of the first message it left (the caller's general path takes the rest).
 */
export interface NativeAttrDecoder {
  policy(kinds: Uint8Array, keys: readonly (string | undefined)[]): NativePolicy;
  decode(bytes: Uint8Array, policy: NativePolicy, deferred: Int32Array, start?: number): Record<string, unknown> | string | null;
  decodeDump(datagram: Uint8Array, offset: number, policy: NativePolicy, deferred: Int32Array, seq: number, type: number, cmd: number, hdrlen: number, out: unknown[]): number;
  readonly kinds: { u8: number; u16: number; u32: number; s32: number; u64: number; flag: number; string: number; mac: number; hwaddr: number; ipv4: number; binary: number; other: number };
}
