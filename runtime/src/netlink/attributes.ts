/**
 * Attribute (nlattr TLV) decoding: u16 len (header included), u16 type (with the
 * NLA_F_NESTED / NLA_F_NET_BYTEORDER bits), payload, padding to 4 bytes.
 */
import { align4, readU16, viewOf } from './bytes.js';
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';
import { decodeError, type NlResult, ok } from './result.js';

export interface Attribute {
  /** Type without the flag bits. */
  type: number;
  nested: boolean;
  netByteOrder: boolean;
  /** The payload (a view, not a copy). */
  data: Uint8Array;
}

/**
 * Walk the attributes in `bytes` (a message payload after any fixed header, or a
 * nested attribute's payload). A length below 4 or past the end is an error;
 * 1..3 trailing bytes are tolerated as padding.
 */
export function decodeAttributes(bytes: Uint8Array): NlResult<Attribute[]> {
  const out: Attribute[] = [];
  const view = viewOf(bytes);
  let offset = 0;
  while (bytes.length - offset >= NLA_HDRLEN) {
    const len = readU16(view, offset);
    const rawType = readU16(view, offset + 2);
    if (len < NLA_HDRLEN) return decodeError(`attribute at offset ${offset}: length ${len} is shorter than its header`);
    if (len > bytes.length - offset) {
      return decodeError(`attribute type ${rawType & NLA_TYPE_MASK} at offset ${offset}: length ${len} runs past the end (${bytes.length - offset} bytes left)`);
    }
    out.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
      data: bytes.subarray(offset + NLA_HDRLEN, offset + len),
    });
    offset += align4(len);
  }
  return ok(out);
}

/**
 * Attributes indexed by type; a repeated type keeps the last one (as the kernel's
 * nla_parse does). Types above `maxType` are skipped.
 */
export function attributeTable(bytes: Uint8Array, maxType: number): NlResult<(Uint8Array | undefined)[]> {
  const attrs = decodeAttributes(bytes);
  if (!attrs.ok) return attrs;
  const table: (Uint8Array | undefined)[] = new Array(maxType + 1);
  for (const a of attrs.value) if (a.type <= maxType) table[a.type] = a.data;
  return ok(table);
}
