/// <reference types="node" />
/**
 * An .ipk as today's opkg (opkg-lede) installs it and OpenWrt's scripts/ipkg-build
 * writes it: a gzip'd tar holding ./debian-binary ("2.0\n"), ./data.tar.gz (the
 * files, relative to /) and ./control.tar.gz (control, conffiles, maintainer
 * scripts), in that order. Installed-Size is what ipkg-build puts there: the size of
 * the uncompressed data tar. gzip without a name or time stamp, one mtime for every
 * entry, root:root: the same package description gives the same bytes.
 */
import { gzipSync } from 'node:zlib';
import { type ControlFields, formatControl } from './control.js';
import { type TarFile, writeTar, writeTarMembers } from './tar.js';

export interface PackageSpec {
  fields: Omit<ControlFields, 'installedSize' | 'sourceDateEpoch'>;
  /** The files installed, relative to / (no leading slash). */
  files: readonly TarFile[];
  /** Absolute paths of files opkg keeps on upgrade; each must be one of `files`. */
  conffiles: readonly string[];
  /** Maintainer scripts by control file name: postinst, prerm, postinst-pkg, ... (mode 0755). */
  scripts: Readonly<Record<string, string>>;
}

export interface BuiltPackage {
  fileName: string;
  bytes: Uint8Array;
  control: string;
  installedSize: number;
}

export const MAINTAINER_SCRIPTS = ['preinst', 'postinst', 'prerm', 'postrm', 'postinst-pkg', 'prerm-pkg'] as const;

/** gzip as `gzip -n -9`: no file name, mtime 0 in the header. */
export function gzip(data: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(data, { level: 9 }));
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function buildIpk(spec: PackageSpec, mtime: number): BuiltPackage {
  for (const c of spec.conffiles) {
    if (!spec.files.some((f) => `/${f.path}` === c)) throw new Error(`${spec.fields.package}: conffile ${c} is not one of the package's files`);
  }
  for (const name of Object.keys(spec.scripts)) {
    if (!(MAINTAINER_SCRIPTS as readonly string[]).includes(name)) throw new Error(`${spec.fields.package}: '${name}' is not a maintainer script (${MAINTAINER_SCRIPTS.join(', ')})`);
  }
  const dataTar = writeTar(spec.files, mtime);
  const installedSize = dataTar.length;
  const control = formatControl({ ...spec.fields, installedSize, sourceDateEpoch: mtime });
  const controlFiles: TarFile[] = [{ path: 'control', mode: 0o644, data: text(control) }];
  if (spec.conffiles.length) controlFiles.push({ path: 'conffiles', mode: 0o644, data: text(`${[...spec.conffiles].sort().join('\n')}\n`) });
  for (const [name, body] of Object.entries(spec.scripts)) controlFiles.push({ path: name, mode: 0o755, data: text(body) });
  const controlTar = writeTar(controlFiles, mtime);
  const outer = writeTarMembers(
    [
      { name: './debian-binary', type: 'file', mode: 0o644, data: text('2.0\n') },
      { name: './data.tar.gz', type: 'file', mode: 0o644, data: gzip(dataTar) },
      { name: './control.tar.gz', type: 'file', mode: 0o644, data: gzip(controlTar) },
    ],
    mtime,
  );
  const f = spec.fields;
  return { fileName: `${f.package}_${f.version}_${f.architecture}.ipk`, bytes: gzip(outer), control, installedSize };
}
