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
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + phentsize > bytes.length) throw new Error('ELF program headers past the end of the file');
    if (u32(ph) !== 3) continue; // PT_INTERP
    const offset = addr(bits === 64 ? ph + 8 : ph + 4);
    const size = addr(bits === 64 ? ph + 32 : ph + 16);
    if (offset + size > bytes.length) throw new Error('ELF PT_INTERP past the end of the file');
    interpreter = new TextDecoder().decode(bytes.subarray(offset, offset + size)).replace(/\0+$/, '');
  }
  return { machine, bits: bits as 32 | 64, interpreter };
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
