/**
 * The SPIRE server API calls of a minimal agent, each on an open channel:
 * - AttestAgent (bidi stream) with join_token attestation data and a CSR: over TLS
 *   where only the server authenticates (we have no SVID yet), verified against the
 *   bootstrap bundle;
 * - RenewAgent, GetBundle, GetAuthorizedEntries, BatchNewX509SVID: over mutual TLS with
 *   the agent SVID.
 * Every answer is decoded with bounded schemas and checked (verify.ts) before use.
 */
import type { Host, HostCrypto, SocketAddress, TlsSocket } from '../host/types.js';
import type { TrustBundle } from '../identity/bundle.js';
import type { ValidatedSvid } from '../identity/chain.js';
import { bidiStreamingCall, GrpcError, type GrpcChannel, type Method, method, unaryCall } from '../grpc/index.js';
import { spireError, type SpireResult } from './errors.js';
import {
  AttestAgentRequestSchema,
  AttestAgentResponseSchema,
  BatchNewX509SvidRequestSchema,
  BatchNewX509SvidResponseSchema,
  BundleSchema,
  type EntryMsg,
  GetAuthorizedEntriesRequestSchema,
  GetAuthorizedEntriesResponseSchema,
  GetBundleRequestSchema,
  RenewAgentRequestSchema,
  RenewAgentResponseSchema,
  type X509SvidMsg,
} from './messages.js';
import { verifyBundle, verifyIssuedSvid, verifyServerChain } from './verify.js';

export const ALPN_H2 = 'h2';
const HANDSHAKE_TIMEOUT_MS = 10_000;
const CALL_TIMEOUT_MS = 15_000;

export interface SpireEndpoint {
  address: SocketAddress;
  /** "host:port" as configured (messages). */
  label: string;
  trustDomain: string;
}

/** Opens a gRPC channel on an established TLS connection (channel.ts). */
export type Dial = (socket: TlsSocket, authority: string) => GrpcChannel;

const AGENT = 'spire.api.server.agent.v1.Agent';
const M = {
  attestAgent: method(AGENT, 'AttestAgent', AttestAgentRequestSchema, AttestAgentResponseSchema),
  renewAgent: method(AGENT, 'RenewAgent', RenewAgentRequestSchema, RenewAgentResponseSchema),
  getBundle: method('spire.api.server.bundle.v1.Bundle', 'GetBundle', GetBundleRequestSchema, BundleSchema),
  getAuthorizedEntries: method('spire.api.server.entry.v1.Entry', 'GetAuthorizedEntries', GetAuthorizedEntriesRequestSchema, GetAuthorizedEntriesResponseSchema),
  batchNewX509Svid: method('spire.api.server.svid.v1.SVID', 'BatchNewX509SVID', BatchNewX509SvidRequestSchema, BatchNewX509SvidResponseSchema),
};

/** gRPC UNAVAILABLE: the connection broke or the server is going away. */
const UNAVAILABLE = 14;

/** A failed call as a SpireError: the server's status (`refused`), or a lost connection. */
function callError(e: unknown, what: string): { ok: false; error: import('./errors.js').SpireError } {
  if (e instanceof GrpcError) {
    if (e.code === UNAVAILABLE) return spireError('unreachable', `${what}: ${e.details || e.codeName}`);
    return spireError('refused', `${what}: ${e.codeName}${e.details ? `: ${e.details}` : ''}`, e.code);
  }
  return spireError('unreachable', `${what}: ${(e as Error).message}`);
}

export interface ClientDeps {
  host: Host;
  crypto: HostCrypto;
  dial: Dial;
}

/** Our side of mutual TLS; null for attestation (no client certificate). */
export interface ClientIdentity {
  chain: readonly Uint8Array[];
  privateKey: Uint8Array;
}

export interface OpenChannel {
  channel: GrpcChannel;
  server: ValidatedSvid;
  tlsVersion: string;
}

