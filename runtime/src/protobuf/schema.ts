/**
 * Message schemas as plain objects (no code generation): each field has a name, a field
 * number and a type, following the .proto file it comes from.
 *
 *   const Point: MessageSchema<{ x: number; y: number }> = message('Point', [
 *     { name: 'x', no: 1, type: 'int32' },
 *     { name: 'y', no: 2, type: 'int32' },
 *   ]);
 *
 * 64-bit integer types decode to bigint and encode from bigint or a safe integer.
 * Presence follows proto3: a plain scalar field is left out of the encoding when it holds
 * its default and is filled with that default when absent on decode; a field with
 * `optional: true` (proto3 `optional`, or a member of a `oneof`) is encoded whenever it is
 * set and stays undefined when absent. Message fields are undefined when absent.
 * Maps are repeated entry messages (key = 1, value = 2), as on the wire.
 */

export type ScalarType =
  | 'int32' | 'int64' | 'uint32' | 'uint64' | 'sint32' | 'sint64' | 'bool' | 'enum'
  | 'fixed32' | 'fixed64' | 'sfixed32' | 'sfixed64' | 'float' | 'double' | 'string' | 'bytes';

export type FieldType = ScalarType | 'message';

export interface FieldSpec {
  /** The property name in the JavaScript object. */
  name: string;
  /** The field number (1 .. 2^29-1, not 19000..19999). */
  no: number;
  type: FieldType;
  repeated?: boolean;
  /** Repeated numeric fields: packed encoding (proto3 default true). Decoding accepts both. */
  packed?: boolean;
  /** Explicit presence (proto3 `optional`, oneof members). */
  optional?: boolean;
  /** For type 'message': the schema (a function, so schemas can refer to each other). */
  message?: () => MessageSchema;
}

/** `T` is the object type the schema describes; it only guides the types of encode/decode. */
export interface MessageSchema<T = Record<string, unknown>> {
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  /** Phantom: never set. */
  readonly __type?: T;
}

/** Limits the decoder enforces (defaults in DEFAULT_DECODE_LIMITS). */
export interface DecodeLimits {
  /** Most nested messages. */
  maxDepth: number;
  /** Most bytes in the whole input. */
  maxBytes: number;
  /** Most elements in one repeated field. */
  maxRepeated: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxDepth: 32, maxBytes: 4 * 1024 * 1024, maxRepeated: 100_000 };

/** A schema, with its field table checked once (numbers in range, no duplicates). */
export function message<T = Record<string, unknown>>(name: string, fields: readonly FieldSpec[]): MessageSchema<T> {
  const seen = new Set<number>();
  for (const f of fields) {
    if (!Number.isInteger(f.no) || f.no < 1 || f.no > 0x1fffffff || (f.no >= 19000 && f.no <= 19999)) {
      throw new Error(`${name}.${f.name}: field number ${f.no} is not allowed`);
    }
    if (seen.has(f.no)) throw new Error(`${name}.${f.name}: field number ${f.no} used twice`);
    if (f.type === 'message' && !f.message) throw new Error(`${name}.${f.name}: message field without a schema`);
    seen.add(f.no);
  }
  return { name, fields };
}
