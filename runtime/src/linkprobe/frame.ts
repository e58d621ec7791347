/**
 * The link probe frame: a small broadcast every `link_probe_interval_ms` on each hard
 * interface of the mesh, so that each neighbour's agent can count which of them it
 * received (docs/healing.md, "Link probes").
 *
 * Why our own frames: batman-adv's own view of a link reacts slowly by design (IV's TQ
 * is a 64-OGM window: a link whose loss toggles every few seconds takes about a minute to
 * show it), and it exposes no per-neighbour packet counts. Broadcast, like batman-adv's
 * OGMs and ELP, because unicast on Wi-Fi is retried by the MAC and hides the loss that
 * broadcasts (and batman-adv) see.
 *
 * Ethertype 0x88B5 is IEEE 802's "local experimental" ethertype; batman-adv takes only
 * its own (0x4305) from the interface, so other frames reach a packet socket.
 *
 * Payload, 16 or 20 bytes, big-endian:
 *   0  'x' '0' 'p' (magic)   3  version (1)
 *   4  interval ms (u16)     6  flags (u16): bit 0 = bytes 16-19 hold the send time
 *   8  session (u32): random per sender start, so a restart is not taken for loss
 *  12  seq (u32), +1 per probe, wrapping
 *  16  send time (u32, with flag bit 0): the sender's monotonic clock in ms, wrapping
 * The send time came later (2026-11-29) without a new version: agents from before read
 * the first 16 bytes and ignore the rest (they never looked at the flags), and a frame
 * without the flag, padded with zeros by Ethernet, has no send time.
 */
export const PROBE_ETHERTYPE = 0x88b5;
export const PROBE_VERSION = 1;
export const PROBE_FRAME_BYTES = 16;
export const PROBE_TIMED_FRAME_BYTES = 20;
/** Flag: the frame carries its send time. */
export const PROBE_FLAG_SENT_TIME = 1;
export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

export interface ProbeFrame {
  intervalMs: number;
  session: number;
  seq: number;
  /** The sender's monotonic ms (u32, wrapping) when it sent the probe; absent in frames without it. */
  sentMs?: number;
}

export type FrameResult = { ok: true; value: ProbeFrame } | { ok: false; error: string };

export function encodeProbe(f: ProbeFrame): Uint8Array {
  const timed = f.sentMs !== undefined;
  const b = new Uint8Array(timed ? PROBE_TIMED_FRAME_BYTES : PROBE_FRAME_BYTES);
  const v = new DataView(b.buffer);
  b[0] = 0x78;
  b[1] = 0x30;
  b[2] = 0x70;
  b[3] = PROBE_VERSION;
  v.setUint16(4, Math.min(0xffff, Math.max(0, Math.round(f.intervalMs))));
  v.setUint16(6, timed ? PROBE_FLAG_SENT_TIME : 0);
  v.setUint32(8, f.session >>> 0);
  v.setUint32(12, f.seq >>> 0);
  if (timed) v.setUint32(16, sentTimeU32(f.sentMs as number));
  return b;
}

/** A monotonic time in ms as the frame's u32 send time (whole ms, modulo 2^32). */
export function sentTimeU32(monoMs: number): number {
  return Number.isFinite(monoMs) ? Math.floor(monoMs) % 0x1_0000_0000 >>> 0 : 0;
}

/**
 * Ethernet pads short frames to 46 bytes of payload, so anything from 16 bytes up is
 * accepted and the padding ignored.
 */
export function decodeProbe(b: Uint8Array): FrameResult {
  if (b.length < PROBE_FRAME_BYTES) return { ok: false, error: `probe frame too short: ${b.length} bytes, need ${PROBE_FRAME_BYTES}` };
  if (b[0] !== 0x78 || b[1] !== 0x30 || b[2] !== 0x70) return { ok: false, error: 'not a probe frame (magic)' };
  if (b[3] !== PROBE_VERSION) return { ok: false, error: `probe frame version ${b[3]} not supported (${PROBE_VERSION})` };
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const intervalMs = v.getUint16(4);
  if (intervalMs < 10) return { ok: false, error: `probe interval ${intervalMs} ms out of range (10..65535)` };
  const value: ProbeFrame = { intervalMs, session: v.getUint32(8), seq: v.getUint32(12) };
  if ((v.getUint16(6) & PROBE_FLAG_SENT_TIME) !== 0) {
    if (b.length < PROBE_TIMED_FRAME_BYTES) return { ok: false, error: `probe frame says it carries its send time but has ${b.length} bytes, need ${PROBE_TIMED_FRAME_BYTES}` };
    value.sentMs = v.getUint32(16);
  }
  return { ok: true, value };
}
