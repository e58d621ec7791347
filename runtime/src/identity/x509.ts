/**
 * An X.509 v1–v3 certificate reader (RFC 5280 §4.1). It decodes and checks structure;
 * it does not verify signatures or judge trust (chain.ts and svid.ts do). The tbs bytes,
 * the signature algorithm and value, and the subject public key are kept so that a
 * signature verifier (a later C shim on mbedTLS) can check them.
 */
import {
  bytesEqual, contextTag, DerReader, enter, hex, parseDer, readBitString, readIntegerBytes,
  readSmallInteger, TAG, type Tlv,
} from './der.js';
import { OID, oidName, readOid } from './der-oid.js';
import { readTime } from './der-time.js';
import { type Extensions, emptyExtensions, readExtensions } from './x509-extensions.js';
import { type Name, readName } from './x509-name.js';
import { fail, type IdResult, ok, within } from './result.js';

/** Certificates larger than this are refused before parsing. */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;

export interface AlgorithmIdentifier {
  /** Dotted OID. */
  oid: string;
  /** "ecdsa-with-SHA256", "P-256", ... or the OID. */
  name: string;
  /** DER of the parameters, or null when absent. */
  parameters: Uint8Array | null;
}

export interface PublicKeyInfo {
  algorithm: AlgorithmIdentifier;
  /** For EC keys: the named curve ("P-256", or its OID when unknown); else null. */
  curve: string | null;
  /** The subjectPublicKey bits (for EC: the uncompressed point 04||X||Y). */
  key: Uint8Array;
  /** The whole SubjectPublicKeyInfo DER (what verifiers import). */
  der: Uint8Array;
}

export interface Certificate {
  /** 1, 2 or 3. */
  version: number;
  /** Serial number as lowercase hex of its two's-complement bytes. */
  serial: string;
  /** The signature algorithm inside tbsCertificate (equal to `signatureAlgorithm`). */
  tbsSignatureAlgorithm: AlgorithmIdentifier;
  issuer: Name;
  subject: Name;
  notBeforeMs: number;
  notAfterMs: number;
  publicKey: PublicKeyInfo;
  extensions: Extensions;
  signatureAlgorithm: AlgorithmIdentifier;
  /** The signature BIT STRING contents (for ECDSA: a DER Ecdsa-Sig-Value). */
  signature: Uint8Array;
  /** The DER of tbsCertificate: what the signature covers. */
  tbs: Uint8Array;
  /** The whole certificate. */
  der: Uint8Array;
}

function readAlgorithm(tlv: Tlv, what: string): IdResult<AlgorithmIdentifier> {
  if (tlv.tag !== TAG.SEQUENCE) return fail('der', `${what}: AlgorithmIdentifier is a SEQUENCE`);
  const r = enter(tlv, what);
  if (!r.ok) return r;
  const o = r.value.expect(TAG.OID, `${what} algorithm`);
  if (!o.ok) return o;
  const oid = readOid(o.value, `${what} algorithm`);
  if (!oid.ok) return oid;
  let parameters: Uint8Array | null = null;
  if (!r.value.atEnd()) {
    const p = r.value.next(`${what} parameters`);
    if (!p.ok) return p;
    parameters = p.value.raw;
  }
  const end = r.value.end(what);
  if (!end.ok) return end;
  return ok({ oid: oid.value, name: oidName(oid.value), parameters });
}