/** TLS to the server, its SVID checked, then a gRPC channel on it. */
export async function openChannel(deps: ClientDeps, ep: SpireEndpoint, bundle: TrustBundle, identity: ClientIdentity | null): Promise<SpireResult<OpenChannel>> {
  const tlsConnect = deps.host.net.tlsConnect;
  if (tlsConnect === undefined) return spireError('unsupported', `this engine (${deps.host.engine}) has no TLS; run the x0tta6bl4 binary`);
  let socket: TlsSocket;
  try {
    socket = await tlsConnect(ep.address, {
      chain: identity?.chain ?? [],
      privateKey: identity?.privateKey ?? new Uint8Array(0),
      trust: bundle.x509Authorities.map((c) => c.der),
      alpn: [ALPN_H2],
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    });
  } catch (e) {
    const msg = (e as Error).message;
    // mbedTLS verified the server's chain against our bundle and refused it.
    if (/verif|certificate/i.test(msg) && !/refused|reset|timed out/i.test(msg)) {
      return spireError('server-identity', `SPIRE server ${ep.label}: its certificate does not chain to the trust bundle of ${bundle.trustDomain}: ${msg}`);
    }
    // Go's TLS 1.2 server hands SPIRE's certificate check an empty (not absent) chain
    // when a client sends no certificate, and SPIRE refuses it: without an SVID, only
    // TLS 1.3 gets through (mbedTLS 3.x; 2.28 has no TLS 1.3).
    if (identity === null && /^mbedTLS 2\./.test(deps.crypto.provider)) {
      return spireError('unsupported', `SPIRE server ${ep.label}: ${msg}; attestation needs TLS 1.3 (SPIRE refuses TLS 1.2 clients without a certificate) and this binary's ${deps.crypto.provider} has TLS 1.2 only`);
    }
    return spireError('unreachable', `SPIRE server ${ep.label}: ${msg}`);
  }
  if (socket.alpn !== ALPN_H2) {
    socket.close(true);
    return spireError('unreachable', `SPIRE server ${ep.label} did not agree to HTTP/2 (ALPN ${socket.alpn ?? 'none'})`);
  }
  const server = await verifyServerChain({ crypto: deps.crypto, bundle, nowMs: deps.host.clock.wallMs() }, socket.peerChain);
  if (!server.ok) {
    socket.close(true);
    return spireError(server.error.kind, `SPIRE server ${ep.label}: ${server.error.message}`);
  }
  return { ok: true, value: { channel: deps.dial(socket, ep.label), server: server.value, tlsVersion: socket.version } };
}

async function unary<Req, Res>(ch: GrpcChannel, m: Method<Req, Res>, req: Req, what: string): Promise<SpireResult<Res>> {
  try {
    return { ok: true, value: await unaryCall(ch, m, req, { timeoutMs: CALL_TIMEOUT_MS }) };
  } catch (e) {
    return callError(e, what);
  }
}

export interface IssuedSvid {
  chain: Uint8Array[];
  svid: ValidatedSvid;
}

/** A new key pair and a PKCS#10 request for it (SPIRE takes only the key from it). */
export function newKeyAndCsr(crypto: HostCrypto, uri?: string): SpireResult<{ privateKey: Uint8Array; csr: Uint8Array }> {
  if (crypto.csr === undefined) return spireError('unsupported', `${crypto.provider} cannot write certificate requests; run the x0tta6bl4 binary`);
  const { privateKey } = crypto.generateEcKey();
  return { ok: true, value: { privateKey, csr: crypto.csr(privateKey, '', uri) } };
}

async function checkAgentSvid(deps: ClientDeps, bundle: TrustBundle, msg: X509SvidMsg | undefined, privateKey: Uint8Array, what: string, sameId?: string): Promise<SpireResult<IssuedSvid>> {
  if (msg === undefined || msg.certChain.length === 0) return spireError('svid', `${what}: the server sent no SVID`);
  const prefix = `spiffe://${bundle.trustDomain}/spire/agent/`;
  const v = await verifyIssuedSvid({ crypto: deps.crypto, bundle, nowMs: deps.host.clock.wallMs() }, msg.certChain, what, privateKey, (id) => {
    if (!id.startsWith(prefix)) return `${id} is not an agent ID (${prefix}...)`;
    if (sameId !== undefined && id !== sameId) return `${id} is not our agent ID ${sameId}`;
    return null;
  });
  if (!v.ok) return v;
  return { ok: true, value: { chain: msg.certChain, svid: v.value } };
}

