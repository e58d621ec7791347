/**
 * The model file (x0tta6bl4.model), versions 1 to 4. Little-endian, byte-packed:
 *
 *   header (16 bytes)
 *     0  4  magic "X0TM"
 *     4  u16 format version (1; 2 when a network trims its error; 3 when a target has
 *        an ensemble of networks; 4 when a hidden layer's activations are int16)
 *     6  u16 flags (0; anything else is rejected)
 *     8  u32 body length in bytes
 *     12 u32 CRC-32 (IEEE 802.3) of the body
 *   body
 *     u8 label length (0..64), then that many printable ASCII bytes
 *     u8 network count (1..MAX_NETWORKS; versions 1 and 2: at most one per target;
 *       versions 3 and 4: up to MAX_ENSEMBLE per target, an ensemble, below)
 *     per network:
 *       u8 target (1 link, 2 node), u16 feature-set version, u8 input dimension,
 *       f32 input scale, i8 input zero point,
 *       u32 threshold, u32 quantile (ppm), u16 margin (‰),
 *       versions 2 to 4: u8 error trim (0..3: the error leaves out that many of its
 *       largest per-feature terms, error.ts; version 1 means 0),
 *       u8 layer count
 *       per layer:
 *         u8 output dimension, u8 activation (0 none, 1 relu),
 *         version 4: u8 output bits (8, or 16 for a hidden layer), f32 output scale,
 *         i16 output zero point; versions 1 to 3: f32 output scale, i8 output zero point
 *         (an int8 output),
 *         i8 × out·in weights (row o = output channel o), f32 × out weight scales,
 *         i32 × out biases, i32 × out multipliers m0, u8 × out shifts
 *
 * A model without a trim is written as version 1, byte for byte what agents before
 * version 2 read; one with a trim as version 2, which those agents refuse by its
 * version instead of misjudging its threshold; one with an ensemble as version 3; one
 * with int16 hidden activations as version 4, which agents before it refuse by its
 * version (they would read the zero points wrongly).
 *
 * Ensemble (version 3): several networks of one target are members of one detector,
 * trained alike from different seeds; the target's error is the mean of their errors
 * (scorer.ts). They take the same input, so they must agree on the feature set, the
 * input dimension, scale and zero point, the error trim, and the one threshold (with
 * its quantile and margin) that judges the mean; the file stores these per network
 * and the decoder rejects members that differ. The first is the target's head.
 *
 * The body must end exactly after the last network. decodeModel() is bounded (it
 * rejects a file above MAX_MODEL_BYTES before reading it, reads nothing outside the
 * buffer) and total (every malformed file is an error value naming what is wrong
 * and where); a decoded network has passed validateNetwork(), so the integer
 * inference can run it without further checks.
 */
import { crc32 } from '../knowledge/crc32.js';
import { type Activation, MAX_DIM, MAX_LAYERS, type QuantLayer, type QuantNetwork, type Target, validateNetwork } from './network.js';

export const MODEL_MAGIC = 'X0TM';
/** The newest format version this agent reads and writes (it reads every version from 1). */
export const MODEL_FORMAT_VERSION = 4;
export const HEADER_BYTES = 16;
export const MAX_MODEL_BYTES = 64 * 1024;
export const MAX_LABEL = 64;
/** Networks in one file, and members of one target's ensemble (versions 3 and 4). */
export const MAX_NETWORKS = 8;
export const MAX_ENSEMBLE = 4;

export interface Model {
  label: string;
  networks: QuantNetwork[];
}

export type ModelResult<T> = { ok: true; value: T } | { ok: false; error: string };

const TARGET_CODES: Record<Target, number> = { link: 1, node: 2 };
const ACTIVATION_CODES: Record<Activation, number> = { none: 0, relu: 1 };

function checkModel(m: Model): string | null {
  if (m.label.length > MAX_LABEL || !/^[\x20-\x7e]*$/.test(m.label)) return `label must be at most ${MAX_LABEL} printable ASCII characters`;
  if (m.networks.length < 1 || m.networks.length > MAX_NETWORKS) return `${m.networks.length} networks, not 1..${MAX_NETWORKS}`;
  for (const n of m.networks) {
    const bad = validateNetwork(n);
    if (bad) return `${n.target} network: ${bad}`;
  }
  return checkEnsembles(m.networks, MAX_ENSEMBLE);
}

