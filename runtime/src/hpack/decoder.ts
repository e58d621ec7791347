/**
 * HPACK decoder (RFC 7541 §6): one per connection, fed every header block in order.
 * Total: any bad block is an `HpackError`. Bounded: table size by our
 * SETTINGS_HEADER_TABLE_SIZE, the decoded list by a header list size limit (the
 * RFC 9113 §6.5.2 measure: octets of names and values plus 32 per field).
 */
import { DynamicTable, entrySize } from './dynamic-table.js';
import { bytesToLatin1, huffmanDecode } from './huffman.js';
import { decodeInteger } from './integer.js';
import { type Header, type HpackResult, hpackError, ok } from './result.js';
import { STATIC_TABLE } from './static-table.js';

export interface HpackDecoderOptions {
  /** The SETTINGS_HEADER_TABLE_SIZE we announce (default 4096). */
  maxTableSize?: number;
  /** Most header list size one block may decode to (default 64 KiB). */
  maxHeaderListSize?: number;
}

export class HpackDecoder {
  private readonly table: DynamicTable;
  /** The ceiling a table size update may ask for (our setting). */
  private ceiling: number;
  readonly maxHeaderListSize: number;

  constructor(options: HpackDecoderOptions = {}) {
    this.ceiling = options.maxTableSize ?? 4096;
    this.table = new DynamicTable(this.ceiling);
    this.maxHeaderListSize = options.maxHeaderListSize ?? 65536;
  }

  /** Our new SETTINGS_HEADER_TABLE_SIZE, once the peer acknowledged it. */
  setMaxTableSize(n: number): void {
    this.ceiling = n;
    if (this.table.maxSize > n) this.table.setMaxSize(n);
  }

  get tableSize(): number {
    return this.table.size;
  }

  private entry(index: number): Header | undefined {
    if (index >= 1 && index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1];
    return this.table.get(index - STATIC_TABLE.length - 1);
  }

  /** One complete header block (HEADERS + CONTINUATION fragments joined). */
  decode(block: Uint8Array): HpackResult<Header[]> {
    const out: Header[] = [];
    let listSize = 0;
    let at = 0;
    let fieldsSeen = false;
    while (at < block.length) {
      const b = block[at] as number;
      let header: Header;
      if (b & 0x80) {
        // Indexed field (§6.1)
        const r = decodeInteger(block, at, 7);
        if (typeof r === 'string') return hpackError(r);
        const h = r[0] === 0 ? undefined : this.entry(r[0]);
        if (!h) return hpackError(`index ${r[0]} is not in the table`);
        header = h;
        at = r[1];
      } else if ((b & 0xe0) === 0x20) {
        // Dynamic table size update (§6.3): only at the start of a block.
        if (fieldsSeen) return hpackError('table size update after a header field');
        const r = decodeInteger(block, at, 5);
        if (typeof r === 'string') return hpackError(r);
        if (r[0] > this.ceiling) return hpackError(`table size update to ${r[0]} exceeds ${this.ceiling}`);
        this.table.setMaxSize(r[0]);
        at = r[1];
        continue;
      } else {
        // Literal: with incremental indexing (01), without (0000) or never indexed (0001).
        const indexing = (b & 0xc0) === 0x40;
        const r = decodeInteger(block, at, indexing ? 6 : 4);
        if (typeof r === 'string') return hpackError(r);
        at = r[1];
        let name: string;
        if (r[0] === 0) {
          const s = this.string(block, at);
          if (typeof s === 'object' && 'error' in s) return hpackError(`name: ${s.error}`);
          [name, at] = s;
        } else {
          const h = this.entry(r[0]);
          if (!h) return hpackError(`name index ${r[0]} is not in the table`);
          name = h[0];
        }
        const v = this.string(block, at);
        if (typeof v === 'object' && 'error' in v) return hpackError(`value: ${v.error}`);
        header = [name, v[0]];
        at = v[1];
        if (indexing) this.table.add(header);
      }
      fieldsSeen = true;
      listSize += entrySize(header);
      if (listSize > this.maxHeaderListSize) return hpackError(`header list larger than ${this.maxHeaderListSize} octets`);
      out.push(header);
    }
    return ok(out);
  }

  /** A string literal (§5.2) at `at`: [text, next offset] or an error. */
  private string(block: Uint8Array, at: number): [string, number] | { error: string } {
    if (at >= block.length) return { error: 'string runs past the end' };
    const huffman = ((block[at] as number) & 0x80) !== 0;
    const r = decodeInteger(block, at, 7);
    if (typeof r === 'string') return { error: r };
    const [len, start] = r;
    if (len > block.length - start) return { error: `string length ${len} runs past the end` };
    // No single string may exceed the whole list limit (and Huffman at most doubles... 8/5).
    if (len > this.maxHeaderListSize) return { error: `string longer than ${this.maxHeaderListSize} octets` };
    const end = start + len;
    if (!huffman) return [bytesToLatin1(block.subarray(start, end)), end];
    const s = huffmanDecode(block, start, end);
    if (typeof s !== 'string') return s;
    return [s, end];
  }
}
