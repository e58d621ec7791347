/**
 * PEM (RFC 7468): "-----BEGIN LABEL-----", base64, "-----END LABEL-----". Text outside
 * the blocks is ignored, as RFC 7468 §2 allows; headers (RFC 1421 "Proc-Type:") are not
 * accepted. Bounded: at most `maxBlocks` blocks of at most `maxBytes` each.
 */
import { base64Decode } from './base64.js';
import { fail, type IdResult, ok } from './result.js';

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

export interface PemLimits {
  maxBlocks?: number;
  maxBytes?: number;
}

const BEGIN = /-----BEGIN ([A-Z0-9 ]{1,64})-----/g;

/** Every PEM block in `text`, in order. */
export function decodePem(text: string, limits: PemLimits = {}): IdResult<PemBlock[]> {
  const maxBlocks = limits.maxBlocks ?? 64;
  const maxBytes = limits.maxBytes ?? 64 * 1024;
  const out: PemBlock[] = [];
  BEGIN.lastIndex = 0;
  for (;;) {
    const m = BEGIN.exec(text);
    if (m === null) break;
    const label = m[1] as string;
    const endMarker = `-----END ${label}-----`;
    const bodyStart = m.index + m[0].length;
    const end = text.indexOf(endMarker, bodyStart);
    if (end < 0) return fail('pem', `PEM block ${out.length + 1} (${label}) has no END line`);
    if (out.length >= maxBlocks) return fail('pem', `more than ${maxBlocks} PEM blocks`);
    const body = text.slice(bodyStart, end);
    if (body.includes(':')) return fail('pem', `PEM block ${out.length + 1} (${label}) has headers, which are not supported`);
    const der = base64Decode(body, maxBytes);
    if (!der.ok) return fail('pem', `PEM block ${out.length + 1} (${label}): ${der.error.message}`);
    if (der.value.length === 0) return fail('pem', `PEM block ${out.length + 1} (${label}) is empty`);
    out.push({ label, der: der.value });
    BEGIN.lastIndex = end + endMarker.length;
  }
  return ok(out);
}

/** The DER of every CERTIFICATE block; an error when there is none or another label. */
export function decodePemCertificates(text: string, limits: PemLimits = {}): IdResult<Uint8Array[]> {
  const blocks = decodePem(text, limits);
  if (!blocks.ok) return blocks;
  if (blocks.value.length === 0) return fail('pem', 'no PEM block found');
  const out: Uint8Array[] = [];
  for (const b of blocks.value) {
    if (b.label !== 'CERTIFICATE') return fail('pem', `expected CERTIFICATE blocks, found ${b.label}`);
    out.push(b.der);
  }
  return ok(out);
}
