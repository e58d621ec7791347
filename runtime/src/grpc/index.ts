/**
 * gRPC client (grpc/doc/PROTOCOL-HTTP2.md) on our HTTP/2 connection and protobuf codec.
 *
 * Messages are protobuf schemas (runtime/src/protobuf/schema.ts), methods are
 * descriptors, a channel is one HTTP/2 connection:
 *
 *   import { connectHttp2Tls } from '../http2/index.js';
 *   import { message } from '../protobuf/index.js';
 *   import { GrpcChannel, method, unaryCall, bidiStreamingCall, GrpcError } from '../grpc/index.js';
 *
 *   const Ping = message<{ text: string }>('Ping', [{ name: 'text', no: 1, type: 'string' }]);
 *   const Echo = method('test.Echo', 'Say', Ping, Ping);           // path "/test.Echo/Say"
 *
 *   const { connection, socket } = await connectHttp2Tls({ family: 'inet', host: '10.0.0.1', port: 8081 }, tlsOptions);
 *   // socket.peerChain: check the server's SPIFFE ID here (runtime/src/identity/).
 *   const channel = new GrpcChannel(connection, { authority: '10.0.0.1:8081' });
 *
 *   // Unary: resolves with the response, rejects with GrpcError (err.codeName, err.details).
 *   const reply = await unaryCall(channel, Echo, { text: 'hi' }, { timeoutMs: 5000 });
 *
 *   // Bidirectional stream (SPIRE's AttestAgent): send and read in any order.
 *   const call = bidiStreamingCall(channel, Echo, { timeoutMs: 30_000 });
 *   call.send({ text: 'params' });
 *   const challenge = await call.read();        // next response; null after an OK end
 *   call.send({ text: 'answer' });
 *   call.end();                                 // half-close: no more requests
 *   for await (const m of call) { ... }         // the remaining responses
 *   const status = await call.status;           // { code, codeName, message, trailers }; never rejects
 *
 * Server streaming: `serverStreamingCall(channel, m, request)` returns the same
 * ClientCall, already half-closed. `call.cancel()` resets the stream (CANCELLED).
 * For tests, `Http2Connection.connect(byteStream)` takes any ByteStream (e.g. a plain
 * socket from host.net.connect, or `bytePipe()`), and `scheme: 'http'` in the channel.
 */
export * from './call.js';
export * from './channel.js';
export * from './framing.js';
export * from './metadata.js';
export * from './status.js';
