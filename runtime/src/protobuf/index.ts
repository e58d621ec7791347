/** Protobuf: the wire format and schema-driven messages (schema.ts shows how to define one). */
export * from './message.js';
export * from './result.js';
export * from './schema.js';
export * from './wire.js';
