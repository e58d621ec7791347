/// <reference types="node" />
/**
 * A small POSIX ustar writer (and reader, for checks) for package archives: regular
 * files and directories only, owner root:root (uid/gid 0), one fixed mtime, entries
 * in the order a depth-first walk with sorted names gives (`tar --sort=name` of `.`),
 * every path prefixed `./`. The same entries always give the same bytes.
 */

export interface TarFile {
  /** Path inside the archive without the leading "./", e.g. "usr/bin/x0tta6bl4". */
  path: string;
  mode: number;
  data: Uint8Array;
}

export interface TarEntry {
  /** As stored, e.g. "./", "./usr/", "./usr/bin/x0tta6bl4". */
  name: string;
  type: 'file' | 'dir';
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  data: Uint8Array;
}

const BLOCK = 512;
const DIR_MODE = 0o755;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Why a path cannot be stored, or null. */
export function checkTarPath(path: string): string | null {
  if (path === '' || path.startsWith('/') || path.endsWith('/')) return `'${path}': must be relative, without a leading or trailing '/'`;
  if (path.split('/').some((p) => p === '' || p === '.' || p === '..')) return `'${path}': empty, '.' or '..' component`;
  if (!/^[A-Za-z0-9._+@:-]+(\/[A-Za-z0-9._+@:-]+)*$/.test(path)) return `'${path}': only letters, digits and ._+@:- are allowed`;
  return null;
}

function compareComponents(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] as string;
    const y = pb[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** The files plus every parent directory, in archive order, with their stored names. */
export function tarLayout(files: readonly TarFile[]): { name: string; file: TarFile | null }[] {
  const seen = new Set<string>();
  const dirs = new Set<string>();
  for (const f of files) {
    const bad = checkTarPath(f.path);
    if (bad) throw new Error(`tar: ${bad}`);
    if (seen.has(f.path)) throw new Error(`tar: '${f.path}' given twice`);
    seen.add(f.path);
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const d of dirs) if (seen.has(d)) throw new Error(`tar: '${d}' is both a file and a directory`);
  const byPath = new Map(files.map((f) => [f.path, f]));
  const all = [...dirs, ...seen].sort(compareComponents);
  return [{ name: './', file: null }, ...all.map((p) => ({ name: dirs.has(p) ? `./${p}/` : `./${p}`, file: byPath.get(p) ?? null }))];
}

function writeString(block: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = encoder.encode(text);
  if (bytes.length > length) throw new Error(`tar: '${text}' longer than ${length} bytes`);
  block.set(bytes, offset);
}

/** An octal field of `length` bytes: digits, zero-padded, then NUL. */
function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`tar: bad numeric field ${value}`);
  const digits = value.toString(8);
  if (digits.length > length - 1) throw new Error(`tar: ${value} does not fit a ${length}-byte field`);
  writeString(block, offset, length - 1, digits.padStart(length - 1, '0'));
}

/** Split a name into ustar's prefix (up to 155 bytes) and name (up to 100 bytes). */
function splitName(name: string): { prefix: string; name: string } {
  if (encoder.encode(name).length <= 100) return { prefix: '', name };
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(rest).length <= 100 && rest !== '') return { prefix, name: rest };
  }
  throw new Error(`tar: '${name}' is too long for a ustar header`);
}

function header(name: string, type: 'file' | 'dir', mode: number, size: number, mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const n = splitName(name);
  writeString(h, 0, 100, n.name);
  writeOctal(h, 100, 8, mode & 0o7777);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, mtime);
  h[156] = type === 'dir' ? 0x35 : 0x30;
  writeString(h, 257, 6, 'ustar');
  writeString(h, 263, 2, '00');
  writeString(h, 265, 32, 'root');
  writeString(h, 297, 32, 'root');
  writeOctal(h, 329, 8, 0);
  writeOctal(h, 337, 8, 0);
  writeString(h, 345, 155, n.prefix);
  // The checksum is computed with its own field as eight spaces.
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  writeString(h, 148, 7, sum.toString(8).padStart(6, '0'));
  h[154] = 0;
  h[155] = 0x20;
  return h;
}

/** One stored entry: its name as stored, its type, mode and data. */
export interface TarMember {
  name: string;
  type: 'file' | 'dir';
  mode: number;
  data: Uint8Array;
}

/** Entries in the given order, then two zero blocks. */
export function writeTarMembers(members: readonly TarMember[], mtime: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    total += b.length;
  };
  for (const m of members) {
    const size = m.type === 'dir' ? 0 : m.data.length;
    push(header(m.name, m.type, m.mode, size, mtime));
    if (size === 0) continue;
    push(m.data);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) push(new Uint8Array(pad));
  }
  push(new Uint8Array(2 * BLOCK));
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A tree: `./`, every parent directory (0755) and the files, in `tar --sort=name` order. */
export function writeTar(files: readonly TarFile[], mtime: number): Uint8Array {
  const empty = new Uint8Array(0);
  return writeTarMembers(
    tarLayout(files).map((e) => (e.file === null ? { name: e.name, type: 'dir', mode: DIR_MODE, data: empty } : { name: e.name, type: 'file', mode: e.file.mode, data: e.file.data })),
    mtime,
  );
}

function readString(b: Uint8Array, offset: number, length: number): string {
  const field = b.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decoder.decode(end >= 0 ? field.subarray(0, end) : field);
}

function readOctal(b: Uint8Array, offset: number, length: number): number {
  const text = readString(b, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new Error(`tar: bad octal field '${text}' at ${offset}`);
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/** The entries of a ustar or GNU tar archive (regular files and directories; checksums verified). */
export function readTar(archive: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  while (at + BLOCK <= archive.length) {
    const h = archive.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] as number);
    const stored = readOctal(h, 148, 8);
    if (stored !== sum) throw new Error(`tar: header checksum ${stored} != ${sum} at offset ${at}`);
    const size = readOctal(h, 124, 12);
    const flag = String.fromCharCode(h[156] as number);
    if (flag !== '0' && flag !== '\0' && flag !== '5') throw new Error(`tar: entry type '${flag}' at offset ${at} is not a file or directory`);
    const prefix = readString(h, 345, 155);
    const short = readString(h, 0, 100);
    const dataStart = at + BLOCK;
    if (dataStart + size > archive.length) throw new Error(`tar: entry '${short}' runs past the end`);
    entries.push({
      name: prefix ? `${prefix}/${short}` : short,
      type: flag === '5' ? 'dir' : 'file',
      mode: readOctal(h, 100, 8),
      uid: readOctal(h, 108, 8),
      gid: readOctal(h, 116, 8),
      uname: readString(h, 265, 32),
      gname: readString(h, 297, 32),
      mtime: readOctal(h, 136, 12),
      data: archive.slice(dataStart, dataStart + size),
    });
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}
