/** HTTP/2 client (RFC 9113): frames, streams, flow control, over any byte stream or TLS. */
export * from './byte-stream.js';
export * from './connection.js';
export * from './constants.js';
export * from './frame.js';
export * from './result.js';
export * from './stream.js';
export * from './tls.js';
