/**
 * Result values for the netlink stack: decoders and requests return these instead of
 * throwing, so a malformed datagram or a kernel error is data the caller handles.
 */
import type { Result } from '../host/types.js';

export type { Result };

/**
 * What went wrong:
 * - `kernel`: the kernel answered NLMSG_ERROR (or a dump ended with an error); `errno` is set.
 * - `decode`: bytes that do not parse (short, truncated or lying lengths, bad attribute sizes).
 * - `timeout`: no complete answer within the request's time limit.
 * - `socket`: the socket reported an error (e.g. ENOBUFS: the kernel dropped messages).
 * - `interrupted`: a dump stayed inconsistent (NLM_F_DUMP_INTR) after all retries.
 * - `closed`: the client was closed while the request was pending.
 * - `unsupported`: the engine or kernel lacks what is needed (no netlink, family missing).
 * - `limit`: an answer exceeded a configured bound (message count / bytes).
 * - `invalid`: the caller asked for something invalid (checked before sending).
 */
export type NetlinkErrorKind = 'kernel' | 'decode' | 'timeout' | 'socket' | 'interrupted' | 'closed' | 'unsupported' | 'limit' | 'invalid';

/** Extended ACK details (NLMSGERR_ATTR_*), when the kernel sent them. */
export interface ExtendedAck {
  message?: string;
  /** Byte offset of the offending attribute in the request we sent. */
  offset?: number;
  missingType?: number;
  missingNest?: number;
  cookie?: Uint8Array;
}

export interface NetlinkError {
  kind: NetlinkErrorKind;
  message: string;
  /** Positive errno (kernel errors, socket errors). */
  errno?: number;
  /** Symbolic errno, e.g. "ENOENT", when known. */
  code?: string;
  extack?: ExtendedAck;
}

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail(kind: NetlinkErrorKind, message: string, extra?: Partial<NetlinkError>): { ok: false; error: NetlinkError } {
  return { ok: false, error: { ...extra, kind, message } };
}

export function decodeError(message: string): { ok: false; error: NetlinkError } {
  return fail('decode', message);
}

export type NlResult<T> = Result<T, NetlinkError>;
