/**
 * The compact node summary every agent shares through alfred: health, open
 * incidents, versions, a few counters. msgpack-encoded, a few hundred bytes, one
 * dataset per node (alfred keys data by source MAC and type).
 */
import { pack, unpack } from 'msgpackr';
import type { Decoded } from './packets.js';

export const SUMMARY_VERSION = 1;
export const SUMMARY_MAX_BYTES = 2048;
/** A summary as received: the fields (at most SUMMARY_MAX_BYTES when made) plus, when signed, the signer's SVID and signature (signed-summary.ts). */
export const SUMMARY_WIRE_MAX_BYTES = 4096;
const MAX_KINDS = 8;

export type Health = 'ok' | 'degraded' | 'critical';

export interface NodeSummary {
  v: number;
  /** Host name (or mesh address when unknown). */
  name: string;
  agent: string;
  batman: string | null;
  algo: string | null;
  mode: string;
  health: Health;
  /** Open incidents, and their kinds (at most 8). */
  open: number;
  kinds: string[];
  neighbors: number;
  originators: number;
  gw: string | null;
  /** Changes made in the last 10 minutes. */
  actions: number;
  /** Wall clock, seconds since the epoch, when the summary was made. */
  t: number;
  /** The same in ms (older agents send only `t`). */
  ms?: number;
  /**
   * The neighbours this node heard lately: [their interface MAC as 12 hex digits, ms since
   * batman-adv last heard it]. A node whose interface hears nothing learns from this
   * whether the others still hear it (a deaf radio) or not (a dead link).
   */
  heard?: HeardEntry[];
  /**
   * This node's own hard-interface MACs (12 hex digits, at most IFS_MAX): what the
   * others' heard lists name it by, so a viewer can draw who hears whom.
   */
  ifs?: string[];
}

export type HeardEntry = [mac: string, ageMs: number];
/** At most this many heard neighbours per summary (~13 bytes each). */
export const HEARD_MAX = 48;
/** At most this many own interfaces per summary. */
export const IFS_MAX = 16;

export function encodeSummary(s: NodeSummary): Decoded<Uint8Array> {
  const bytes = pack({ ...s, kinds: s.kinds.slice(0, MAX_KINDS), ...(s.heard && { heard: s.heard.slice(0, HEARD_MAX) }), ...(s.ifs && { ifs: s.ifs.slice(0, IFS_MAX) }) }) as Uint8Array;
  if (bytes.length > SUMMARY_MAX_BYTES) return { ok: false, error: `node summary is ${bytes.length} bytes (limit ${SUMMARY_MAX_BYTES})` };
  return { ok: true, value: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) };
}

const str = (x: unknown): x is string => typeof x === 'string' && x.length <= 256;
const strOrNull = (x: unknown): x is string | null => x === null || str(x);
const count = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < 1e9;
const seconds = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff;

const MAC_HEX = /^[0-9a-f]{12}$/;

/** The heard list, or [] when absent (older agents), or null when malformed. */
function decodeHeard(x: unknown): HeardEntry[] | null {
  if (x === undefined) return [];
  if (!Array.isArray(x) || x.length > HEARD_MAX) return null;
  const out: HeardEntry[] = [];
  for (const e of x) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !MAC_HEX.test(e[0]) || !count(e[1])) return null;
    out.push([e[0], e[1]]);
  }
  return out;
}

/** The own-interface list, or [] when absent (older agents), or null when malformed. */
function decodeIfs(x: unknown): string[] | null {
  if (x === undefined) return [];
  if (!Array.isArray(x) || x.length > IFS_MAX) return null;
  return x.every((m) => typeof m === 'string' && MAC_HEX.test(m)) ? (x as string[]) : null;
}

/** "02:00:00:00:00:0a" → "02000000000a" (the form in the heard list). */
export function macHex(mac: string): string {
  return mac.replaceAll(':', '').toLowerCase();
}

export function decodeSummary(bytes: Uint8Array): Decoded<NodeSummary> {
  if (bytes.length > SUMMARY_WIRE_MAX_BYTES) return { ok: false, error: `summary of ${bytes.length} bytes is too large` };
  let x: unknown;
  try {
    x = unpack(bytes);
  } catch (e) {
    return { ok: false, error: `not msgpack: ${(e as Error).message}` };
  }
  if (typeof x !== 'object' || x === null) return { ok: false, error: 'summary is not a map' };
  const s = x as Record<string, unknown>;
  if (s.v !== SUMMARY_VERSION) return { ok: false, error: `summary version ${String(s.v)} (this agent reads ${SUMMARY_VERSION})` };
  const kinds = Array.isArray(s.kinds) ? s.kinds.filter(str).slice(0, MAX_KINDS) : null;
  const health = s.health === 'ok' || s.health === 'degraded' || s.health === 'critical' ? s.health : null;
  if (!str(s.name) || !str(s.agent) || !strOrNull(s.batman) || !strOrNull(s.algo) || !str(s.mode) || health === null || kinds === null) {
    return { ok: false, error: 'summary has missing or invalid fields' };
  }
  if (!count(s.open) || !count(s.neighbors) || !count(s.originators) || !strOrNull(s.gw) || !count(s.actions) || !seconds(s.t)) {
    return { ok: false, error: 'summary has missing or invalid counters' };
  }
  const heard = decodeHeard(s.heard);
  if (heard === null) return { ok: false, error: 'summary has an invalid heard list' };
  const ifs = decodeIfs(s.ifs);
  if (ifs === null) return { ok: false, error: 'summary has an invalid interface list' };
  if (s.ms !== undefined && !(typeof s.ms === 'number' && Number.isSafeInteger(s.ms) && s.ms >= 0)) return { ok: false, error: 'summary has an invalid ms' };
  return {
    ok: true,
    value: {
      ...(s.ms !== undefined && { ms: s.ms as number }),
      ...(heard.length > 0 && { heard }),
      ...(ifs.length > 0 && { ifs }),
      v: SUMMARY_VERSION,
      name: s.name,
      agent: s.agent,
      batman: s.batman,
      algo: s.algo,
      mode: s.mode,
      health,
      open: s.open,
      kinds,
      neighbors: s.neighbors,
      originators: s.originators,
      gw: s.gw,
      actions: s.actions,
      t: s.t,
    },
  };
}
