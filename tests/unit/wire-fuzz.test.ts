/**
 * Fuzz the gRPC stack's decoders (tests/support/wire-fuzz.ts): HPACK blocks, protobuf
 * messages, HTTP/2 frames, and whole mutated server streams into a connection with a
 * bidi call open. Deterministic (fixed seeds). Nothing may throw; every answer is a
 * result value. X0_FUZZ_CASES=N runs N cases of each decoder (docs/performance.md has
 * the 100 000-case runs); the connection fuzz runs a tenth of that.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import { type FuzzStats, fuzzConnection, fuzzFrames, fuzzHpack, fuzzProtobuf } from '../support/wire-fuzz.js';

const t = suite('wire fuzz');
const CASES = Number(getHost().getenv('X0_FUZZ_CASES') ?? 20_000);

function report(name: string, s: FuzzStats): void {
  if (getHost().getenv('X0_FUZZ_CASES')) {
    getHost().stdout.write(`fuzz ${name} on ${getHost().engine}: ${s.cases} cases, ${s.accepted} accepted, ${s.refused} refused, ${Math.round(s.ms)} ms\n`);
  }
  // The mutator must reach both sides: refusals, and mutants that still decode.
  assert.ok(s.refused > s.cases / 20, `${name}: refused ${s.refused}`);
  assert.ok(s.accepted > s.cases / 50, `${name}: accepted ${s.accepted}`);
}

t(`${CASES} mutated HPACK header blocks`, () => report('hpack', fuzzHpack(CASES)));
t(`${CASES} mutated protobuf messages`, () => report('protobuf', fuzzProtobuf(CASES)));
t(`${CASES} mutated HTTP/2 frame runs`, () => report('http2-frames', fuzzFrames(CASES)));
t(`${Math.ceil(CASES / 10)} mutated server streams into a connection with a gRPC call`, () => report('http2-connection', fuzzConnection(Math.ceil(CASES / 10))));

t.run();
