/**
 * The HPACK Huffman code (RFC 7541 Appendix B). The code is canonical: codes of equal
 * length are consecutive in symbol order and each length starts after the previous
 * length's last code, so the 257 code lengths below determine every code.
 */

// Code length of each symbol 0..255 and EOS (256), in order.
const LENGTHS =
  '13,23,28,28,28,28,28,28,28,24,30,28,28,30,28,28,28,28,28,28,28,28,30,28,28,28,28,28,28,28,28,28,' +
  '6,10,10,12,13,6,8,11,10,10,8,11,8,6,6,6,5,5,5,6,6,6,6,6,6,6,7,8,15,6,12,10,' +
  '13,6,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,8,7,8,13,19,13,14,6,' +
  '15,5,6,5,6,5,6,6,6,5,7,7,6,6,6,5,6,7,6,5,5,6,7,7,7,7,7,15,11,14,13,28,' +
  '20,22,20,20,22,22,22,23,22,23,23,23,23,23,24,23,24,24,22,23,24,23,23,23,23,21,22,23,22,23,23,24,' +
  '22,21,20,22,22,23,23,21,23,22,22,24,21,22,23,23,21,21,22,21,23,22,23,23,20,22,22,22,23,22,22,23,' +
  '26,26,20,19,22,23,22,25,26,26,26,27,27,26,24,25,19,21,26,27,27,26,27,24,21,21,26,26,28,27,27,27,' +
  '20,24,20,21,22,21,21,23,22,22,25,25,24,24,26,23,26,27,26,26,27,27,27,27,27,28,27,27,27,27,27,26,30';

export const EOS = 256;
export const CODE_LENGTHS: readonly number[] = LENGTHS.split(',').map(Number);
/** CODES[sym] is the code, right-aligned in CODE_LENGTHS[sym] bits. */
export const CODES: readonly number[] = canonicalCodes(CODE_LENGTHS);

function canonicalCodes(lengths: readonly number[]): number[] {
  const order = lengths.map((_, s) => s).sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b);
  const codes = new Array<number>(lengths.length).fill(0);
  let code = 0;
  let prevLen = lengths[order[0] as number] as number;
  order.forEach((sym, i) => {
    const len = lengths[sym] as number;
    if (i > 0) code = (code + 1) * 2 ** (len - prevLen);
    codes[sym] = code;
    prevLen = len;
  });
  return codes;
}

/**
 * The decoding tree: node n has children TREE[2n] (bit 0) and TREE[2n+1] (bit 1); a
 * value v < 0 is the leaf for symbol -v-1. The code is complete: 256 inner nodes.
 */
const TREE = buildTree();

function buildTree(): Int32Array {
  const tree = new Int32Array(2 * 256);
  let nodes = 1;
  for (let sym = 0; sym <= EOS; sym++) {
    const len = CODE_LENGTHS[sym] as number;
    const code = CODES[sym] as number;
    let n = 0;
    for (let b = len - 1; b >= 0; b--) {
      const bit = Math.floor(code / 2 ** b) & 1;
      const slot = 2 * n + bit;
      if (b === 0) tree[slot] = -sym - 1;
      else {
        if ((tree[slot] as number) === 0) tree[slot] = nodes++;
        n = tree[slot] as number;
      }
    }
  }
  return tree;
}

/**
 * The tree walked four bits at a time (a shortest code has five bits, so a nibble ends
 * at most one symbol). NIBBLES[16 * node + nibble] packs: the node reached (bits 0-7),
 * a symbol ended (bit 8) and which (bits 9-16), EOS reached (bit 17).
 * END_OK[node]: a string may end at this node: the root, or fewer than 8 bits that are
 * all ones (a prefix of EOS, RFC 7541 §5.2).
 */
const EMIT = 1 << 8;
const FAIL = 1 << 17;
const NIBBLES = new Int32Array(256 * 16);
const END_OK = new Uint8Array(256);

(function buildNibbles(): void {
  const depth = new Uint8Array(256);
  const ones = new Uint8Array(256).fill(0);
  ones[0] = 1;
  // Depth and all-ones-ness of every inner node, parents before children.
  for (let n = 0; n < 256; n++) {
    for (let bit = 0; bit < 2; bit++) {
      const c = TREE[2 * n + bit] as number;
      if (c > 0) {
        depth[c] = (depth[n] as number) + 1;
        ones[c] = ones[n] && bit === 1 ? 1 : 0;
      }
    }
  }
  for (let n = 0; n < 256; n++) {
    END_OK[n] = n === 0 || (ones[n] === 1 && (depth[n] as number) <= 7) ? 1 : 0;
    for (let v = 0; v < 16; v++) {
      let node = n;
      let entry = 0;
      for (let b = 3; b >= 0; b--) {
        const next = TREE[2 * node + ((v >> b) & 1)] as number;
        if (next < 0) {
          const sym = -next - 1;
          if (sym === EOS) entry |= FAIL;
          else entry |= EMIT | (sym << 9);
          node = 0;
        } else node = next;
      }
      NIBBLES[16 * n + v] = entry | node;
    }
  }
})();

/**
 * Decode `bytes[start, end)` as a Huffman string (latin1 result) or say why not: the EOS
 * symbol inside, or padding longer than 7 bits or not all ones (RFC 7541 §5.2).
 */
export function huffmanDecode(bytes: Uint8Array, start: number, end: number): string | { error: string } {
  // At most 8/5 symbols per byte.
  const out = new Uint8Array(Math.ceil(((end - start) * 8) / 5));
  let n = 0;
  let node = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i] as number;
    let e = NIBBLES[16 * node + (byte >> 4)] as number;
    if (e & FAIL) return { error: 'Huffman string contains EOS' };
    if (e & EMIT) out[n++] = (e >> 9) & 0xff;
    e = NIBBLES[16 * (e & 0xff) + (byte & 15)] as number;
    if (e & FAIL) return { error: 'Huffman string contains EOS' };
    if (e & EMIT) out[n++] = (e >> 9) & 0xff;
    node = e & 0xff;
  }
  if (!END_OK[node]) return { error: 'Huffman padding is longer than 7 bits or not all ones' };
  return bytesToLatin1(out.subarray(0, n));
}

/** The Huffman-encoded length in bytes of a latin1 string. */
export function huffmanLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += CODE_LENGTHS[s.charCodeAt(i) & 0xff] as number;
  return Math.ceil(bits / 8);
}

/** Append the Huffman encoding of a latin1 string, padded with ones. */
export function huffmanEncode(out: number[], s: string): void {
  let acc = 0; // pending bits, at most 7 + 30
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const sym = s.charCodeAt(i) & 0xff;
    const len = CODE_LENGTHS[sym] as number;
    acc = acc * 2 ** len + (CODES[sym] as number);
    n += len;
    while (n >= 8) {
      n -= 8;
      const byte = Math.floor(acc / 2 ** n);
      out.push(byte & 0xff);
      acc -= byte * 2 ** n;
    }
  }
  if (n > 0) out.push(((acc << (8 - n)) | ((1 << (8 - n)) - 1)) & 0xff);
}

const CHUNK = 8192;

export function bytesToLatin1(units: ArrayLike<number>): string {
  if (units.length <= CHUNK) return String.fromCharCode.apply(null, units as number[]);
  let s = '';
  for (let i = 0; i < units.length; i += CHUNK) {
    s += String.fromCharCode.apply(null, Array.prototype.slice.call(units, i, i + CHUNK) as number[]);
  }
  return s;
}
