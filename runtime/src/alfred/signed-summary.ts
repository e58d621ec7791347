/**
 * Signed node summaries. A node with a workload SVID signs its alfred summary with the
 * SVID's P-256 key, so that `status --mesh` can tell a summary a mesh member wrote
 * from one anybody in radio range could have pushed into alfred.
 *
 * Wire form: the summary's msgpack map, plus
 *   mac: "aa:bb:cc:dd:ee:ff"   the alfred source it is meant to arrive from (bat0's MAC)
 *   sig: [[leaf DER, ...], ECDSA-P256-SHA256 signature DER]
 * The signature covers SIGNING_CONTEXT followed by the msgpack encoding of the map
 * WITHOUT `sig`, keys in the order sent. Receivers re-encode what they decoded (minus
 * `sig`) and verify that: msgpackr's encoding is a function of the value, so a valid
 * signature means the signer produced exactly these fields. Older agents read the
 * summary fields and ignore `mac` and `sig`.
 *
 * Bounds: at most SIGNED_CHAIN_MAX certificates of at most SIGNED_CERT_MAX bytes, a
 * signature of at most 80 bytes, the whole summary at most SIGNED_SUMMARY_MAX_BYTES (a
 * SPIRE leaf is ~600 bytes: a signed summary is ~1.5 KB, one UDP datagram between
 * alfred servers even with a full heard list). Decoding is total: errors are values.
 */
import { pack, unpack } from 'msgpackr';
import type { HostCrypto } from '../host/types.js';
import type { IdMatcher } from '../identity/policy.js';
import type { TrustBundles } from '../identity/chain.js';
import { OID } from '../identity/der-oid.js';
import { describeRefusal, verifyPeerChain } from '../peer/verify.js';
import type { Decoded } from './packets.js';
import { SUMMARY_WIRE_MAX_BYTES } from './summary.js';

export const SIGNING_CONTEXT = 'x0tta6bl4 node summary v1\0';
export const SIGNED_SUMMARY_MAX_BYTES = SUMMARY_WIRE_MAX_BYTES;
export const SIGNED_CHAIN_MAX = 3;
export const SIGNED_CERT_MAX = 2048;
const SIGNATURE_MAX = 80;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export interface SummarySigner {
  /** Workload SVID, DER, leaf first (only the leaf and intermediates, never the root). */
  chain: readonly Uint8Array[];
  /** SEC1 DER of the leaf's key. */
  privateKey: Uint8Array;
  crypto: Pick<HostCrypto, 'sign'>;
}

function message(rest: Record<string, unknown>): Uint8Array {
  const body = pack(rest) as Uint8Array;
  const ctx = new TextEncoder().encode(SIGNING_CONTEXT);
  const out = new Uint8Array(ctx.length + body.length);
  out.set(ctx);
  out.set(body, ctx.length);
  return out;
}

function asBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** Sign an encoded (unsigned) summary for alfred source `mac`. */
export function signSummary(encoded: Uint8Array, mac: string, signer: SummarySigner): Decoded<Uint8Array> {
  if (!MAC.test(mac)) return { ok: false, error: `signing: '${mac}' is not a MAC address` };
  if (signer.chain.length === 0 || signer.chain.length > SIGNED_CHAIN_MAX || signer.chain.some((c) => c.length > SIGNED_CERT_MAX)) {
    return { ok: false, error: `signing: the SVID chain must be 1..${SIGNED_CHAIN_MAX} certificates of at most ${SIGNED_CERT_MAX} bytes` };
  }
  let map: unknown;
  try {
    map = unpack(encoded);
  } catch (e) {
    return { ok: false, error: `signing: not msgpack: ${(e as Error).message}` };
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return { ok: false, error: 'signing: the summary is not a map' };
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(map)) if (k !== 'sig' && k !== 'mac') rest[k] = v;
  rest.mac = mac;
  let signature: Uint8Array;
  try {
    signature = signer.crypto.sign(signer.privateKey, message(rest));
  } catch (e) {
    return { ok: false, error: `signing: ${(e as Error).message}` };
  }
  const out = asBytes(pack({ ...rest, sig: [signer.chain.map((c) => asBytes(c)), signature] }) as Uint8Array);
  if (out.length > SIGNED_SUMMARY_MAX_BYTES) return { ok: false, error: `signed summary is ${out.length} bytes (limit ${SIGNED_SUMMARY_MAX_BYTES})` };
  return { ok: true, value: out };
}

