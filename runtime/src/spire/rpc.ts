/**
 * The two call shapes the SPIRE agent API needs, on one gRPC channel over one TLS
 * connection: unary calls and the AttestAgent bidirectional stream. Messages are
 * protobuf bytes (messages.ts has the schemas); errors are SpireError values.
 * channel.ts implements this on runtime/src/grpc/.
 */
import type { SpireResult } from './errors.js';

export interface BidiCall {
  send(message: Uint8Array): void;
  /** No more messages from us (half-close). */
  end(): void;
  /** The next message; null when the server ended the call with status OK. */
  receive(): Promise<SpireResult<Uint8Array | null>>;
  cancel(): void;
}

export interface RpcChannel {
  unary(method: string, request: Uint8Array, timeoutMs?: number): Promise<SpireResult<Uint8Array>>;
  bidi(method: string, timeoutMs?: number): BidiCall;
  close(): void;
}