/** What the members of one target's ensemble must share (see the file comment). */
const SHARED: readonly (keyof QuantNetwork)[] = ['featureVersion', 'inputDim', 'inputScale', 'inputZeroPoint', 'threshold', 'quantilePpm', 'marginPermille', 'errorTrim'];

/** null when every target has 1..`most` networks that agree on what they share, else what is wrong. */
function checkEnsembles(networks: readonly QuantNetwork[], most: number): string | null {
  for (const target of ['link', 'node'] as const) {
    const members = ensembleOf(networks, target);
    if (members.length > most) return most === 1 ? `two ${target} networks` : `${members.length} ${target} networks, at most ${most}`;
    const head = members[0];
    for (let i = 1; i < members.length; i++) {
      const n = members[i] as QuantNetwork;
      for (const k of SHARED) if ((n[k] ?? 0) !== ((head as QuantNetwork)[k] ?? 0)) return `${target} network ${i} differs from the first in ${k} (an ensemble's members must share it)`;
    }
  }
  return null;
}

/** The networks of one target, in file order: one network, or an ensemble whose first is the head. */
export function ensembleOf(networks: readonly QuantNetwork[], target: Target): QuantNetwork[] {
  return networks.filter((n) => n.target === target);
}

/** The oldest format that can hold the model: 4 with int16 activations, 3 with an ensemble, 2 when a network trims its error, else 1. */
function formatVersionFor(m: Model): number {
  if (m.networks.some((n) => n.layers.some((l) => (l.outputBits ?? 8) !== 8))) return 4;
  if (ensembleOf(m.networks, 'link').length > 1 || ensembleOf(m.networks, 'node').length > 1) return 3;
  return m.networks.some((n) => (n.errorTrim ?? 0) > 0) ? 2 : 1;
}

function networkBytes(n: QuantNetwork, version: number): number {
  let b = 1 + 2 + 1 + 4 + 1 + 4 + 4 + 2 + 1 + (version >= 2 ? 1 : 0);
  for (const l of n.layers) b += 1 + 1 + (version >= 4 ? 1 + 4 + 2 : 4 + 1) + l.outDim * l.inDim + l.outDim * (4 + 4 + 4 + 1);
  return b;
}

/** The file's bytes, or why the model cannot be written. */
export function encodeModel(m: Model): ModelResult<Uint8Array> {
  const bad = checkModel(m);
  if (bad) return { ok: false, error: bad };
  const version = formatVersionFor(m);
  let bodyLen = 1 + m.label.length + 1;
  for (const n of m.networks) bodyLen += networkBytes(n, version);
  const out = new Uint8Array(HEADER_BYTES + bodyLen);
  const dv = new DataView(out.buffer);
  let p = HEADER_BYTES;
  const u8 = (v: number) => dv.setUint8(p++, v);
  const i8 = (v: number) => dv.setInt8(p++, v);
  const u16 = (v: number) => {
    dv.setUint16(p, v, true);
    p += 2;
  };
  const i16 = (v: number) => {
    dv.setInt16(p, v, true);
    p += 2;
  };
  const u32 = (v: number) => {
    dv.setUint32(p, v, true);
    p += 4;
  };
  const i32 = (v: number) => {
    dv.setInt32(p, v, true);
    p += 4;
  };
  const f32 = (v: number) => {
    dv.setFloat32(p, v, true);
    p += 4;
  };
  u8(m.label.length);
  for (let i = 0; i < m.label.length; i++) u8(m.label.charCodeAt(i));
  u8(m.networks.length);
  for (const n of m.networks) {
    u8(TARGET_CODES[n.target]);
    u16(n.featureVersion);
    u8(n.inputDim);
    f32(n.inputScale);
    i8(n.inputZeroPoint);
    u32(n.threshold);
    u32(n.quantilePpm);
    u16(n.marginPermille);
    if (version >= 2) u8(n.errorTrim ?? 0);
    u8(n.layers.length);
    for (const l of n.layers) {
      u8(l.outDim);
      u8(ACTIVATION_CODES[l.activation]);
      if (version >= 4) {
        u8(l.outputBits ?? 8);
        f32(l.outputScale);
        i16(l.outputZeroPoint);
      } else {
        f32(l.outputScale);
        i8(l.outputZeroPoint);
      }
      for (const w of l.weights) i8(w);
      for (const s of l.weightScales) f32(s);
      for (const b of l.bias) i32(b);
      for (const v of l.m0) i32(v);
      for (const s of l.shift) u8(s);
    }
  }
  for (let i = 0; i < 4; i++) dv.setUint8(i, MODEL_MAGIC.charCodeAt(i));
  dv.setUint16(4, version, true);
  dv.setUint16(6, 0, true);
  dv.setUint32(8, bodyLen, true);
  dv.setUint32(12, crc32(out.subarray(HEADER_BYTES)), true);
  return { ok: true, value: out };
}

