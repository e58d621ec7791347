/** A gRPC channel (runtime/src/grpc/) on an established TLS connection to SPIRE. */
import { GrpcChannel } from '../grpc/index.js';
import type { TlsSocket } from '../host/types.js';
import { Http2Connection } from '../http2/index.js';

export function grpcDial(socket: TlsSocket, authority: string): GrpcChannel {
  return new GrpcChannel(Http2Connection.connect(socket), { authority, userAgent: 'x0tta6bl4-spire-agent/1' });
}
