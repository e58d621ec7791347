/**
 * A parser for OpenWrt's UCI configuration syntax (/etc/config/<package>):
 *
 *   package x0tta6bl4            (optional)
 *   config agent 'main'          section of type "agent", named "main"
 *       option cycle_ms '1000'   scalar option
 *       list exclude 'wlan0'     list option (repeatable)
 *   # comment
 *
 * Values are bare words, 'single-quoted' (no escapes) or "double-quoted" (with
 * backslash escapes), and adjacent pieces concatenate as in the shell. The parser
 * is bounded (size, lines, sections, options) and reports the first error with its
 * line number instead of throwing.
 */
export interface UciSection {
  type: string;
  /** The section's name, or null for an anonymous section. */
  name: string | null;
  options: Map<string, string>;
  lists: Map<string, string[]>;
  /** 1-based line of each option and list entry (the last one for a list). */
  lines: Map<string, number>;
  /** 1-based line where the section starts. */
  line: number;
}

export interface UciFile {
  package: string | null;
  sections: UciSection[];
}

export type UciResult = { ok: true; value: UciFile } | { ok: false; error: string; line: number };

export const UCI_LIMITS = { bytes: 256 * 1024, lines: 8192, sections: 512, optionsPerSection: 256, valueLength: 4096 };

const IDENT = /^[A-Za-z0-9_]+$/;

/** Split one line into shell-like words. Returns null on an unterminated quote. */
function tokenize(line: string): string[] | { error: string } {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') break;
    let word = '';
    while (i < line.length) {
      const d = line[i] as string;
      if (d === ' ' || d === '\t' || d === '\r') break;
      if (d === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) return { error: 'unterminated single quote' };
        word += line.slice(i + 1, end);
        i = end + 1;
      } else if (d === '"') {
        i++;
        let closed = false;
        while (i < line.length) {
          const e = line[i] as string;
          if (e === '\\' && i + 1 < line.length) {
            word += line[i + 1];
            i += 2;
          } else if (e === '"') {
            closed = true;
            i++;
            break;
          } else {
            word += e;
            i++;
          }
        }
        if (!closed) return { error: 'unterminated double quote' };
      } else if (d === '\\' && i + 1 < line.length) {
        word += line[i + 1];
        i += 2;
      } else {
        word += d;
        i++;
      }
    }
    words.push(word);
  }
  return words;
}

export function parseUci(text: string): UciResult {
  if (text.length > UCI_LIMITS.bytes) return { ok: false, error: `file larger than ${UCI_LIMITS.bytes} bytes`, line: 0 };
  const lines = text.split('\n');
  if (lines.length > UCI_LIMITS.lines) return { ok: false, error: `more than ${UCI_LIMITS.lines} lines`, line: 0 };
  const file: UciFile = { package: null, sections: [] };
  let current: UciSection | null = null;
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const words = tokenize(lines[n] as string);
    if (!Array.isArray(words)) return { ok: false, error: words.error, line: lineNo };
    if (words.length === 0) continue;
    const [keyword, a, b, extra] = words;
    const fail = (error: string): UciResult => ({ ok: false, error, line: lineNo });
    switch (keyword) {
      case 'package':
        if (a === undefined || b !== undefined) return fail("'package' takes one name");
        file.package = a;
        break;
      case 'config': {
        if (a === undefined || extra !== undefined) return fail("'config' takes a type and an optional name");
        if (!IDENT.test(a)) return fail(`invalid section type '${a}'`);
        if (b !== undefined && !IDENT.test(b)) return fail(`invalid section name '${b}'`);
        if (file.sections.length >= UCI_LIMITS.sections) return fail(`more than ${UCI_LIMITS.sections} sections`);
        current = { type: a, name: b ?? null, options: new Map(), lists: new Map(), lines: new Map(), line: lineNo };
        file.sections.push(current);
        break;
      }
      case 'option':
      case 'list': {
        if (current === null) return fail(`'${keyword}' outside a 'config' section`);
        if (a === undefined || b === undefined || extra !== undefined) return fail(`'${keyword}' takes a name and one value`);
        if (!IDENT.test(a)) return fail(`invalid option name '${a}'`);
        if (b.length > UCI_LIMITS.valueLength) return fail(`value of '${a}' longer than ${UCI_LIMITS.valueLength}`);
        if (current.options.size + current.lists.size >= UCI_LIMITS.optionsPerSection) return fail('too many options in one section');
        current.lines.set(a, lineNo);
        if (keyword === 'option') {
          if (current.lists.has(a)) return fail(`'${a}' is already a list`);
          current.options.set(a, b);
        } else {
          if (current.options.has(a)) return fail(`'${a}' is already an option`);
          const list = current.lists.get(a) ?? [];
          if (list.length >= UCI_LIMITS.optionsPerSection) return fail(`list '${a}' too long`);
          list.push(b);
          current.lists.set(a, list);
        }
        break;
      }
      default:
        return fail(`unknown keyword '${keyword}' (expected config, option or list)`);
    }
  }
  return { ok: true, value: file };
}
