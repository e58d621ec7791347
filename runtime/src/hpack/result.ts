/**
 * HPACK results. A decoding error leaves the shared compression context unusable: HTTP/2
 * answers it with a connection error of type COMPRESSION_ERROR (RFC 9113 §4.3).
 */
import type { Result } from '../host/types.js';

export interface HpackError {
  message: string;
}

export type HpackResult<T> = Result<T, HpackError>;

/** One header field. Names and values are byte strings: one character per octet (latin1). */
export type Header = [name: string, value: string];

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function hpackError(message: string): { ok: false; error: HpackError } {
  return { ok: false, error: { message } };
}
