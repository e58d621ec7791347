/** HPACK header compression for HTTP/2 (RFC 7541). */
export * from './decoder.js';
export * from './dynamic-table.js';
export * from './encoder.js';
export * from './huffman.js';
export * from './integer.js';
export * from './result.js';
export * from './static-table.js';
