/**
 * Certificate extensions (RFC 5280 §4.2) that identity checks need: basicConstraints,
 * keyUsage, extendedKeyUsage, subjectAltName, subject/authority key identifiers, and
 * whether nameConstraints is present. Each extension's value is DER inside an OCTET
 * STRING; it must be exactly one element. A repeated extension is an error (§4.2).
 */
import {
  bitAt, type BitString, contextTag, type DerReader, enter, enterEncapsulated, readBitString, readBoolean, readOctetString,
  readSmallInteger, TAG, type Tlv,
} from './der.js';
import { OID, readOid } from './der-oid.js';
import { type GeneralName, readGeneralNames } from './x509-general-name.js';
import { derError, fail, type IdResult, ok } from './result.js';

/** At most this many extensions in one certificate. */
const MAX_EXTENSIONS = 64;
/** A pathLenConstraint above this is treated as an error (no real hierarchy is that deep). */
const MAX_PATH_LEN = 255;

export interface BasicConstraints {
  critical: boolean;
  ca: boolean;
  /** null when absent (no limit). */
  pathLen: number | null;
}

/** keyUsage bits by name (RFC 5280 §4.2.1.3). */
export interface KeyUsage {
  critical: boolean;
  digitalSignature: boolean;
  contentCommitment: boolean;
  keyEncipherment: boolean;
  dataEncipherment: boolean;
  keyAgreement: boolean;
  keyCertSign: boolean;
  cRLSign: boolean;
  encipherOnly: boolean;
  decipherOnly: boolean;
}

export interface ExtendedKeyUsage {
  critical: boolean;
  /** Dotted OIDs (see OID.serverAuth, OID.clientAuth). */
  purposes: string[];
}

export interface SubjectAltName {
  critical: boolean;
  names: GeneralName[];
}

export interface RawExtension {
  oid: string;
  critical: boolean;
  /** The extnValue contents (DER of the extension's own structure). */
  value: Uint8Array;
}

export interface Extensions {
  basicConstraints: BasicConstraints | null;
  keyUsage: KeyUsage | null;
  extKeyUsage: ExtendedKeyUsage | null;
  subjectAltName: SubjectAltName | null;
  subjectKeyId: Uint8Array | null;
  /** The keyIdentifier of authorityKeyIdentifier, when it has one. */
  authorityKeyId: Uint8Array | null;
  /** nameConstraints is present (its contents are not interpreted). */
  nameConstraints: { critical: boolean } | null;
  /** OIDs of critical extensions this reader does not understand. */
  unknownCritical: string[];
  all: RawExtension[];
}

export function emptyExtensions(): Extensions {
  return {
    basicConstraints: null, keyUsage: null, extKeyUsage: null, subjectAltName: null, subjectKeyId: null,
    authorityKeyId: null, nameConstraints: null, unknownCritical: [], all: [],
  };
}

/** The single element inside an extension's OCTET STRING. */
function single(ext: RawExtension, outer: Tlv, what: string): IdResult<Tlv> {
  const r = enterEncapsulated(ext.value, outer);
  const t = r.next(what);
  if (!t.ok) return t;
  const end = r.end(what);
  if (!end.ok) return end;
  return t;
}

function basicConstraints(t: Tlv, critical: boolean): IdResult<BasicConstraints> {
  const what = 'basicConstraints';
  if (t.tag !== TAG.SEQUENCE) return derError(`${what}: expected a SEQUENCE`);
  const r = enter(t, what);
  if (!r.ok) return r;
  let ca = false;
  const caTlv = r.value.optional(TAG.BOOLEAN, `${what} cA`);
  if (!caTlv.ok) return caTlv;
  if (caTlv.value !== null) {
    const b = readBoolean(caTlv.value, `${what} cA`);
    if (!b.ok) return b;
    ca = b.value;
  }
  let pathLen: number | null = null;
  const pl = r.value.optional(TAG.INTEGER, `${what} pathLenConstraint`);
  if (!pl.ok) return pl;
  if (pl.value !== null) {
    const n = readSmallInteger(pl.value, `${what} pathLenConstraint`, MAX_PATH_LEN);
    if (!n.ok) return n;
    pathLen = n.value;
  }
  const end = r.value.end(what);
  if (!end.ok) return end;
  return ok({ critical, ca, pathLen });
}

function keyUsage(t: Tlv, critical: boolean): IdResult<KeyUsage> {
  const bits = readBitString(t, 'keyUsage');
  if (!bits.ok) return bits;
  const b: BitString = bits.value;
  return ok({
    critical,
    digitalSignature: bitAt(b, 0),
    contentCommitment: bitAt(b, 1),
    keyEncipherment: bitAt(b, 2),
    dataEncipherment: bitAt(b, 3),
    keyAgreement: bitAt(b, 4),
    keyCertSign: bitAt(b, 5),
    cRLSign: bitAt(b, 6),
    encipherOnly: bitAt(b, 7),
    decipherOnly: bitAt(b, 8),
  });
}

function extKeyUsage(t: Tlv, critical: boolean): IdResult<ExtendedKeyUsage> {
  const what = 'extendedKeyUsage';
  if (t.tag !== TAG.SEQUENCE) return derError(`${what}: expected a SEQUENCE`);
  const r = enter(t, what);
  if (!r.ok) return r;
  const purposes: string[] = [];
  while (!r.value.atEnd()) {
    if (purposes.length >= MAX_EXTENSIONS) return derError(`${what}: more than ${MAX_EXTENSIONS} purposes`);
    const o = r.value.expect(TAG.OID, what);
    if (!o.ok) return o;
    const oid = readOid(o.value, what);
    if (!oid.ok) return oid;
    purposes.push(oid.value);
  }
  if (purposes.length === 0) return derError(`${what}: no purpose`);
  return ok({ critical, purposes });
}

