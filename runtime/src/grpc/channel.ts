/**
 * A gRPC channel: one HTTP/2 connection plus what every call on it sends (authority,
 * scheme, user agent), and the method descriptors calls are made with.
 */
import type { Header } from '../hpack/index.js';
import type { Http2Connection } from '../http2/index.js';
import type { MessageSchema } from '../protobuf/index.js';

export interface Method<Req, Res> {
  /** "/package.Service/Method" */
  readonly path: string;
  readonly request: MessageSchema<Req>;
  readonly response: MessageSchema<Res>;
}

/** A method descriptor: `method('spire.api.server.agent.v1.Agent', 'AttestAgent', Req, Res)`. */
export function method<Req, Res>(service: string, name: string, request: MessageSchema<Req>, response: MessageSchema<Res>): Method<Req, Res> {
  return { path: `/${service}/${name}`, request, response };
}

export interface ChannelOptions {
  /** :authority, e.g. "spire-server:8081". */
  authority: string;
  /** :scheme; "https" on TLS (the default). */
  scheme?: 'https' | 'http';
  userAgent?: string;
  /** Largest message a call accepts (default 4 MiB, as gRPC's default). */
  maxMessageBytes?: number;
}

export class GrpcChannel {
  readonly authority: string;
  readonly scheme: 'https' | 'http';
  readonly userAgent: string;
  readonly maxMessageBytes: number;

  constructor(readonly connection: Http2Connection, options: ChannelOptions) {
    this.authority = options.authority;
    this.scheme = options.scheme ?? 'https';
    this.userAgent = options.userAgent ?? 'x0tta6bl4-grpc/1';
    this.maxMessageBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
  }

  /** The request header block for a call of `path`. */
  requestHeaders(path: string, timeout: string | null, metadata: readonly Header[]): Header[] {
    const h: Header[] = [
      [':method', 'POST'],
      [':scheme', this.scheme],
      [':path', path],
      [':authority', this.authority],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
      ['user-agent', this.userAgent],
    ];
    if (timeout !== null) h.push(['grpc-timeout', timeout]);
    for (const [n, v] of metadata) h.push([n.toLowerCase(), v]);
    return h;
  }

  close(): void {
    this.connection.close();
  }
}
