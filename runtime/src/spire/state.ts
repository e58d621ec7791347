/**
 * What the agent keeps across restarts, in one file (`<state_dir>/identity/identity.json`):
 * the agent's private key and SVID chain, the trust bundle, and the workload identity
 * (entry, key, SVID chain). It holds private keys, so it is written with mode 0600 in a
 * 0700 directory, atomically (write, fsync, rename, fsync the directory: a crash leaves
 * the old file or the new one, never half of each) and never logged.
 *
 * Reading is bounded and total: a missing file is "no state", a damaged one an error
 * value that names the problem (the caller re-attests rather than guessing).
 */
import type { Files } from '../host/types.js';
import { base64Decode, base64Encode } from '../identity/base64.js';

/** Bound on the state file (a few certificates and keys). */
export const MAX_STATE_BYTES = 256 * 1024;
const STATE_VERSION = 1;
const MAX_DER = 64 * 1024;
const MAX_CHAIN = 16;

export interface WorkloadState {
  entryId: string;
  spiffeId: string;
  /** SEC1 DER. */
  privateKey: Uint8Array;
  chain: Uint8Array[];
}

export interface IdentityState {
  trustDomain: string;
  /** host:port of the SPIRE server that attested us. */
  server: string;
  agentId: string;
  /** SEC1 DER of the agent SVID's key. */
  agentKey: Uint8Array;
  /** The agent X509-SVID, leaf first. */
  agentChain: Uint8Array[];
  /** The trust domain's X.509 authorities, DER. */
  bundle: Uint8Array[];
  /** Whether the server lets this agent attest again (join tokens: no). */
  reattestable: boolean;
  workload: WorkloadState | null;
  /** Wall-clock ms of the last successful attestation and renewal (records only). */
  attestedAtMs: number;
  renewedAtMs: number;
}

export function stateDirOf(stateDir: string): string {
  return `${stateDir}/identity`;
}

export function statePathOf(stateDir: string): string {
  return `${stateDirOf(stateDir)}/identity.json`;
}

function chainOut(c: readonly Uint8Array[]): string[] {
  return c.map(base64Encode);
}

/** Save atomically with mode 0600 (its directory 0700). */
export function saveState(files: Files, stateDir: string, s: IdentityState): void {
  files.mkdirp(stateDirOf(stateDir), 0o700);
  const doc = {
    version: STATE_VERSION,
    trustDomain: s.trustDomain,
    server: s.server,
    agentId: s.agentId,
    agentKey: base64Encode(s.agentKey),
    agentChain: chainOut(s.agentChain),
    bundle: chainOut(s.bundle),
    reattestable: s.reattestable,
    workload:
      s.workload === null
        ? null
        : { entryId: s.workload.entryId, spiffeId: s.workload.spiffeId, privateKey: base64Encode(s.workload.privateKey), chain: chainOut(s.workload.chain) },
    attestedAtMs: s.attestedAtMs,
    renewedAtMs: s.renewedAtMs,
  };
  files.writeAtomic(statePathOf(stateDir), `${JSON.stringify(doc)}\n`, 0o600);
}

export type LoadResult = { ok: true; value: IdentityState | null } | { ok: false; error: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Bad extends Error {}

function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length > 4096) throw new Bad(`"${k}" is not a string`);
  return v;
}

function bytes(o: Record<string, unknown>, k: string): Uint8Array {
  const r = base64Decode(str(o, k), MAX_DER);
  if (!r.ok) throw new Bad(`"${k}": ${r.error.message}`);
  return r.value;
}

function chain(o: Record<string, unknown>, k: string): Uint8Array[] {
  const v = o[k];
  if (!Array.isArray(v) || v.length > MAX_CHAIN) throw new Bad(`"${k}" is not a list of at most ${MAX_CHAIN} certificates`);
  return v.map((x, i) => {
    if (typeof x !== 'string') throw new Bad(`"${k}"[${i}] is not a string`);
    const r = base64Decode(x, MAX_DER);
    if (!r.ok) throw new Bad(`"${k}"[${i}]: ${r.error.message}`);
    return r.value;
  });
}

function num(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Bad(`"${k}" is not a number`);
  return v;
}

/** The saved state, null when there is none, or an error saying what is wrong with it. */
export function loadState(files: Files, stateDir: string): LoadResult {
  const path = statePathOf(stateDir);
  const st = files.stat(path);
  if (st === null) return { ok: true, value: null };
  if (st.size > MAX_STATE_BYTES) return { ok: false, error: `${path}: larger than ${MAX_STATE_BYTES} bytes` };
  let doc: unknown;
  try {
    doc = JSON.parse(files.readText(path, MAX_STATE_BYTES));
  } catch (e) {
    return { ok: false, error: `${path}: ${(e as Error).message}` };
  }
  try {
    if (!isRecord(doc)) throw new Bad('not a JSON object');
    if (doc.version !== STATE_VERSION) throw new Bad(`version ${String(doc.version)}, expected ${STATE_VERSION}`);
    const w = doc.workload;
    let workload: WorkloadState | null = null;
    if (w !== null) {
      if (!isRecord(w)) throw new Bad('"workload" is not an object');
      workload = { entryId: str(w, 'entryId'), spiffeId: str(w, 'spiffeId'), privateKey: bytes(w, 'privateKey'), chain: chain(w, 'chain') };
    }
    return {
      ok: true,
      value: {
        trustDomain: str(doc, 'trustDomain'),
        server: str(doc, 'server'),
        agentId: str(doc, 'agentId'),
        agentKey: bytes(doc, 'agentKey'),
        agentChain: chain(doc, 'agentChain'),
        bundle: chain(doc, 'bundle'),
        reattestable: doc.reattestable === true,
        workload,
        attestedAtMs: num(doc, 'attestedAtMs'),
        renewedAtMs: num(doc, 'renewedAtMs'),
      },
    };
  } catch (e) {
    if (e instanceof Bad) return { ok: false, error: `${path}: ${e.message}` };
    throw e;
  }
}
