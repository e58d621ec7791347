/**
 * GeneralName (RFC 5280 §4.2.1.6), the entries of subjectAltName: URI, DNS and IP
 * entries are decoded; the other kinds are kept with their tag number.
 */
import { contextNumber, enter, hex, isContext, type Tlv } from './der.js';
import { readIA5 } from './der-string.js';
import { derError, type IdResult, ok } from './result.js';

export type GeneralNameType = 'email' | 'dns' | 'directory' | 'uri' | 'ip' | 'other';

export interface GeneralName {
  type: GeneralNameType;
  /** Text for email/dns/uri/ip; hex of the DER value for the others. */
  value: string;
  /** The context tag number ([0]..[8]). */
  tagNumber: number;
}

/** At most this many names in one extension. */
export const MAX_GENERAL_NAMES = 256;

function formatIp(v: Uint8Array): string | null {
  if (v.length === 4) return `${v[0]}.${v[1]}.${v[2]}.${v[3]}`;
  if (v.length !== 16) return null;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((v[i] as number) << 8) | (v[i + 1] as number));
  // Compress the longest run of two or more zero groups (RFC 5952 §4.2).
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const part = (a: number[]) => a.map((g) => g.toString(16)).join(':');
  if (bestAt < 0) return part(groups);
  return `${part(groups.slice(0, bestAt))}::${part(groups.slice(bestAt + bestLen))}`;
}

export function readGeneralName(tlv: Tlv, what: string): IdResult<GeneralName> {
  if (!isContext(tlv.tag)) return derError(`${what}: a GeneralName has a context tag`);
  const n = contextNumber(tlv.tag);
  const constructed = (tlv.tag & 0x20) !== 0;
  const primitiveText = n === 1 || n === 2 || n === 6;
  if ((primitiveText || n === 7) && constructed) return derError(`${what}: [${n}] must be primitive`);
  if (primitiveText) {
    const s = readIA5(tlv, what);
    if (!s.ok) return s;
    return ok({ type: n === 1 ? 'email' : n === 2 ? 'dns' : 'uri', value: s.value, tagNumber: n });
  }
  if (n === 7) {
    const ip = formatIp(tlv.value);
    if (ip === null) return derError(`${what}: an IP address has 4 or 16 bytes, not ${tlv.value.length}`);
    return ok({ type: 'ip', value: ip, tagNumber: n });
  }
  if (n === 4) {
    // directoryName is an explicit tag around a Name: check its framing only.
    const inner = enter(tlv, what);
    if (!inner.ok) return inner;
    return ok({ type: 'directory', value: hex(tlv.value), tagNumber: n });
  }
  if (n > 8) return derError(`${what}: unknown GeneralName [${n}]`);
  return ok({ type: 'other', value: hex(tlv.value), tagNumber: n });
}

/** GeneralNames: SEQUENCE SIZE (1..MAX) OF GeneralName, read from a reader over its contents. */
export function readGeneralNames(tlv: Tlv, what: string): IdResult<GeneralName[]> {
  const r = enter(tlv, what);
  if (!r.ok) return r;
  const out: GeneralName[] = [];
  while (!r.value.atEnd()) {
    if (out.length >= MAX_GENERAL_NAMES) return derError(`${what}: more than ${MAX_GENERAL_NAMES} names`);
    const t = r.value.next(what);
    if (!t.ok) return t;
    const g = readGeneralName(t.value, what);
    if (!g.ok) return g;
    out.push(g.value);
  }
  if (out.length === 0) return derError(`${what}: empty GeneralNames`);
  return ok(out);
}
