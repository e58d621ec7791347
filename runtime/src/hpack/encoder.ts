/**
 * HPACK encoder (RFC 7541 §6): one per connection. Full matches in the static or dynamic
 * table go out as an index; other fields as literals with incremental indexing (the name
 * by index where known), except names listed as sensitive, which are never indexed.
 * Strings are Huffman-coded when that is shorter.
 */
import { DynamicTable } from './dynamic-table.js';
import { huffmanEncode, huffmanLength } from './huffman.js';
import { encodeInteger } from './integer.js';
import type { Header } from './result.js';
import { STATIC_EXACT, STATIC_NAME, STATIC_TABLE } from './static-table.js';

/** Never put into a table (RFC 7541 §7.1.3): credentials. */
const SENSITIVE = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

export class HpackEncoder {
  private readonly table: DynamicTable;
  /** A table size change to announce at the start of the next block. */
  private pendingSizeUpdate: number | null = null;
  /** Our own cap, below whatever the peer allows (keeps memory small). */
  private readonly cap: number;

  constructor(options: { maxTableSize?: number } = {}) {
    this.cap = options.maxTableSize ?? 4096;
    this.table = new DynamicTable(Math.min(4096, this.cap));
    if (this.cap < 4096) this.pendingSizeUpdate = this.cap;
  }

  /** The peer's SETTINGS_HEADER_TABLE_SIZE changed. */
  setPeerMaxTableSize(n: number): void {
    const size = Math.min(n, this.cap);
    if (size !== this.table.maxSize) {
      this.table.setMaxSize(size);
      this.pendingSizeUpdate = size;
    }
  }

  /** The header block for `headers` (names must be lowercase; strings latin1). */
  encode(headers: readonly Header[]): Uint8Array {
    const out: number[] = [];
    if (this.pendingSizeUpdate !== null) {
      encodeInteger(out, this.pendingSizeUpdate, 5, 0x20);
      this.pendingSizeUpdate = null;
    }
    for (const h of headers) this.field(out, h);
    return Uint8Array.from(out);
  }

  private field(out: number[], [name, value]: Header): void {
    const sensitive = SENSITIVE.has(name);
    const exactStatic = STATIC_EXACT.get(`${name}\0${value}`);
    if (exactStatic !== undefined && !sensitive) {
      encodeInteger(out, exactStatic, 7, 0x80);
      return;
    }
    const dyn = this.table.find(name, value);
    if (dyn.exact >= 0 && !sensitive) {
      encodeInteger(out, STATIC_TABLE.length + 1 + dyn.exact, 7, 0x80);
      return;
    }
    const nameIndex = STATIC_NAME.get(name) ?? (dyn.name >= 0 ? STATIC_TABLE.length + 1 + dyn.name : 0);
    if (sensitive) encodeInteger(out, nameIndex, 4, 0x10);
    else encodeInteger(out, nameIndex, 6, 0x40);
    if (nameIndex === 0) writeString(out, name);
    writeString(out, value);
    if (!sensitive) this.table.add([name, value]);
  }
}

function writeString(out: number[], s: string): void {
  const hlen = huffmanLength(s);
  if (hlen < s.length) {
    encodeInteger(out, hlen, 7, 0x80);
    huffmanEncode(out, s);
    return;
  }
  encodeInteger(out, s.length, 7, 0);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
}