function readPublicKey(tlv: Tlv): IdResult<PublicKeyInfo> {
  const what = 'subjectPublicKeyInfo';
  if (tlv.tag !== TAG.SEQUENCE) return fail('der', `${what}: expected a SEQUENCE`);
  const r = enter(tlv, what);
  if (!r.ok) return r;
  const a = r.value.expect(TAG.SEQUENCE, `${what} algorithm`);
  if (!a.ok) return a;
  const algorithm = readAlgorithm(a.value, `${what} algorithm`);
  if (!algorithm.ok) return algorithm;
  const k = r.value.expect(TAG.BIT_STRING, `${what} key`);
  if (!k.ok) return k;
  const bits = readBitString(k.value, `${what} key`);
  if (!bits.ok) return bits;
  const end = r.value.end(what);
  if (!end.ok) return end;
  if (bits.value.unusedBits !== 0) return fail('x509', `${what}: key bits are not whole bytes`);
  let curve: string | null = null;
  if (algorithm.value.oid === OID.ecPublicKey) {
    // RFC 5480 §2.1.1: parameters are a namedCurve OID (implicit and specified curves are not allowed).
    const params = algorithm.value.parameters;
    if (params === null) return fail('x509', `${what}: EC key without its curve`);
    const p = parseDer(params, `${what} curve`, a.value.depth + 1);
    if (!p.ok) return p;
    const c = readOid(p.value, `${what} curve`);
    if (!c.ok) return c;
    curve = oidName(c.value);
    const key = bits.value.bytes;
    if (key.length === 0 || (key[0] !== 0x04 && key[0] !== 0x02 && key[0] !== 0x03)) return fail('x509', `${what}: EC point is not in SEC 1 form`);
  }
  return ok({ algorithm: algorithm.value, curve, key: bits.value.bytes, der: tlv.raw });
}

function readVersion(r: DerReader): IdResult<number> {
  const v = r.optional(contextTag(0, true), 'version');
  if (!v.ok) return v;
  if (v.value === null) return ok(1);
  const inner = enter(v.value, 'version');
  if (!inner.ok) return inner;
  const i = inner.value.expect(TAG.INTEGER, 'version');
  if (!i.ok) return i;
  const n = readSmallInteger(i.value, 'version', 2);
  if (!n.ok) return n;
  const end = inner.value.end('version');
  if (!end.ok) return end;
  // DER: DEFAULT values are omitted, so an explicit v1 is not DER.
  if (n.value === 0) return fail('der', 'version: an explicit v1 is not DER (it is the default)');
  return ok(n.value + 1);
}

