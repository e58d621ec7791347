// The gRPC stack's hot decoders: HPACK decoding of a typical gRPC response header block
// (the first one on a connection, all literals with Huffman strings, and a repeat that
// the dynamic table turns into indexes), and protobuf decoding and encoding of a ~1 KB
// message (nested messages, strings, bytes, packed integers, 64-bit values).
import type { Bench } from 'tinybench';
import { type Header, HpackDecoder, HpackEncoder } from '../../runtime/src/hpack/index.js';
import { decodeMessage, encodeMessage } from '../../runtime/src/protobuf/index.js';
import { Everything } from '../support/protobuf-schemas.js';

export function register(bench: Bench): void {
  const response: Header[] = [
    [':status', '200'], ['content-type', 'application/grpc'], ['grpc-encoding', 'identity'], ['grpc-accept-encoding', 'gzip'],
    ['date', 'Thu, 26 Nov 2026 15:10:00 GMT'], ['server', 'spire-server'],
  ];
  const trailers: Header[] = [['grpc-status', '0'], ['grpc-message', '']];
  const enc = new HpackEncoder();
  const first = enc.encode(response);
  const repeat = enc.encode(response);
  const trailerBlock = enc.encode(trailers);
  const steady = new HpackDecoder();
  for (const b of [first, repeat, trailerBlock]) if (!steady.decode(b).ok) throw new Error('hpack bench: bad block');

  const value = {
    s: 'spiffe://example.org/spire/agent/join_token/6f9b2c1e-1d2b-4c8e-9f0a-3b1c2d4e5f60',
    i64: 1_795_000_000n, u32: 3600, b: true,
    by: new Uint8Array(300).map((_, i) => (i * 7) & 0xff),
    ri: Array.from({ length: 60 }, (_, i) => i * 1000),
    rc: Array.from({ length: 4 }, (_, i) => ({ s: `spiffe://example.org/workload/${i}`, i32: i, rs: ['unix:uid:1000', `k8s:ns:team-${i}`] })),
    child: { s: 'parent', u64: 18446744073709551615n, d: 0.25 },
  };
  const pb = encodeMessage(Everything, value);
  if (!decodeMessage(Everything, pb).ok) throw new Error('protobuf bench: does not decode');

  bench.add(`hpack: decode a first gRPC response header block (${first.length} B, literals + Huffman)`, () => {
    if (!new HpackDecoder().decode(first).ok) throw new Error('refused');
  });
  bench.add(`hpack: decode a repeated gRPC response block + trailers (${repeat.length} + ${trailerBlock.length} B, indexed)`, () => {
    if (!steady.decode(repeat).ok || !steady.decode(trailerBlock).ok) throw new Error('refused');
  });
  bench.add(`protobuf: decode a ${pb.length} B message`, () => {
    if (!decodeMessage(Everything, pb).ok) throw new Error('refused');
  });
  bench.add(`protobuf: encode the same ${pb.length} B message`, () => {
    encodeMessage(Everything, value);
  });
}
