/**
 * The `control` file of an .ipk: fields in the order OpenWrt's package-pack.mk writes
 * them, checked before anything is written (opkg rejects or misreads bad names,
 * versions and architectures silently or late).
 */

export interface ControlFields {
  package: string;
  /** `<upstream version>-<release>`, e.g. 0.1.0-1. */
  version: string;
  depends: readonly string[];
  source: string;
  sourceName: string;
  license: string;
  section: string;
  sourceDateEpoch: number;
  maintainer: string;
  architecture: string;
  installedSize: number;
  /** First line: the summary; further lines: the long description. */
  description: string;
}

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]*$/;
const VERSION = /^[0-9][A-Za-z0-9.+~]*-[0-9]+$/;
const ARCH = /^[a-z0-9_]+(?:[a-z0-9_-]*[a-z0-9_])?$/;

/** Every problem with the fields, empty when they are fine. */
export function controlProblems(f: ControlFields): string[] {
  const p: string[] = [];
  if (!PACKAGE_NAME.test(f.package)) p.push(`Package '${f.package}': lower-case letters, digits and + . - only, starting with a letter or digit`);
  if (!VERSION.test(f.version)) p.push(`Version '${f.version}': must be <version>-<release>, e.g. 0.1.0-1`);
  if (!ARCH.test(f.architecture)) p.push(`Architecture '${f.architecture}': e.g. all, x86_64, mips_24kc, aarch64_cortex-a53`);
  for (const d of f.depends) if (!PACKAGE_NAME.test(d)) p.push(`Depends '${d}': not a package name`);
  if (!Number.isSafeInteger(f.installedSize) || f.installedSize <= 0) p.push(`Installed-Size ${f.installedSize}: must be a positive integer`);
  if (!Number.isSafeInteger(f.sourceDateEpoch) || f.sourceDateEpoch < 0) p.push(`SourceDateEpoch ${f.sourceDateEpoch}: must be seconds since 1970`);
  for (const [name, value] of [['Source', f.source], ['SourceName', f.sourceName], ['License', f.license], ['Section', f.section], ['Maintainer', f.maintainer]] as const) {
    if (value.trim() === '' || /[\n\r]/.test(value)) p.push(`${name}: must be one non-empty line`);
  }
  const lines = f.description.split('\n');
  if ((lines[0] ?? '').trim() === '') p.push('Description: the first line (the summary) is empty');
  return p;
}

/** The control file's text; throws with every problem found. */
export function formatControl(f: ControlFields): string {
  const problems = controlProblems(f);
  if (problems.length) throw new Error(`control for ${f.package}: ${problems.join('; ')}`);
  const [summary, ...rest] = f.description.split('\n');
  // Continuation lines start with a space; an empty line is " ." (Debian policy, opkg).
  const long = rest.map((l) => (l.trim() === '' ? ' .' : ` ${l}`));
  const lines = [
    `Package: ${f.package}`,
    `Version: ${f.version}`,
    ...(f.depends.length ? [`Depends: ${f.depends.join(', ')}`] : []),
    `Source: ${f.source}`,
    `SourceName: ${f.sourceName}`,
    `License: ${f.license}`,
    `Section: ${f.section}`,
    `SourceDateEpoch: ${f.sourceDateEpoch}`,
    `Maintainer: ${f.maintainer}`,
    `Architecture: ${f.architecture}`,
    `Installed-Size: ${f.installedSize}`,
    `Description: ${summary}`,
    ...long,
  ];
  return `${lines.join('\n')}\n`;
}

/** The fields of a control file, by name (for checks). Continuation lines join the field with '\n'. */
export function parseControl(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | null = null;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith(' ') && last !== null) {
      fields.set(last, `${fields.get(last)}\n${line.slice(1)}`);
      continue;
    }
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s?(.*)$/.exec(line);
    if (!m) throw new Error(`control: cannot read line '${line}'`);
    last = m[1] as string;
    if (fields.has(last)) throw new Error(`control: field ${last} given twice`);
    fields.set(last, m[2] as string);
  }
  return fields;
}
