/**
 * gRPC-over-HTTP/2 header details (grpc/doc/PROTOCOL-HTTP2.md): grpc-message
 * percent-encoding, grpc-timeout, and reading a status out of trailers.
 */
import type { Header } from '../hpack/index.js';
import { utf8Decode, utf8Encode } from '../netlink/bytes.js';
import { type GrpcStatus, makeStatus, Status } from './status.js';

const HEX = '0123456789ABCDEF';

/** Percent-encode as the spec asks: bytes outside 0x20..0x7E and '%' itself. */
export function percentEncode(text: string): string {
  let out = '';
  for (const b of utf8Encode(text)) {
    if (b >= 0x20 && b <= 0x7e && b !== 0x25) out += String.fromCharCode(b);
    else out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Percent-decode grpc-message (a latin1 byte string) to text; bad escapes stay as they are. */
export function percentDecode(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i) & 0xff;
    if (c === 0x25 && i + 2 < value.length) {
      const hi = hexValue(value.charCodeAt(i + 1));
      const lo = hexValue(value.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        bytes.push(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    bytes.push(c);
  }
  return utf8Decode(Uint8Array.from(bytes));
}

/** grpc-timeout for `ms` milliseconds: at most 8 digits, in the finest unit that fits. */
export function encodeTimeout(ms: number): string {
  const t = Math.max(0, Math.ceil(ms));
  if (t < 1e8) return `${t}m`;
  const s = Math.ceil(t / 1000);
  if (s < 1e8) return `${s}S`;
  return `${Math.min(99_999_999, Math.ceil(s / 3600))}H`;
}

/** grpc-timeout back to milliseconds, or null when malformed. */
export function decodeTimeout(value: string): number | null {
  const m = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  const scale: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };
  return n * (scale[m[2] as string] as number);
}

export function headerValue(headers: readonly Header[], name: string): string | undefined {
  for (const [n, v] of headers) if (n === name) return v;
  return undefined;
}

/** The status a trailer block (or a Trailers-Only response) carries. */
export function statusFromTrailers(trailers: Header[]): GrpcStatus {
  const raw = headerValue(trailers, 'grpc-status');
  if (raw === undefined) return makeStatus(Status.UNKNOWN, 'response ended without grpc-status', trailers);
  if (!/^\d{1,3}$/.test(raw)) return makeStatus(Status.UNKNOWN, `grpc-status "${raw}" is not a number`, trailers);
  return makeStatus(Number(raw), percentDecode(headerValue(trailers, 'grpc-message') ?? ''), trailers);
}