/** AttestAgent with a join token: the agent SVID for `privateKey`. */
export async function attestJoinToken(
  deps: ClientDeps,
  ch: GrpcChannel,
  bundle: TrustBundle,
  token: string,
  key: { privateKey: Uint8Array; csr: Uint8Array },
): Promise<SpireResult<IssuedSvid & { reattestable: boolean }>> {
  const call = bidiStreamingCall(ch, M.attestAgent, { timeoutMs: CALL_TIMEOUT_MS });
  let result: { svid?: import('./messages.js').X509SvidMsg; reattestable: boolean } | undefined;
  try {
    call.send({ params: { data: { type: 'join_token', payload: new TextEncoder().encode(token) }, params: { csr: key.csr } } });
    const first = await call.read();
    if (first === null) return spireError('svid', 'AttestAgent: the server ended the stream without an answer');
    if (first.challenge !== undefined) {
      call.cancel();
      return spireError('unsupported', 'AttestAgent: the server sent a challenge; join_token attestation has none');
    }
    result = first.result;
    call.end();
    // Read to the end so that the server's final status is seen.
    while ((await call.read()) !== null) {
      // AttestAgent answers once; anything more is ignored.
    }
  } catch (e) {
    const err = callError(e, 'AttestAgent');
    if (err.error.kind === 'refused') return spireError('refused', `the SPIRE server refused the join token: ${err.error.message.replace(/^AttestAgent: /, '')}`, err.error.grpcStatus);
    return err;
  }
  if (result === undefined) return spireError('svid', 'AttestAgent: the answer has no result');
  const svid = await checkAgentSvid(deps, bundle, result.svid, key.privateKey, 'agent SVID');
  if (!svid.ok) return svid;
  return { ok: true, value: { ...svid.value, reattestable: result.reattestable } };
}

/** RenewAgent: a new agent SVID (same agent ID) for a new key. */
export async function renewAgent(deps: ClientDeps, ch: GrpcChannel, bundle: TrustBundle, agentId: string, key: { privateKey: Uint8Array; csr: Uint8Array }): Promise<SpireResult<IssuedSvid>> {
  const r = await unary(ch, M.renewAgent, { params: { csr: key.csr } }, 'RenewAgent');
  if (!r.ok) return r;
  return checkAgentSvid(deps, bundle, r.value.svid, key.privateKey, 'renewed agent SVID', agentId);
}

/** GetBundle: the trust domain's current X.509 authorities. */
export async function getBundle(ch: GrpcChannel, trustDomain: string): Promise<SpireResult<TrustBundle>> {
  const r = await unary(ch, M.getBundle, {}, 'GetBundle');
  if (!r.ok) return r;
  return verifyBundle(trustDomain, r.value);
}

/** GetAuthorizedEntries: the registration entries this agent may mint SVIDs for. */
export async function getAuthorizedEntries(ch: GrpcChannel): Promise<SpireResult<EntryMsg[]>> {
  const r = await unary(ch, M.getAuthorizedEntries, {}, 'GetAuthorizedEntries');
  if (!r.ok) return r;
  return { ok: true, value: r.value.entries };
}

export function spiffeIdOf(e: EntryMsg): string {
  return e.spiffeId === undefined ? '' : `spiffe://${e.spiffeId.trustDomain}${e.spiffeId.path}`;
}

/** BatchNewX509SVID for one entry: its X509-SVID for `key`. */
export async function newX509Svid(
  deps: ClientDeps,
  ch: GrpcChannel,
  bundle: TrustBundle,
  entry: EntryMsg,
  key: { privateKey: Uint8Array; csr: Uint8Array },
): Promise<SpireResult<IssuedSvid>> {
  const r = await unary(ch, M.batchNewX509Svid, { params: [{ entryId: entry.id, csr: key.csr }] }, 'BatchNewX509SVID');
  if (!r.ok) return r;
  const one = r.value.results[0];
  if (one === undefined || r.value.results.length !== 1) return spireError('svid', `BatchNewX509SVID: ${r.value.results.length} results for 1 request`);
  if (one.status !== undefined && one.status.code !== 0) {
    return spireError('refused', `BatchNewX509SVID for entry ${entry.id}: ${one.status.message} (gRPC status ${one.status.code})`, one.status.code);
  }
  const want = spiffeIdOf(entry);
  if (one.svid === undefined || one.svid.certChain.length === 0) return spireError('svid', `BatchNewX509SVID for entry ${entry.id}: no SVID`);
  const v = await verifyIssuedSvid({ crypto: deps.crypto, bundle, nowMs: deps.host.clock.wallMs() }, one.svid.certChain, `workload SVID ${want}`, key.privateKey, (id) =>
    id === want ? null : `is for ${id}, not the entry's ${want}`,
  );
  if (!v.ok) return v;
  return { ok: true, value: { chain: one.svid.certChain, svid: v.value } };
}
