/** The quickjs-ng host: our `x0tta6bl4` binary's engine modules behind the Host interface. */
import './globals.js';
import * as os from 'qjs:os';
import * as std from 'qjs:std';
import * as native from 'x0tta6bl4:native';
import { formatLogLine } from '../log-format.js';
import type { Host, LogLevel, SignalName, TimerHandle } from '../types.js';
import { crypto } from './crypto.js';
import { files } from './files.js';
import { processes } from './processes.js';
import * as sockets from './sockets.js';
import { tlsConnect, tlsListen } from './tls.js';

const syslogPriority: Record<LogLevel, number> = {
  debug: native.LOG_DEBUG,
  info: native.LOG_INFO,
  notice: native.LOG_NOTICE,
  warning: native.LOG_WARNING,
  err: native.LOG_ERR,
  crit: native.LOG_CRIT,
};

const signalNumbers: Record<SignalName, number> = {
  SIGTERM: native.SIGTERM,
  SIGINT: native.SIGINT,
  SIGHUP: native.SIGHUP,
  SIGUSR1: native.SIGUSR1,
  SIGUSR2: native.SIGUSR2,
};

function writeTo(file: typeof std.out, text: string): void {
  file.puts(text);
  file.flush();
}

export function createQuickjsHost(): Host {
  const args = (globalThis as unknown as { scriptArgs?: string[] }).scriptArgs ?? [];
  let syslogOpen = false;
  const host: Host = {
    engine: 'quickjs-ng',
    engineVersion: native.engineVersion(),
    argv: args.slice(1),
    getenv: (name) => std.getenv(name),
    stdout: { write: (t) => writeTo(std.out, t) },
    stderr: { write: (t) => writeTo(std.err, t) },
    exit(code: number): never {
      std.out.flush();
      std.err.flush();
      return std.exit(code);
    },
    clock: {
      monotonicNs: native.monotonicNs,
      monotonicMs: native.monotonicMs,
      wallMs: () => Date.now(),
    },
    timers: {
      setTimeout: (fn, ms) => os.setTimeout(fn, ms) as TimerHandle,
      setInterval: (fn, ms) => os.setInterval(fn, ms) as TimerHandle,
      clear: (h) => {
        if (h !== undefined) os.clearTimeout(h);
      },
    },
    files,
    processes,
    crypto,
    int8: { forward: native.int8Forward },
    nlattr: {
      policy: native.nlPolicy,
      decode: native.nlDecodeAttrs,
      decodeDump: native.nlDecodeDump,
      kinds: {
        u8: native.NL_KIND_U8,
        u16: native.NL_KIND_U16,
        u32: native.NL_KIND_U32,
        s32: native.NL_KIND_S32,
        u64: native.NL_KIND_U64,
        flag: native.NL_KIND_FLAG,
        string: native.NL_KIND_STRING,
        mac: native.NL_KIND_MAC,
        hwaddr: native.NL_KIND_HWADDR,
        ipv4: native.NL_KIND_IPV4,
        binary: native.NL_KIND_BINARY,
        other: native.NL_KIND_OTHER,
      },
    },
    net: {
      connect: sockets.connect,
      listen: sockets.listen,
      streamPair: sockets.streamPair,
      datagram: sockets.datagram,
      netlink: sockets.netlink,
      packet: sockets.packet,
      tlsConnect,
      tlsListen,
      ifNameToIndex: (name) => {
        try {
          return native.ifNameToIndex(name);
        } catch (e) {
          throw sockets.toHostError(e);
        }
      },
    },
    signals: {
      on(signal: SignalName, handler: () => void) {
        os.signal(signalNumbers[signal], handler);
      },
    },
    logger: {
      log(level, message) {
        writeTo(std.err, formatLogLine(Date.now(), level, message));
        if (syslogOpen) native.syslog(syslogPriority[level], message);
      },
      openSyslog(ident) {
        native.openlog(ident);
        syslogOpen = true;
      },
    },
    resourceUsage: native.resourceUsage,
    errnoName: native.errnoName,
    strerror: native.strerror,
  };
  return host;
}