/** A bounds-checked cursor: every read past the end sets `short` and returns 0. */
class Cursor {
  pos = 0;
  short = false;
  private readonly dv: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private take(n: number): number {
    if (this.short || this.pos + n > this.bytes.length) {
      this.short = true;
      return -1;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    const at = this.take(1);
    return at < 0 ? 0 : this.dv.getUint8(at);
  }
  i8(): number {
    const at = this.take(1);
    return at < 0 ? 0 : this.dv.getInt8(at);
  }
  u16(): number {
    const at = this.take(2);
    return at < 0 ? 0 : this.dv.getUint16(at, true);
  }
  i16(): number {
    const at = this.take(2);
    return at < 0 ? 0 : this.dv.getInt16(at, true);
  }
  u32(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.dv.getUint32(at, true);
  }
  i32(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.dv.getInt32(at, true);
  }
  f32(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.dv.getFloat32(at, true);
  }
  /** A copy of the next n bytes, or null when there are fewer. */
  bytesOf(n: number): Uint8Array | null {
    const at = this.take(n);
    return at < 0 ? null : this.bytes.slice(at, at + n);
  }
}

function fail<T>(error: string): ModelResult<T> {
  return { ok: false, error: `model file: ${error}` };
}

function readNetwork(c: Cursor, index: number, version: number): ModelResult<QuantNetwork> {
  const at = `network ${index}`;
  const start = c.pos;
  const targetCode = c.u8();
  const featureVersion = c.u16();
  const inputDim = c.u8();
  const inputScale = c.f32();
  const inputZeroPoint = c.i8();
  const threshold = c.u32();
  const quantilePpm = c.u32();
  const marginPermille = c.u16();
  const errorTrim = version >= 2 ? c.u8() : 0;
  const layerCount = c.u8();
  if (c.short) return fail(`${at} (byte ${HEADER_BYTES + start}): truncated header`);
  const target: Target | null = targetCode === 1 ? 'link' : targetCode === 2 ? 'node' : null;
  if (target === null) return fail(`${at}: unknown target code ${targetCode}`);
  if (inputDim < 1 || inputDim > MAX_DIM) return fail(`${at}: input dimension ${inputDim} not in 1..${MAX_DIM}`);
  if (layerCount < 1 || layerCount > MAX_LAYERS) return fail(`${at}: ${layerCount} layers, not 1..${MAX_LAYERS}`);
  const layers: QuantLayer[] = [];
  let inDim = inputDim;
  for (let l = 0; l < layerCount; l++) {
    const where = `${at} layer ${l} (byte ${HEADER_BYTES + c.pos})`;
    const outDim = c.u8();
    const actCode = c.u8();
    const outputBits = version >= 4 ? c.u8() : 8;
    const outputScale = c.f32();
    const outputZeroPoint = version >= 4 ? c.i16() : c.i8();
    if (c.short) return fail(`${where}: truncated`);
    if (outputBits !== 8 && outputBits !== 16) return fail(`${where}: ${outputBits}-bit output, not 8 or 16`);
    if (outDim < 1 || outDim > MAX_DIM) return fail(`${where}: output dimension ${outDim} not in 1..${MAX_DIM}`);
    const activation: Activation | null = actCode === 0 ? 'none' : actCode === 1 ? 'relu' : null;
    if (activation === null) return fail(`${where}: unknown activation code ${actCode}`);
    const raw = c.bytesOf(outDim * inDim);
    if (raw === null) return fail(`${where}: truncated weights`);
    const weights = new Int8Array(raw.buffer);
    const weightScales = new Float32Array(outDim);
    for (let o = 0; o < outDim; o++) weightScales[o] = c.f32();
    const bias = new Int32Array(outDim);
    for (let o = 0; o < outDim; o++) bias[o] = c.i32();
    const m0 = new Int32Array(outDim);
    for (let o = 0; o < outDim; o++) m0[o] = c.i32();
    const shift = new Uint8Array(outDim);
    for (let o = 0; o < outDim; o++) shift[o] = c.u8();
    if (c.short) return fail(`${where}: truncated per-channel parameters`);
    const layer: QuantLayer = { inDim, outDim, activation, weights, weightScales, bias, m0, shift, outputScale, outputZeroPoint };
    if (outputBits === 16) layer.outputBits = 16;
    layers.push(layer);
    inDim = outDim;
  }
  const net: QuantNetwork = { target, featureVersion, inputDim, inputScale, inputZeroPoint, layers, threshold, quantilePpm, marginPermille };
  if (errorTrim > 0) net.errorTrim = errorTrim;
  const bad = validateNetwork(net);
  if (bad) return fail(`${at}: ${bad}`);
  return { ok: true, value: net };
}

/** The model in a file's bytes, or the first thing wrong with them. */
export function decodeModel(bytes: Uint8Array): ModelResult<Model> {
  if (bytes.length > MAX_MODEL_BYTES) return fail(`${bytes.length} bytes, more than the ${MAX_MODEL_BYTES} a model may have`);
  if (bytes.length < HEADER_BYTES) return fail(`${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MODEL_MAGIC.charCodeAt(i)) return fail('not a model file (bad magic)');
  const head = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const version = head.getUint16(4, true);
  if (version < 1 || version > MODEL_FORMAT_VERSION) return fail(`format version ${version}, this agent reads 1..${MODEL_FORMAT_VERSION}`);
  const flags = head.getUint16(6, true);
  if (flags !== 0) return fail(`unknown flags 0x${flags.toString(16)}`);
  const bodyLen = head.getUint32(8, true);
  if (bodyLen !== bytes.length - HEADER_BYTES) return fail(`header says ${bodyLen} body bytes, the file has ${bytes.length - HEADER_BYTES}`);
  const body = bytes.subarray(HEADER_BYTES);
  const want = head.getUint32(12, true);
  const got = crc32(body);
  if (want !== got) return fail(`checksum mismatch (header ${want.toString(16)}, body ${got.toString(16)}): damaged file`);

  const c = new Cursor(body);
  const labelLen = c.u8();
  if (labelLen > MAX_LABEL) return fail(`label of ${labelLen} bytes, at most ${MAX_LABEL}`);
  const labelBytes = c.bytesOf(labelLen);
  if (labelBytes === null) return fail('truncated label');
  let label = '';
  for (const b of labelBytes) {
    if (b < 0x20 || b > 0x7e) return fail('label is not printable ASCII');
    label += String.fromCharCode(b);
  }
  const count = c.u8();
  if (c.short) return fail('truncated before the network count');
  const most = version >= 3 ? MAX_NETWORKS : 2;
  if (count < 1 || count > most) return fail(`${count} networks, not 1..${most}`);
  const networks: QuantNetwork[] = [];
  for (let i = 0; i < count; i++) {
    const n = readNetwork(c, i, version);
    if (!n.ok) return n;
    networks.push(n.value);
  }
  const ensembles = checkEnsembles(networks, version >= 3 ? MAX_ENSEMBLE : 1);
  if (ensembles) return fail(ensembles);
  if (c.pos !== body.length) return fail(`${body.length - c.pos} bytes after the last network`);
  return { ok: true, value: { label, networks } };
}
