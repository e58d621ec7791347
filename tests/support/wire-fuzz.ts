/**
 * Fuzz corpora and drivers for the gRPC stack's decoders: HPACK header blocks, protobuf
 * messages, HTTP/2 frames, and whole server byte streams fed to a client connection
 * with a gRPC call on it. Seeds are real encodings (hpack-test-case stories, our own
 * encoders' output); mutations are the shared blind ones plus format-aware ones
 * (integer continuations, lying lengths, flipped wire types and frame types).
 * Every driver checks that nothing throws and every answer is a result value.
 */
import { bidiStreamingCall, frameMessage, GrpcChannel, method } from '../../runtime/src/grpc/index.js';
import { HpackDecoder, HpackEncoder } from '../../runtime/src/hpack/index.js';
import { getHost } from '../../runtime/src/host/index.js';
import {
  type ByteStream, decodeFrame, encodeData, encodeFrame, encodeGoaway, encodeHeaders, encodePing, encodeRstStream, encodeSettings, encodeSettingsAck,
  encodeWindowUpdate, Http2Connection,
} from '../../runtime/src/http2/index.js';
import { decodeMessage, encodeMessage } from '../../runtime/src/protobuf/index.js';
import { BLIND_MUTATIONS, blindMutation } from './byte-mutations.js';
import { prng } from './netlink-kernel-script.js';
import { Everything } from './protobuf-schemas.js';

export interface FuzzStats {
  cases: number;
  accepted: number;
  refused: number;
  ms: number;
}

const unhex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Shared mutator: blind mutations plus inserting bytes that matter to the format. */
function mutate(seed: Uint8Array, pick: (n: number) => number, special: readonly number[]): Uint8Array {
  let d: Uint8Array = seed.slice();
  const rounds = 1 + pick(3);
  for (let r = 0; r < rounds; r++) {
    const kind = pick(BLIND_MUTATIONS + 3);
    if (kind < BLIND_MUTATIONS) {
      d = blindMutation(d, pick, kind);
    } else if (kind === BLIND_MUTATIONS) {
      // insert a run of format-significant bytes (continuations, prefixes, large values)
      const at = pick(d.length + 1);
      const run = Uint8Array.from({ length: 1 + pick(6) }, () => special[pick(special.length)] as number);
      d = concat([d.subarray(0, at), run, d.subarray(at)]);
    } else if (kind === BLIND_MUTATIONS + 1) {
      // overwrite a byte with a format-significant one
      if (d.length) d[pick(d.length)] = special[pick(special.length)] as number;
    } else {
      // delete a range
      const at = pick(d.length + 1);
      d = concat([d.subarray(0, at), d.subarray(at + 1 + pick(8))]);
    }
  }
  return d;
}

function check(r: { ok: boolean; error?: { message: string } }, what: string): boolean {
  if (r.ok === true) return true;
  if (r.ok !== false || typeof r.error?.message !== 'string' || r.error.message.length === 0) throw new Error(`${what}: not a result value`);
  return false;
}

function now(): number {
  return getHost().clock.monotonicMs();
}

// ---------------------------------------------------------------- HPACK

function hpackSeeds(): Uint8Array[] {
  const files = getHost().files;
  const dir = 'tests/data/hpack-test-case';
  const seeds: Uint8Array[] = [];
  for (const impl of files.readdir(dir).sort()) {
    if (!files.stat(`${dir}/${impl}`)?.isDirectory) continue;
    for (const f of files.readdir(`${dir}/${impl}`).sort()) {
      const story = JSON.parse(files.readText(`${dir}/${impl}/${f}`)) as { cases: { wire: string }[] };
      for (const c of story.cases) seeds.push(unhex(c.wire));
    }
  }
  // A typical gRPC response and trailers from our encoder.
  const e = new HpackEncoder();
  seeds.push(e.encode([[':status', '200'], ['content-type', 'application/grpc'], ['grpc-encoding', 'identity']]));
  seeds.push(e.encode([['grpc-status', '3'], ['grpc-message', 'bad%20request']]));
  return seeds;
}

