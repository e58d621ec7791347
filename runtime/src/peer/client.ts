/**
 * The peer channel's client: mutual TLS with our workload SVID to a neighbour's peer
 * server, the server's chain judged by verifyPeerChain exactly as the server judges
 * ours (a neighbour is whoever holds a valid SVID our `peer_allow` admits; hostnames
 * and addresses prove nothing on a mesh), then one HTTP/1.1 request. Every failure
 * says at which step and, for refusals, which rule and whose ID.
 */
import type { Host, SocketAddress, StreamSocket } from '../host/types.js';
import { httpExchange } from '../http/client.js';
import type { IdMatcher } from '../identity/policy.js';
import { type PeerIdentity, peerTlsOptions } from './identity.js';
import { describeRefusal, verifyPeerChain } from './verify.js';

export type PeerFailureStage = 'connect' | 'we-refused-server' | 'server-refused-us' | 'http';

export type PeerCallResult =
  | { ok: true; status: number; body: unknown; serverId: string; tlsVersion: string }
  | { ok: false; stage: PeerFailureStage; code: string | null; error: string };

class Refused extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export async function peerGet(host: Host, address: SocketAddress, identity: PeerIdentity, allow: readonly IdMatcher[], path: string, timeoutMs = 10_000): Promise<PeerCallResult> {
  const connect = host.net.tlsConnect;
  if (!connect || !host.crypto) return { ok: false, stage: 'connect', code: null, error: `this engine (${host.engine}) has no TLS client with crypto` };
  const crypto = host.crypto;
  let serverId = '';
  let tlsVersion = '';
  const open = async (): Promise<StreamSocket> => {
    // No host name check (x0_tls.c sets none) and the address proves nothing: on a radio
    // mesh anyone in range can answer for 10.99.0.2. The server is who its SVID says,
    // judged here by our SPIFFE code (the handshake ran with callerVerifies).
    const sock = await connect.call(host.net, address, peerTlsOptions(identity, { handshakeTimeoutMs: Math.min(timeoutMs, 10_000) }));
    const v = await verifyPeerChain(sock.peerChain, { bundles: identity.bundles, crypto, nowMs: host.clock.wallMs(), allow });
    if (!v.ok) {
      sock.close(true);
      throw new Refused(v.code, describeRefusal(v));
    }
    serverId = v.id.id;
    tlsVersion = sock.version;
    return sock;
  };
  let refused: Refused | null = null;
  let connectError: string | null = null;
  const r = await httpExchange(
    () =>
      open().catch((e: unknown) => {
        if (e instanceof Refused) refused = e;
        else connectError = e instanceof Error ? e.message : String(e);
        throw e;
      }),
    'GET',
    path,
    undefined,
    timeoutMs,
  );
  const ref = refused as Refused | null;
  if (ref) return { ok: false, stage: 'we-refused-server', code: ref.code, error: `we refused the server: ${ref.message}` };
  if (connectError !== null) return { ok: false, stage: 'connect', code: null, error: connectError };
  if (!r.ok) return { ok: false, stage: 'http', code: null, error: r.error };
  let body: unknown;
  try {
    body = JSON.parse(r.value.body);
  } catch {
    return { ok: false, stage: 'http', code: null, error: `status ${r.value.status}, not JSON: ${r.value.body.slice(0, 200)}` };
  }
  if (r.value.status === 403 && typeof body === 'object' && body !== null && (body as { error?: unknown }).error === 'refused') {
    const b = body as { code?: unknown; message?: unknown };
    return { ok: false, stage: 'server-refused-us', code: String(b.code), error: `${serverId} refused us (${String(b.code)}): ${String(b.message)}` };
  }
  return { ok: true, status: r.value.status, body, serverId, tlsVersion };
}
