/**
 * Test support (not used by the agent): real ubusd transcripts (../shared/fixtures/ubus)
 * and a replayer that plays ubusd's side of one over a real unix socket, checking that
 * what our peer sends equals what libubus sent.
 */
import { getHost, type StreamServer, type StreamSocket } from '../../runtime/src/host/index.js';
import { UbusFramer } from '../../runtime/src/ubus/message.js';

export interface TranscriptFrame {
  dir: 'to_ubusd' | 'from_ubusd';
  bytes: Uint8Array;
}

export interface Transcript {
  scenario: string;
  peerRole: string;
  frames: TranscriptFrame[];
  cliOutput?: string;
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Where the transcripts live: $X0_UBUS_FIXTURES or ../shared/fixtures/ubus (from the repository root). */
export function fixturesDir(): string {
  return getHost().getenv('X0_UBUS_FIXTURES') ?? '../shared/fixtures/ubus';
}

export function loadTranscript(name: string): Transcript {
  const raw = JSON.parse(getHost().files.readText(`${fixturesDir()}/${name}.json`, 1 << 20)) as {
    scenario: string;
    peer_role: string;
    cli_output?: string;
    frames: { dir: 'to_ubusd' | 'from_ubusd'; hex: string }[];
  };
  const t: Transcript = { scenario: raw.scenario, peerRole: raw.peer_role, frames: raw.frames.map((f) => ({ dir: f.dir, bytes: hexToBytes(f.hex) })) };
  if (raw.cli_output !== undefined) t.cliOutput = raw.cli_output;
  return t;
}

/** One direction's byte stream. */
export function streamOf(t: Transcript, dir: 'to_ubusd' | 'from_ubusd'): Uint8Array {
  return concat(t.frames.filter((f) => f.dir === dir).map((f) => f.bytes));
}

/** One direction's messages (the stream cut by the framer). */
export function messagesOf(t: Transcript, dir: 'to_ubusd' | 'from_ubusd'): Uint8Array[] {
  const r = new UbusFramer().push(streamOf(t, dir));
  if (!r.ok) throw new Error(`${t.scenario} ${dir}: ${r.error}`);
  return r.messages;
}

export interface Replay {
  path: string;
  /** Resolves when the script has run to its end (or failed: then with a message). */
  done: Promise<string | null>;
  /** What our peer sent so far. */
  received(): Uint8Array;
  close(): void;
}

/**
 * Listen on `path`; for the first connection, send ubusd's frames in order, and before
 * each of them wait until our peer has sent every `to_ubusd` byte that precedes it in the
 * transcript (so replies are causal). Bytes that differ fail the replay at once.
 */
export async function replayUbusd(t: Transcript, path: string, waitMs = 3000): Promise<Replay> {
  const host = getHost();
  const got: Uint8Array[] = [];
  let gotLength = 0;
  let wake: (() => void) | null = null;
  let server: StreamServer | null = null;
  let peer: StreamSocket | null = null;
  let finish: (r: string | null) => void = () => {};
  const done = new Promise<string | null>((resolve) => {
    finish = resolve;
  });
  const expected = streamOf(t, 'to_ubusd');
  const waitBytes = async (n: number): Promise<string | null> => {
    const until = host.clock.monotonicMs() + waitMs;
    while (gotLength < n) {
      if (host.clock.monotonicMs() > until) return `waited for ${n} bytes from our peer, got ${gotLength}: ${bytesToHex(concat(got))}`;
      await new Promise<void>((r) => {
        wake = r;
        host.timers.setTimeout(r, 20);
      });
    }
    const all = concat(got);
    const want = bytesToHex(expected.subarray(0, Math.min(n, expected.length)));
    const have = bytesToHex(all.subarray(0, Math.min(n, expected.length)));
    if (want !== have) return `bytes differ:\n  libubus: ${want}\n  ours:    ${have}`;
    return null;
  };
  const run = async (sock: StreamSocket): Promise<string | null> => {
    let upTo = 0;
    for (const f of t.frames) {
      if (f.dir === 'to_ubusd') {
        upTo += f.bytes.length;
        continue;
      }
      const bad = await waitBytes(upTo);
      if (bad) return bad;
      sock.write(f.bytes);
    }
    return waitBytes(upTo);
  };
  server = await host.net.listen({ family: 'unix', path }, (sock) => {
    if (peer) {
      sock.close(true);
      return;
    }
    peer = sock;
    sock.onData((c) => {
      got.push(c.slice());
      gotLength += c.length;
      wake?.();
    });
    sock.onClose(() => {});
    void run(sock).then(finish, (e: Error) => finish(e.message));
  });
  return {
    path,
    done,
    received: () => concat(got),
    close() {
      peer?.close(true);
      server?.close();
    },
  };
}

/** Deterministic PRNG for fuzz tests: xorshift32, in [0, 1). */
export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}