const HPACK_SPECIAL = [0x00, 0x0f, 0x10, 0x1f, 0x20, 0x3f, 0x40, 0x7f, 0x80, 0xbe, 0xff];

export function fuzzHpack(cases: number, seed = 0x4a9c1): FuzzStats {
  const seeds = hpackSeeds();
  const rand = prng(seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const st: FuzzStats = { cases, accepted: 0, refused: 0, ms: 0 };
  const t0 = now();
  let d = new HpackDecoder({ maxHeaderListSize: 16_384 });
  for (let i = 0; i < cases; i++) {
    const block = mutate(seeds[pick(seeds.length)] as Uint8Array, pick, HPACK_SPECIAL);
    try {
      // Usually a fresh context; sometimes a shared one, so table state carries over.
      if (pick(4) !== 0) d = new HpackDecoder({ maxHeaderListSize: 16_384 });
      if (check(d.decode(block), 'hpack')) st.accepted++;
      else {
        st.refused++;
        d = new HpackDecoder({ maxHeaderListSize: 16_384 }); // a refused block poisons the context
      }
    } catch (e) {
      throw new Error(`hpack case ${i} threw: ${(e as Error).message}; block ${Array.from(block, (b) => b.toString(16).padStart(2, '0')).join('')}`);
    }
  }
  st.ms = now() - t0;
  return st;
}

// ---------------------------------------------------------------- protobuf

function protobufSeeds(): Uint8Array[] {
  const values: Record<string, unknown>[] = [
    { i32: 150, s: 'testing', b: true },
    { i64: -1n, u64: 18446744073709551615n, s64: -5n, sf64: 7n, f64: 1n, d: 0.5, fl: 2.5, f32: 9, sf32: -9 },
    { child: { s: 'inner', child: { i32: 3, rc: [{ s: 'deep' }] } }, rc: [{ i32: 1 }, { s: 'x' }] },
    { ri: [0, 1, -1, 300], rs: ['', 'a', 'bc'], rs64: [0n, -1n, 1n], unpacked: [1, 128, 70000] },
    { name: 'chosen', by: Uint8Array.from([0, 1, 2, 255]), e: 1000 },
  ];
  return values.map((v) => encodeMessage(Everything, v));
}

const PB_SPECIAL = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0a, 0x0b, 0x7f, 0x80, 0xff, 0x8a, 0x92, 0xa2];

export function fuzzProtobuf(cases: number, seed = 0x9b0f): FuzzStats {
  const seeds = protobufSeeds();
  const rand = prng(seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const st: FuzzStats = { cases, accepted: 0, refused: 0, ms: 0 };
  const t0 = now();
  for (let i = 0; i < cases; i++) {
    const bytes = mutate(seeds[pick(seeds.length)] as Uint8Array, pick, PB_SPECIAL);
    try {
      const r = decodeMessage(Everything, bytes, { maxDepth: 8, maxRepeated: 1000 });
      if (check(r, 'protobuf')) {
        st.accepted++;
        // What decodes must encode again (round trip of the decoded value).
        encodeMessage(Everything, r.ok ? r.value : {});
      } else st.refused++;
    } catch (e) {
      throw new Error(`protobuf case ${i} threw: ${(e as Error).message}; bytes ${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`);
    }
  }
  st.ms = now() - t0;
  return st;
}

// ---------------------------------------------------------------- HTTP/2 frames

/** A server's side of a gRPC exchange on stream 1, frame by frame. */
function serverFrames(): Uint8Array[] {
  const e = new HpackEncoder();
  const msg = frameMessage(encodeMessage(Everything, { s: 'reply', i32: 7, rs: ['a', 'b'] }));
  return [
    encodeSettings([[1, 4096], [3, 100], [4, 65_535], [5, 16_384]]),
    encodeSettingsAck(),
    encodeWindowUpdate(0, 1000),
    encodePing(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), false),
    ...encodeHeaders(1, e.encode([[':status', '200'], ['content-type', 'application/grpc']]), false, 16_384),
    encodeData(1, msg, false),
    encodeData(1, concat([msg, msg]).subarray(0, 20), false),
    encodeWindowUpdate(1, 500),
    ...encodeHeaders(1, e.encode([['grpc-status', '0'], ['grpc-message', 'ok%20then']]), true, 8),
    encodeFrame(0x2, 0, 1, new Uint8Array(5)),
    encodeRstStream(1, 8),
    encodeFrame(0xfa, 0, 0, Uint8Array.from([1, 2])),
    encodeGoaway(1, 0, 'bye'),
  ];
}

