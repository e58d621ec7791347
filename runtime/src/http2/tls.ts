/**
 * HTTP/2 over the host's TLS (host.net.tlsConnect) with ALPN "h2", which SPIRE's server
 * and every gRPC server over TLS require (RFC 9113 §3.2).
 */
import { getHost } from '../host/index.js';
import { HostError, type SocketAddress, type TlsOptions, type TlsSocket } from '../host/types.js';
import { Http2Connection, type Http2ConnectionOptions } from './connection.js';

export interface TlsHttp2 {
  connection: Http2Connection;
  /** The TLS socket underneath (peer chain for SPIFFE ID checks, version). */
  socket: TlsSocket;
}

/**
 * Connect with TLS, insist on ALPN "h2", and start HTTP/2 on the socket. Rejects with a
 * HostError when the host has no TLS, the handshake fails, or the server did not agree to h2.
 */
export async function connectHttp2Tls(address: SocketAddress, tls: TlsOptions, options: Http2ConnectionOptions = {}): Promise<TlsHttp2> {
  const net = getHost().net;
  if (!net.tlsConnect) throw new HostError('tls: this engine has no TLS client', 'ENOTSUP');
  const socket = await net.tlsConnect(address, { ...tls, alpn: ['h2'] });
  if (socket.alpn !== 'h2') {
    socket.close(true);
    throw new HostError(`tls: the server did not agree to ALPN h2 (got ${socket.alpn ?? 'none'})`, 'EPROTO');
  }
  return { connection: Http2Connection.connect(socket, options), socket };
}
