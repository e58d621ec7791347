/** gRPC status codes (grpc/doc/statuscodes.md) and the error a failed call rejects with. */
import type { Header } from '../hpack/index.js';

export const STATUS_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

export type StatusName = (typeof STATUS_NAMES)[number];

export const Status = Object.fromEntries(STATUS_NAMES.map((n, i) => [n, i])) as { readonly [K in StatusName]: number };

/** The name of a status code; codes outside 0..16 are UNKNOWN (as the spec says to treat them). */
export function statusName(code: number): StatusName {
  return STATUS_NAMES[code] ?? 'UNKNOWN';
}

/** How a call ended. */
export interface GrpcStatus {
  code: number;
  codeName: StatusName;
  /** grpc-message, percent-decoded ("" when absent). */
  message: string;
  /** The trailing metadata (or the Trailers-Only headers); empty when the status is local. */
  trailers: Header[];
}

export function makeStatus(code: number, message: string, trailers: Header[] = []): GrpcStatus {
  const c = code >= 0 && code <= 16 ? code : Status.UNKNOWN;
  return { code: c, codeName: statusName(c), message, trailers };
}

/** A call that ended with a status other than OK. */
export class GrpcError extends Error {
  readonly code: number;
  readonly codeName: StatusName;
  readonly details: string;
  readonly trailers: Header[];
  constructor(status: GrpcStatus, method = '') {
    super(`${method ? `${method}: ` : ''}${status.codeName}${status.message ? `: ${status.message}` : ''}`);
    this.name = 'GrpcError';
    this.code = status.code;
    this.codeName = status.codeName;
    this.details = status.message;
    this.trailers = status.trailers;
  }
}

/** The status for a non-200 HTTP response without grpc-status (the spec's mapping). */
export function statusFromHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400: return Status.INTERNAL;
    case 401: return Status.UNAUTHENTICATED;
    case 403: return Status.PERMISSION_DENIED;
    case 404: return Status.UNIMPLEMENTED;
    case 429: case 502: case 503: case 504: return Status.UNAVAILABLE;
    default: return Status.UNKNOWN;
  }
}