function authorityKeyId(t: Tlv): IdResult<Uint8Array | null> {
  const what = 'authorityKeyIdentifier';
  if (t.tag !== TAG.SEQUENCE) return derError(`${what}: expected a SEQUENCE`);
  const r = enter(t, what);
  if (!r.ok) return r;
  const kid = r.value.optional(contextTag(0, false), `${what} keyIdentifier`);
  if (!kid.ok) return kid;
  // authorityCertIssuer [1] and authorityCertSerialNumber [2]: framing checked, not used.
  for (const n of [1, 2]) {
    const x = r.value.optional(contextTag(n, n === 1), `${what} [${n}]`);
    if (!x.ok) return x;
  }
  const end = r.value.end(what);
  if (!end.ok) return end;
  return ok(kid.value === null ? null : kid.value.value);
}

/** Interpret one extension into `out`. */
function apply(out: Extensions, ext: RawExtension, outer: Tlv): IdResult<true> {
  const name = ext.oid;
  const known =
    name === OID.basicConstraints || name === OID.keyUsage || name === OID.extKeyUsage || name === OID.subjectAltName ||
    name === OID.subjectKeyIdentifier || name === OID.authorityKeyIdentifier || name === OID.nameConstraints;
  if (!known) {
    if (ext.critical) out.unknownCritical.push(name);
    return ok(true);
  }
  const t = single(ext, outer, `extension ${name}`);
  if (!t.ok) return t;
  switch (name) {
    case OID.basicConstraints: {
      const v = basicConstraints(t.value, ext.critical);
      if (!v.ok) return v;
      out.basicConstraints = v.value;
      break;
    }
    case OID.keyUsage: {
      const v = keyUsage(t.value, ext.critical);
      if (!v.ok) return v;
      out.keyUsage = v.value;
      break;
    }
    case OID.extKeyUsage: {
      const v = extKeyUsage(t.value, ext.critical);
      if (!v.ok) return v;
      out.extKeyUsage = v.value;
      break;
    }
    case OID.subjectAltName: {
      if (t.value.tag !== TAG.SEQUENCE) return derError('subjectAltName: expected a SEQUENCE');
      const v = readGeneralNames(t.value, 'subjectAltName');
      if (!v.ok) return v;
      out.subjectAltName = { critical: ext.critical, names: v.value };
      break;
    }
    case OID.subjectKeyIdentifier: {
      const v = readOctetString(t.value, 'subjectKeyIdentifier');
      if (!v.ok) return v;
      out.subjectKeyId = v.value;
      break;
    }
    case OID.authorityKeyIdentifier: {
      const v = authorityKeyId(t.value);
      if (!v.ok) return v;
      out.authorityKeyId = v.value;
      break;
    }
    default: {
      // nameConstraints: a SEQUENCE; presence is what the validator needs.
      if (t.value.tag !== TAG.SEQUENCE) return derError('nameConstraints: expected a SEQUENCE');
      out.nameConstraints = { critical: ext.critical };
    }
  }
  return ok(true);
}

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension, given the SEQUENCE. */
export function readExtensions(seq: Tlv): IdResult<Extensions> {
  const out = emptyExtensions();
  if (seq.tag !== TAG.SEQUENCE) return derError('extensions: expected a SEQUENCE');
  const r = enter(seq, 'extensions');
  if (!r.ok) return r;
  const seen = new Set<string>();
  while (!r.value.atEnd()) {
    if (out.all.length >= MAX_EXTENSIONS) return derError(`extensions: more than ${MAX_EXTENSIONS}`);
    const e = r.value.expect(TAG.SEQUENCE, 'extension');
    if (!e.ok) return e;
    const raw = readExtension(e.value);
    if (!raw.ok) return raw;
    if (seen.has(raw.value.oid)) return fail('x509', `extension ${raw.value.oid} appears twice`);
    seen.add(raw.value.oid);
    out.all.push(raw.value);
    const applied = apply(out, raw.value, e.value);
    if (!applied.ok) return applied;
  }
  if (out.all.length === 0) return derError('extensions: empty SEQUENCE');
  return ok(out);
}

function readExtension(e: Tlv): IdResult<RawExtension> {
  const r: IdResult<DerReader> = enter(e, 'extension');
  if (!r.ok) return r;
  const o = r.value.expect(TAG.OID, 'extension id');
  if (!o.ok) return o;
  const oid = readOid(o.value, 'extension id');
  if (!oid.ok) return oid;
  let critical = false;
  const c = r.value.optional(TAG.BOOLEAN, `extension ${oid.value} critical`);
  if (!c.ok) return c;
  if (c.value !== null) {
    const b = readBoolean(c.value, `extension ${oid.value} critical`);
    if (!b.ok) return b;
    critical = b.value;
  }
  const v = r.value.expect(TAG.OCTET_STRING, `extension ${oid.value} value`);
  if (!v.ok) return v;
  const end = r.value.end(`extension ${oid.value}`);
  if (!end.ok) return end;
  return ok({ oid: oid.value, critical, value: v.value.value });
}
