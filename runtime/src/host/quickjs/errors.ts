/** Errors of our native module on quickjs-ng, as the host's HostError. */
import { HostError } from '../types.js';

type NativeError = Error & { errno?: number; code?: string };

/** Native functions throw Errors with errno/code; give callers a HostError. */
export function toHostError(e: unknown): HostError {
  if (e instanceof HostError) return e;
  const err = e as NativeError;
  return new HostError(String(err?.message ?? e), err?.code ?? 'EUNKNOWN', err?.errno ?? 0);
}
