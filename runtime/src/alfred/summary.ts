/**
 * The compact node summary every agent shares through alfred: health, open
 * incidents, versions, a few counters. msgpack-encoded, a few hundred bytes, one
 * dataset per node (alfred keys data by source MAC and type).
 */
import { pack, unpack } from 'msgpackr';
import type { Decoded } from './packets.js';

export const SUMMARY_VERSION = 1;
export const SUMMARY_MAX_BYTES = 1024;
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
}

export function encodeSummary(s: NodeSummary): Decoded<Uint8Array> {
  const bytes = pack({ ...s, kinds: s.kinds.slice(0, MAX_KINDS) }) as Uint8Array;
  if (bytes.length > SUMMARY_MAX_BYTES) return { ok: false, error: `node summary is ${bytes.length} bytes (limit ${SUMMARY_MAX_BYTES})` };
  return { ok: true, value: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) };
}

const str = (x: unknown): x is string => typeof x === 'string' && x.length <= 256;
const strOrNull = (x: unknown): x is string | null => x === null || str(x);
const count = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < 1e9;
const seconds = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff;

export function decodeSummary(bytes: Uint8Array): Decoded<NodeSummary> {
  if (bytes.length > SUMMARY_MAX_BYTES) return { ok: false, error: `summary of ${bytes.length} bytes is too large` };
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
  return {
    ok: true,
    value: {
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