/** Read one DER certificate. */
export function parseCertificate(der: Uint8Array): IdResult<Certificate> {
  if (der.length > MAX_CERTIFICATE_BYTES) return fail('x509', `certificate larger than ${MAX_CERTIFICATE_BYTES} bytes`);
  const top = parseDer(der, 'certificate');
  if (!top.ok) return top;
  if (top.value.tag !== TAG.SEQUENCE) return fail('x509', 'certificate: expected a SEQUENCE');
  const cr = enter(top.value, 'certificate');
  if (!cr.ok) return cr;
  const tbsTlv = cr.value.expect(TAG.SEQUENCE, 'tbsCertificate');
  if (!tbsTlv.ok) return tbsTlv;
  const sa = cr.value.expect(TAG.SEQUENCE, 'signatureAlgorithm');
  if (!sa.ok) return sa;
  const signatureAlgorithm = readAlgorithm(sa.value, 'signatureAlgorithm');
  if (!signatureAlgorithm.ok) return signatureAlgorithm;
  const sv = cr.value.expect(TAG.BIT_STRING, 'signatureValue');
  if (!sv.ok) return sv;
  const sig = readBitString(sv.value, 'signatureValue');
  if (!sig.ok) return sig;
  if (sig.value.unusedBits !== 0) return fail('x509', 'signatureValue: not whole bytes');
  const end = cr.value.end('certificate');
  if (!end.ok) return end;

  const t = enter(tbsTlv.value, 'tbsCertificate');
  if (!t.ok) return t;
  const tr = t.value;
  const version = readVersion(tr);
  if (!version.ok) return version;
  const serialTlv = tr.expect(TAG.INTEGER, 'serialNumber');
  if (!serialTlv.ok) return serialTlv;
  const serial = readIntegerBytes(serialTlv.value, 'serialNumber');
  if (!serial.ok) return serial;
  // RFC 5280 §4.1.2.2: at most 20 octets (a leading 0x00 for the sign is tolerated).
  if (serial.value.length > 21) return fail('x509', `serialNumber: ${serial.value.length} bytes, at most 20 allowed`);
  const tsa = tr.expect(TAG.SEQUENCE, 'signature');
  if (!tsa.ok) return tsa;
  const tbsSignatureAlgorithm = readAlgorithm(tsa.value, 'signature');
  if (!tbsSignatureAlgorithm.ok) return tbsSignatureAlgorithm;
  // §4.1.1.2: the outer and inner algorithm identifiers MUST be the same.
  if (!bytesEqual(tsa.value.raw, sa.value.raw)) return fail('x509', 'signatureAlgorithm differs from the tbsCertificate signature field');
  const issuerTlv = tr.expect(TAG.SEQUENCE, 'issuer');
  if (!issuerTlv.ok) return issuerTlv;
  const issuer = readName(issuerTlv.value, 'issuer');
  if (!issuer.ok) return issuer;
  const validity = readValidity(tr);
  if (!validity.ok) return validity;
  const subjectTlv = tr.expect(TAG.SEQUENCE, 'subject');
  if (!subjectTlv.ok) return subjectTlv;
  const subject = readName(subjectTlv.value, 'subject');
  if (!subject.ok) return subject;
  const spki = tr.expect(TAG.SEQUENCE, 'subjectPublicKeyInfo');
  if (!spki.ok) return spki;
  const publicKey = readPublicKey(spki.value);
  if (!publicKey.ok) return publicKey;
  for (const n of [1, 2]) {
    const uid = tr.optional(contextTag(n, false), n === 1 ? 'issuerUniqueID' : 'subjectUniqueID');
    if (!uid.ok) return uid;
    if (uid.value !== null && version.value < 2) return fail('x509', 'unique identifiers need version 2 or 3');
  }
  let extensions = emptyExtensions();
  const extTlv = tr.optional(contextTag(3, true), 'extensions');
  if (!extTlv.ok) return extTlv;
  if (extTlv.value !== null) {
    if (version.value !== 3) return fail('x509', 'extensions need version 3');
    const inner = enter(extTlv.value, 'extensions');
    if (!inner.ok) return inner;
    const seq = inner.value.next('extensions');
    if (!seq.ok) return seq;
    const iend = inner.value.end('extensions');
    if (!iend.ok) return iend;
    const e = readExtensions(seq.value);
    if (!e.ok) return within('extensions', e);
    extensions = e.value;
  }
  const tend = tr.end('tbsCertificate');
  if (!tend.ok) return tend;
  return ok({
    version: version.value,
    serial: hex(serial.value),
    tbsSignatureAlgorithm: tbsSignatureAlgorithm.value,
    issuer: issuer.value,
    subject: subject.value,
    notBeforeMs: validity.value.notBeforeMs,
    notAfterMs: validity.value.notAfterMs,
    publicKey: publicKey.value,
    extensions,
    signatureAlgorithm: signatureAlgorithm.value,
    signature: sig.value.bytes,
    tbs: tbsTlv.value.raw,
    der: top.value.raw,
  });
}

function readValidity(tr: DerReader): IdResult<{ notBeforeMs: number; notAfterMs: number }> {
  const v = tr.expect(TAG.SEQUENCE, 'validity');
  if (!v.ok) return v;
  const r = enter(v.value, 'validity');
  if (!r.ok) return r;
  const nb = r.value.next('notBefore');
  if (!nb.ok) return nb;
  const notBefore = readTime(nb.value, 'notBefore');
  if (!notBefore.ok) return notBefore;
  const na = r.value.next('notAfter');
  if (!na.ok) return na;
  const notAfter = readTime(na.value, 'notAfter');
  if (!notAfter.ok) return notAfter;
  const end = r.value.end('validity');
  if (!end.ok) return end;
  return ok({ notBeforeMs: notBefore.value, notAfterMs: notAfter.value });
}

/** Every certificate in a concatenation of DER certificates (the Workload API's bundle form). */
export function parseCertificates(der: Uint8Array, maxCount = 64): IdResult<Certificate[]> {
  const r = new DerReader(der, 0);
  const out: Certificate[] = [];
  while (!r.atEnd()) {
    if (out.length >= maxCount) return fail('x509', `more than ${maxCount} certificates`);
    const t = r.next(`certificate ${out.length + 1}`);
    if (!t.ok) return t;
    const c = parseCertificate(t.value.raw);
    if (!c.ok) return within(`certificate ${out.length + 1}`, c);
    out.push(c.value);
  }
  if (out.length === 0) return fail('x509', 'no certificate');
  return ok(out);
}

