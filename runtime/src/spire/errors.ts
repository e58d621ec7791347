/**
 * What can go wrong talking to SPIRE, as values the CLI prints in one line and the
 * renewal loop uses to choose between "retry later" and "give up":
 * - `config`: missing or invalid server address, trust domain or bundle;
 * - `clock`: the wall clock is known to be wrong (clock.ts); retry after time sync;
 * - `unreachable`: TCP or TLS failed, or the connection broke; retry with back-off;
 * - `server-identity`: the server's certificate is not the SVID of
 *   spiffe://<trust domain>/spire/server under our bundle; do not talk to it;
 * - `refused`: the server answered with a gRPC error (bad token, unknown agent, ...);
 * - `svid`: what the server sent is not a valid SVID or bundle for us;
 * - `state`: the saved identity is missing or damaged;
 * - `unsupported`: this engine lacks TLS or CSRs (Node cannot write CSRs).
 */
export type SpireErrorKind = 'config' | 'clock' | 'unreachable' | 'server-identity' | 'refused' | 'svid' | 'state' | 'unsupported';

export interface SpireError {
  kind: SpireErrorKind;
  message: string;
  /** For `refused`: the gRPC status code. */
  grpcStatus?: number;
}

export type SpireResult<T> = { ok: true; value: T } | { ok: false; error: SpireError };

export function spireError(kind: SpireErrorKind, message: string, grpcStatus?: number): { ok: false; error: SpireError } {
  return { ok: false, error: grpcStatus === undefined ? { kind, message } : { kind, message, grpcStatus } };
}

/** Kinds worth retrying later with the same inputs. */
export function isTransient(e: SpireError): boolean {
  if (e.kind === 'unreachable' || e.kind === 'clock') return true;
  // gRPC UNAVAILABLE (14), DEADLINE_EXCEEDED (4), RESOURCE_EXHAUSTED (8), ABORTED (10).
  return e.kind === 'refused' && e.grpcStatus !== undefined && [4, 8, 10, 14].includes(e.grpcStatus);
}