/** What a receiver can say about a summary's origin. */
export type SummaryTrust =
  | { state: 'verified'; id: string }
  | { state: 'unsigned' }
  /** Signed, but this node cannot check it (no identity of its own, or no crypto). */
  | { state: 'unverified'; reason: string }
  | { state: 'invalid'; reason: string };

export interface SummaryVerifier {
  bundles: TrustBundles;
  allow: readonly IdMatcher[];
  crypto: Pick<HostCrypto, 'verify'>;
  nowMs: number;
}

interface Envelope {
  rest: Record<string, unknown>;
  chain: Uint8Array[];
  signature: Uint8Array;
  mac: string;
}

const isBytes = (x: unknown): x is Uint8Array => x instanceof Uint8Array;

/** The signature part of a decoded summary map: null = unsigned; an error string = malformed. */
export function readEnvelope(map: Record<string, unknown>): Envelope | null | string {
  if (!('sig' in map)) return null;
  const sig = map.sig;
  if (!Array.isArray(sig) || sig.length !== 2) return 'sig is not [chain, signature]';
  const [chain, signature] = sig as [unknown, unknown];
  if (!Array.isArray(chain) || chain.length === 0 || chain.length > SIGNED_CHAIN_MAX) return `sig chain is not 1..${SIGNED_CHAIN_MAX} certificates`;
  if (!chain.every((c) => isBytes(c) && c.length > 0 && c.length <= SIGNED_CERT_MAX)) return `sig chain holds something other than certificates of at most ${SIGNED_CERT_MAX} bytes`;
  if (!isBytes(signature) || signature.length === 0 || signature.length > SIGNATURE_MAX) return 'sig signature is not 1..80 bytes';
  const mac = map.mac;
  if (typeof mac !== 'string' || !MAC.test(mac)) return 'signed summary without a valid mac';
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(map)) if (k !== 'sig') rest[k] = v;
  return { rest, chain: (chain as Uint8Array[]).map(asBytes), signature: asBytes(signature), mac };
}

/**
 * Who signed this summary (bytes as alfred delivered them from `source`)? The chain is
 * judged like a peer-channel peer (X.509-SVID of an allowed SPIFFE ID under our
 * bundle), then the signature by its leaf key, then the source it was signed for.
 */
export async function verifySummary(bytes: Uint8Array, source: string, v: SummaryVerifier | null): Promise<SummaryTrust> {
  if (bytes.length > SIGNED_SUMMARY_MAX_BYTES) return { state: 'invalid', reason: `${bytes.length} bytes, more than ${SIGNED_SUMMARY_MAX_BYTES}` };
  let map: unknown;
  try {
    map = unpack(bytes);
  } catch (e) {
    return { state: 'invalid', reason: `not msgpack: ${(e as Error).message}` };
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return { state: 'invalid', reason: 'not a map' };
  const env = readEnvelope(map as Record<string, unknown>);
  if (env === null) return { state: 'unsigned' };
  if (typeof env === 'string') return { state: 'invalid', reason: env };
  if (v === null) return { state: 'unverified', reason: 'this node has no identity (no trust bundle) to check signatures with' };
  const peer = await verifyPeerChain(env.chain, { bundles: v.bundles, crypto: v.crypto, nowMs: v.nowMs, allow: v.allow });
  if (!peer.ok) return { state: 'invalid', reason: describeRefusal(peer) };
  const key = peer.leaf.publicKey;
  if (key.algorithm.oid !== OID.ecPublicKey) return { state: 'invalid', reason: `${peer.id.id}: the SVID key is not an EC key` };
  let good = false;
  try {
    good = v.crypto.verify(key.der, 'sha256', message(env.rest), env.signature);
  } catch {
    good = false;
  }
  if (!good) return { state: 'invalid', reason: `${peer.id.id}: the signature does not verify (altered, or not made with this SVID's key)` };
  if (env.mac !== source.toLowerCase()) return { state: 'invalid', reason: `${peer.id.id} signed it for source ${env.mac}, it came from ${source}` };
  return { state: 'verified', id: peer.id.id };
}
