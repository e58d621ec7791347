/**
 * X.501 Names (RFC 5280 §4.1.2.4): a SEQUENCE of RDNs, each a SET of (type, value).
 * Kept as DER bytes (chains are built by comparing them) plus a readable form, in
 * certificate order: "C=US, O=SPIRE, CN=agent".
 */
import { enter, hex, TAG, type Tlv } from './der.js';
import { readOid } from './der-oid.js';
import { isStringTag, readString } from './der-string.js';
import { derError, type IdResult, ok } from './result.js';

/** At most this many attributes in one name. */
const MAX_ATTRIBUTES = 64;

const SHORT: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
};

export interface NameAttribute {
  /** Dotted OID. */
  type: string;
  /** "CN", "O", ... or the dotted OID. */
  shortName: string;
  /** The text, or "#" and the hex of the DER value when it is not a string type. */
  value: string;
}

export interface Name {
  /** The whole Name as DER (tag and length included). */
  der: Uint8Array;
  /** RDNs in certificate order; each holds one or more attributes. */
  rdns: NameAttribute[][];
  text: string;
}

/** Characters escaped with a backslash in the readable form (RFC 4514 §2.4). */
const SPECIAL = ',+"\\<>;=';

function escapeValue(v: string): string {
  let out = '';
  for (const c of v) {
    const code = c.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) out += `\\${code.toString(16).padStart(2, '0')}`;
    else out += SPECIAL.includes(c) ? `\\${c}` : c;
  }
  return out;
}

export function readName(tlv: Tlv, what: string): IdResult<Name> {
  if (tlv.tag !== TAG.SEQUENCE) return derError(`${what}: a Name is a SEQUENCE`);
  const seq = enter(tlv, what);
  if (!seq.ok) return seq;
  const rdns: NameAttribute[][] = [];
  let count = 0;
  while (!seq.value.atEnd()) {
    const set = seq.value.expect(TAG.SET, `${what} RDN`);
    if (!set.ok) return set;
    const atvs = enter(set.value, `${what} RDN`);
    if (!atvs.ok) return atvs;
    const rdn: NameAttribute[] = [];
    while (!atvs.value.atEnd()) {
      if (++count > MAX_ATTRIBUTES) return derError(`${what}: more than ${MAX_ATTRIBUTES} attributes`);
      const atv = atvs.value.expect(TAG.SEQUENCE, `${what} attribute`);
      if (!atv.ok) return atv;
      const a = readAttribute(atv.value, what);
      if (!a.ok) return a;
      rdn.push(a.value);
    }
    if (rdn.length === 0) return derError(`${what}: empty RDN`);
    rdns.push(rdn);
  }
  const text = rdns.map((rdn) => rdn.map((a) => `${a.shortName}=${escapeValue(a.value)}`).join('+')).join(', ');
  return ok({ der: tlv.raw, rdns, text });
}

function readAttribute(atv: Tlv, what: string): IdResult<NameAttribute> {
  const r = enter(atv, `${what} attribute`);
  if (!r.ok) return r;
  const typeTlv = r.value.expect(TAG.OID, `${what} attribute type`);
  if (!typeTlv.ok) return typeTlv;
  const type = readOid(typeTlv.value, `${what} attribute type`);
  if (!type.ok) return type;
  const valueTlv = r.value.next(`${what} attribute value`);
  if (!valueTlv.ok) return valueTlv;
  const end = r.value.end(`${what} attribute`);
  if (!end.ok) return end;
  let value: string;
  if (isStringTag(valueTlv.value.tag)) {
    const s = readString(valueTlv.value, `${what} ${SHORT[type.value] ?? type.value}`);
    if (!s.ok) return s;
    value = s.value;
  } else {
    value = `#${hex(valueTlv.value.raw)}`;
  }
  return ok({ type: type.value, shortName: SHORT[type.value] ?? type.value, value });
}