const H2_SPECIAL = [0x00, 0x01, 0x04, 0x05, 0x08, 0x09, 0x20, 0x40, 0x7f, 0x80, 0xff];

export function fuzzFrames(cases: number, seed = 0xf4a3e): FuzzStats {
  const frames = serverFrames();
  const rand = prng(seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const st: FuzzStats = { cases, accepted: 0, refused: 0, ms: 0 };
  const t0 = now();
  for (let i = 0; i < cases; i++) {
    // A run of frames from the exchange, mutated as one byte string.
    const start = pick(frames.length);
    const bytes = mutate(concat(frames.slice(start, start + 1 + pick(4))), pick, H2_SPECIAL);
    const max = pick(4) === 0 ? 100 : 16_384;
    try {
      let at = 0;
      for (;;) {
        const r = decodeFrame(bytes, at, max);
        if (!check(r, 'frame')) {
          st.refused++;
          break;
        }
        if (r.ok && r.value === null) {
          st.accepted++;
          break;
        }
        if (r.ok && r.value) {
          if (r.value.next <= at || r.value.next > bytes.length) throw new Error('decoder did not advance within the input');
          at = r.value.next;
        }
      }
    } catch (e) {
      throw new Error(`frame case ${i} threw: ${(e as Error).message}; bytes ${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`);
    }
  }
  st.ms = now() - t0;
  return st;
}

// ---------------------------------------------------------------- a whole connection with a gRPC call

/** A transport the test drives by hand: `feed` delivers server bytes synchronously. */
function handTransport(): { stream: ByteStream; feed: (b: Uint8Array) => void } {
  let data: (c: Uint8Array) => void = () => {};
  return {
    stream: { write: () => 0, onData: (cb) => { data = cb; }, onClose: () => {}, close: () => {} },
    feed: (b) => data(b),
  };
}

const Echo = method('fuzz.v1.Echo', 'Chat', Everything, Everything);

/**
 * Mutated server byte streams fed into a client connection that has a bidi call open:
 * the connection and the call may end in any state, but no exception may escape.
 * `accepted` counts connections still open afterwards.
 */
export function fuzzConnection(cases: number, seed = 0xc0ffe): FuzzStats {
  const frames = serverFrames();
  const rand = prng(seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const st: FuzzStats = { cases, accepted: 0, refused: 0, ms: 0 };
  const t0 = now();
  for (let i = 0; i < cases; i++) {
    const bytes = mutate(concat(frames), pick, H2_SPECIAL);
    const t = handTransport();
    const conn = Http2Connection.connect(t.stream, { maxHeaderListSize: 4096 });
    try {
      const call = bidiStreamingCall(new GrpcChannel(conn, { authority: 'fuzz', maxMessageBytes: 4096 }), Echo);
      call.send({ s: 'hi' });
      // In one piece or in random cuts (frames split across reads).
      for (let at = 0; at < bytes.length;) {
        const n = pick(3) === 0 ? bytes.length : 1 + pick(64);
        t.feed(bytes.subarray(at, at + n));
        at += n;
      }
      if (conn.closed) st.refused++;
      else st.accepted++;
      call.cancel();
    } catch (e) {
      throw new Error(`connection case ${i} threw: ${(e as Error).stack}; bytes ${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`);
    } finally {
      conn.close();
    }
  }
  st.ms = now() - t0;
  return st;
}
