/**
 * HTTP/2 errors as values. `code` is the RFC 9113 error code the connection or stream is
 * (or was) closed with; `scope` says whether the whole connection is gone or one stream.
 */
import type { Result } from '../host/types.js';
import { ERROR_CODES, type ErrorCodeName } from './constants.js';

export interface Http2Error {
  scope: 'connection' | 'stream';
  code: ErrorCodeName;
  message: string;
}

export type H2Result<T> = Result<T, Http2Error>;

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function connectionError(code: ErrorCodeName, message: string): { ok: false; error: Http2Error } {
  return { ok: false, error: { scope: 'connection', code, message } };
}

export function streamError(code: ErrorCodeName, message: string): { ok: false; error: Http2Error } {
  return { ok: false, error: { scope: 'stream', code, message } };
}

/** An Http2Error as a thrown/rejected Error (for promise-based callers). */
export class Http2Failure extends Error {
  readonly scope: 'connection' | 'stream';
  readonly code: ErrorCodeName;
  readonly errorCode: number;
  constructor(e: Http2Error) {
    super(`http2 ${e.scope} error ${e.code}: ${e.message}`);
    this.name = 'Http2Failure';
    this.scope = e.scope;
    this.code = e.code;
    this.errorCode = ERROR_CODES[e.code];
  }
}
