/**
 * Result values for the protobuf codec: the decoder never throws on bad bytes, it
 * answers with a `ProtobufError` that says what was wrong and where.
 */
import type { Result } from '../host/types.js';

export type { Result };

export interface ProtobufError {
  message: string;
  /** Byte offset in the outermost buffer where the problem was found. */
  offset?: number;
}

export type PbResult<T> = Result<T, ProtobufError>;

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function pbError(message: string, offset?: number): { ok: false; error: ProtobufError } {
  return { ok: false, error: offset === undefined ? { message } : { message, offset } };
}
