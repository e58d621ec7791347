/**
 * What an executable is built for, from its ELF header: the CPU and byte order (to
 * name the package's Architecture and refuse a mismatch) and the dynamic loader it
 * asks for (OpenWrt's C library is musl: a glibc binary installs but cannot start).
 */

export interface ElfInfo {
  machine: 'x86_64' | 'aarch64' | 'mips' | 'mipsel' | 'arm' | 'i386' | 'other';
  bits: 32 | 64;
  /** PT_INTERP, e.g. /lib/ld-musl-mips-sf.so.1; null for a static binary. */
  interpreter: string | null;
  /** DT_NEEDED: the shared libraries it links (e.g. libmbedtls.so.14); empty when static. */
  needed: string[];
  /**
   * MIPS only, from PT_MIPS_ABIFLAGS: how floating point is done. OpenWrt's MIPS
   * userland is soft float; a hard-float binary there runs only through the kernel's FPU
   * emulator. Absent when the binary does not say (not MIPS, or no abiflags).
   */
  mipsFloat?: 'hard' | 'soft' | 'none';
}

const PT_MIPS_ABIFLAGS = 0x70000003;
/** fp_abi (byte 7 of struct mips_abiflags_v0): Val_GNU_MIPS_ABI_FP_ANY 0 (no float code), _SOFT 3, the rest hard. */
function mipsFloatAbi(fpAbi: number): 'hard' | 'soft' | 'none' {
  return fpAbi === 0 ? 'none' : fpAbi === 3 ? 'soft' : 'hard';
}

const EM: Record<number, ElfInfo['machine']> = { 3: 'i386', 8: 'mips', 40: 'arm', 62: 'x86_64', 183: 'aarch64' };

export function readElf(bytes: Uint8Array): ElfInfo {
  if (bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) throw new Error('not an ELF file');
  const bits = bytes[4] === 2 ? 64 : bytes[4] === 1 ? 32 : 0;
  if (bits === 0) throw new Error(`ELF class ${bytes[4]} unknown`);
  const little = bytes[5] === 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, little);
  const u32 = (at: number) => view.getUint32(at, little);
  const addr = (at: number) => (bits === 64 ? Number(view.getBigUint64(at, little)) : u32(at));
  let machine = EM[u16(18)] ?? 'other';
  if (machine === 'mips' && little) machine = 'mipsel';
  const phoff = addr(bits === 64 ? 32 : 28);
  const phentsize = u16(bits === 64 ? 54 : 42);
  const phnum = u16(bits === 64 ? 56 : 44);
  let interpreter: string | null = null;
  let dynamic: { offset: number; size: number } | null = null;
  let mipsFloat: ElfInfo['mipsFloat'];
  const loads: { vaddr: number; offset: number; size: number }[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + phentsize > bytes.length) throw new Error('ELF program headers past the end of the file');
    const type = u32(ph);
    const offset = addr(bits === 64 ? ph + 8 : ph + 4);
    const size = addr(bits === 64 ? ph + 32 : ph + 16);
    if (offset + size > bytes.length) throw new Error(`ELF segment ${i} past the end of the file`);
    if (type === 1) loads.push({ vaddr: addr(bits === 64 ? ph + 16 : ph + 8), offset, size }); // PT_LOAD
    else if (type === 2) dynamic = { offset, size }; // PT_DYNAMIC
    else if (type === 3) interpreter = new TextDecoder().decode(bytes.subarray(offset, offset + size)).replace(/\0+$/, ''); // PT_INTERP
    else if (type === PT_MIPS_ABIFLAGS && (machine === 'mips' || machine === 'mipsel') && size >= 24) mipsFloat = mipsFloatAbi(bytes[offset + 7] as number);
  }
  const info: ElfInfo = { machine, bits: bits as 32 | 64, interpreter, needed: dynamic ? neededLibraries(bytes, dynamic, loads, bits, addr) : [] };
  if (mipsFloat) info.mipsFloat = mipsFloat;
  return info;
}

/** DT_NEEDED names from PT_DYNAMIC; DT_STRTAB is an address, mapped to the file through PT_LOAD. */
function neededLibraries(bytes: Uint8Array, dyn: { offset: number; size: number }, loads: { vaddr: number; offset: number; size: number }[], bits: number, addr: (at: number) => number): string[] {
  const entry = bits === 64 ? 16 : 8;
  const names: number[] = [];
  let strtab: number | null = null;
  for (let at = dyn.offset; at + entry <= dyn.offset + dyn.size; at += entry) {
    const tag = addr(at);
    const val = addr(at + entry / 2);
    if (tag === 0) break; // DT_NULL
    if (tag === 1) names.push(val); // DT_NEEDED: an offset into the string table
    else if (tag === 5) strtab = val; // DT_STRTAB
  }
  if (names.length === 0) return [];
  const load = strtab === null ? undefined : loads.find((l) => strtab !== null && strtab >= l.vaddr && strtab < l.vaddr + l.size);
  if (strtab === null || !load) throw new Error('ELF DT_STRTAB is not in a loaded segment');
  const base = load.offset + (strtab - load.vaddr);
  return names.map((n) => {
    const start = base + n;
    const end = bytes.indexOf(0, start);
    if (start >= bytes.length || end < 0) throw new Error('ELF DT_NEEDED name past the end of the file');
    return new TextDecoder().decode(bytes.subarray(start, end));
  });
}

/**
 * OpenWrt packages that provide the shared libraries a binary links, beyond libc (the
 * libc package covers libc, libm, libpthread, libdl, libatomic is its own):
 * mbedTLS's three libraries come in OpenWrt's one `libmbedtls` package.
 */
export function libraryDepends(info: ElfInfo): string[] {
  const out = new Set<string>();
  for (const lib of info.needed) {
    if (/^libmbed(tls|x509|crypto)\.so/.test(lib)) out.add('libmbedtls');
    else if (/^libatomic\.so/.test(lib)) out.add('libatomic');
  }
  return [...out].sort();
}

/** OpenWrt's package architecture for a CPU, where one name is usual; null when it must be given. */
export function defaultArch(info: ElfInfo): string | null {
  switch (info.machine) {
    case 'x86_64':
      return 'x86_64';
    case 'mips':
      return 'mips_24kc';
    case 'mipsel':
      return 'mipsel_24kc';
    case 'aarch64':
      return 'aarch64_generic';
    default:
      return null;
  }
}

/** Which OpenWrt architectures a CPU can be (the prefix of the arch name). */
export function archMatches(info: ElfInfo, arch: string): boolean {
  const family = arch.split('_')[0];
  switch (info.machine) {
    case 'x86_64':
      return arch === 'x86_64';
    case 'i386':
      return family === 'i386';
    case 'mips':
      return family === 'mips' || family === 'mips64';
    case 'mipsel':
      return family === 'mipsel' || family === 'mips64el';
    case 'aarch64':
      return family === 'aarch64';
    case 'arm':
      return family === 'arm';
    default:
      return true;
  }
}

export function isMusl(info: ElfInfo): boolean {
  return info.interpreter === null || /ld-musl-/.test(info.interpreter);
}
