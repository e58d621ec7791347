/**
 * The minimal SPIRE agent: attest with a join token, renew, keep the trust bundle and
 * the agent's own workload SVID, all persisted (state.ts) and reused after a restart.
 *
 *   attest(token): bootstrap bundle -> AttestAgent (TLS, server-only auth) -> agent SVID,
 *                  saved at once (a join token works once) -> refresh()
 *   renew():       RenewAgent over mTLS -> saved -> refresh()
 *   refresh():     GetBundle, GetAuthorizedEntries, BatchNewX509SVID for the entry that
 *                  carries WORKLOAD_SELECTOR -> saved
 *
 * The workload identity of this agent is the registration entry authorized for it whose
 * selectors include `x0tta6bl4:agent` (created by the operator with
 * `spire-server entry create -parentID <agent or node alias ID> -spiffeID ... -selector x0tta6bl4:agent`).
 */
import type { GrpcChannel } from '../grpc/index.js';
import type { Host, HostCrypto, SocketAddress } from '../host/types.js';
import { bundleFromDer, bundleFromPem, bundleFromSpiffeJson, type TrustBundle } from '../identity/bundle.js';
import { parseTrustDomain } from '../identity/spiffe-id.js';
import { parseCertificate } from '../identity/x509.js';
import {
  attestJoinToken,
  type ClientDeps,
  type Dial,
  getAuthorizedEntries,
  getBundle,
  newKeyAndCsr,
  newX509Svid,
  openChannel,
  renewAgent,
  type SpireEndpoint,
  spiffeIdOf,
} from './client.js';
import { judgeClock } from './clock.js';
import { spireError, type SpireResult } from './errors.js';
import type { EntryMsg } from './messages.js';
import { type IdentityState, loadState, saveState } from './state.js';

export const WORKLOAD_SELECTOR = { type: 'x0tta6bl4', value: 'agent' } as const;
const MAX_BUNDLE_FILE = 1 << 20;
/** GetAuthorizedEntries polls while our entry is not there yet (the server's cache lags). */
const ENTRY_POLLS = 12;
const ENTRY_POLL_MS = 1000;

export interface SpireSettings {
  /** "ADDR:PORT" (IPv4, or [IPv6]:PORT). */
  server: string;
  trustDomain: string;
  /** Bootstrap bundle: PEM, or a SPIFFE bundle (JSON). */
  bundlePath: string;
  stateDir: string;
}

export function parseServerAddress(text: string): SocketAddress | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  if (m[1] !== undefined) return { family: 'inet6', host: m[1], port };
  const parts = (m[2] as string).split('.');
  if (parts.length !== 4 || parts.some((p) => p === '' || Number(p) > 255)) return null;
  return { family: 'inet', host: m[2] as string, port };
}

function bundleNotBefores(b: TrustBundle): number[] {
  return b.x509Authorities.map((c) => c.notBeforeMs);
}

export class SpireAgent {
  private readonly deps: ClientDeps;

  constructor(
    private readonly host: Host,
    crypto: HostCrypto,
    dial: Dial,
    private readonly settings: SpireSettings,
  ) {
    this.deps = { host, crypto, dial };
  }

  private endpoint(server = this.settings.server): SpireResult<SpireEndpoint> {
    if (server === '') return spireError('config', 'no SPIRE server configured (agent.spire_server or --spire-server HOST:PORT)');
    const address = parseServerAddress(server);
    if (address === null) return spireError('config', `SPIRE server "${server}" is not ADDR:PORT (IPv4 or [IPv6])`);
    const td = parseTrustDomain(this.settings.trustDomain);
    if (!td.ok) return spireError('config', this.settings.trustDomain === '' ? 'no trust domain configured (agent.trust_domain or --trust-domain TD)' : `trust domain: ${td.error.message}`);
    return { ok: true, value: { address, label: server, trustDomain: td.value } };
  }

  /** The bootstrap bundle from its file (PEM or SPIFFE JSON). */
  bootstrapBundle(): SpireResult<TrustBundle> {
    const path = this.settings.bundlePath;
    if (path === '') return spireError('config', 'no bootstrap bundle configured (agent.spire_bundle or --bundle FILE)');
    let text: string;
    try {
      text = this.host.files.readText(path, MAX_BUNDLE_FILE);
    } catch (e) {
      return spireError('config', `bundle ${path}: ${(e as Error).message}`);
    }
    const td = this.settings.trustDomain;
    const b = text.trimStart().startsWith('{') ? bundleFromSpiffeJson(td, text) : bundleFromPem(td, text);
    if (!b.ok) return spireError('config', `bundle ${path}: ${b.error.message}`);
    if (b.value.x509Authorities.length === 0) return spireError('config', `bundle ${path}: no CA certificates`);
    return b;
  }

  load(): SpireResult<IdentityState | null> {
    const r = loadState(this.host.files, this.settings.stateDir);
    return r.ok ? r : spireError('state', r.error);
  }

  private save(s: IdentityState): SpireResult<IdentityState> {
    try {
      saveState(this.host.files, this.settings.stateDir, s);
    } catch (e) {
      return spireError('state', `saving the identity: ${(e as Error).message}`);
    }
    return { ok: true, value: s };
  }

  private clockOk(bundle: TrustBundle, lastGoodMs?: number): SpireResult<true> {
    const v = judgeClock(this.host.clock.wallMs(), { bundleNotBeforeMs: bundleNotBefores(bundle), lastGoodMs });
    return v.ok ? { ok: true, value: true } : spireError('clock', v.reason);
  }

  /** Node attestation with a join token; the state is saved as soon as the agent SVID is in. */
  async attest(token: string): Promise<SpireResult<IdentityState>> {
    if (!/^[\x21-\x7e]{1,256}$/.test(token)) return spireError('config', 'the join token must be 1..256 printable characters');
    const ep = this.endpoint();
    if (!ep.ok) return ep;
    const bundle = this.bootstrapBundle();
    if (!bundle.ok) return bundle;
    const clock = this.clockOk(bundle.value);
    if (!clock.ok) return clock;
    const key = newKeyAndCsr(this.deps.crypto);
    if (!key.ok) return key;
    const open = await openChannel(this.deps, ep.value, bundle.value, null);
    if (!open.ok) return open;
    let svid: Awaited<ReturnType<typeof attestJoinToken>>;
    try {
      svid = await attestJoinToken(this.deps, open.value.channel, bundle.value, token, key.value);
    } finally {
      open.value.channel.close();
    }
    if (!svid.ok) return svid;
    const now = this.host.clock.wallMs();
    const saved = this.save({
      trustDomain: ep.value.trustDomain,
      server: ep.value.label,
      agentId: svid.value.svid.id.id,
      agentKey: key.value.privateKey,
      agentChain: svid.value.chain,
      bundle: bundle.value.x509Authorities.map((c) => c.der),
      reattestable: svid.value.reattestable,
      workload: null,
      attestedAtMs: now,
      renewedAtMs: now,
    });
    if (!saved.ok) return saved;
    const refreshed = await this.refresh(saved.value);
    if (!refreshed.ok) return spireError(refreshed.error.kind, `attested as ${saved.value.agentId} (saved), but: ${refreshed.error.message}`, refreshed.error.grpcStatus);
    return refreshed;
  }

  private stateBundle(s: IdentityState): SpireResult<TrustBundle> {
    const all = new Uint8Array(s.bundle.reduce((n, d) => n + d.length, 0));
    let at = 0;
    for (const d of s.bundle) {
      all.set(d, at);
      at += d.length;
    }
    const b = bundleFromDer(s.trustDomain, all);
    return b.ok ? b : spireError('state', `saved bundle: ${b.error.message}`);
  }

  private async withMtls<T>(s: IdentityState, fn: (ch: GrpcChannel, bundle: TrustBundle) => Promise<SpireResult<T>>): Promise<SpireResult<T>> {
    const ep = this.endpoint(this.settings.server || s.server);
    if (!ep.ok) return ep;
    const bundle = this.stateBundle(s);
    if (!bundle.ok) return bundle;
    const clock = this.clockOk(bundle.value, s.renewedAtMs);
    if (!clock.ok) return clock;
    const open = await openChannel(this.deps, ep.value, bundle.value, { chain: s.agentChain, privateKey: s.agentKey });
    if (!open.ok) return open;
    try {
      return await fn(open.value.channel, bundle.value);
    } finally {
      open.value.channel.close();
    }
  }

  /** RenewAgent (a new key), then refresh the bundle and the workload SVID. */
  async renew(): Promise<SpireResult<IdentityState>> {
    const loaded = this.load();
    if (!loaded.ok) return loaded;
    const s = loaded.value;
    if (s === null) return spireError('state', 'not attested yet: run `x0tta6bl4 identity attest --join-token TOKEN`');
    const bundle = this.stateBundle(s);
    if (!bundle.ok) return bundle;
    const clock = this.clockOk(bundle.value, s.renewedAtMs);
    if (!clock.ok) return clock;
    const key = newKeyAndCsr(this.deps.crypto);
    if (!key.ok) return key;
    const renewed = await this.withMtls(s, (ch, bundle) => renewAgent(this.deps, ch, bundle, s.agentId, key.value));
    if (!renewed.ok) return renewed;
    const saved = this.save({ ...s, agentKey: key.value.privateKey, agentChain: renewed.value.chain, renewedAtMs: this.host.clock.wallMs() });
    if (!saved.ok) return saved;
    return this.refresh(saved.value);
  }

  /** GetBundle, then the workload SVID for our entry; saves what it got. */
  async refresh(s: IdentityState): Promise<SpireResult<IdentityState>> {
    return this.withMtls(s, async (ch, old) => {
      const bundle = await getBundle(ch, s.trustDomain);
      if (!bundle.ok) return bundle;
      const withBundle = this.save({ ...s, bundle: bundle.value.x509Authorities.map((c) => c.der) });
      if (!withBundle.ok) return withBundle;
      // The server learns of a newly attested agent and new entries when its entry cache
      // reloads (every 5 s by default): ask again for a while before giving up.
      let entry: EntryMsg | null = null;
      let seen = 0;
      for (let attempt = 0; ; attempt++) {
        const entries = await getAuthorizedEntries(ch);
        if (!entries.ok) return entries;
        seen = entries.value.length;
        entry = pickWorkloadEntry(entries.value);
        if (entry !== null || attempt >= ENTRY_POLLS) break;
        await new Promise<void>((r) => this.host.timers.setTimeout(r, ENTRY_POLL_MS));
      }
      if (entry === null) {
        return spireError(
          'refused',
          `no registration entry with selector ${WORKLOAD_SELECTOR.type}:${WORKLOAD_SELECTOR.value} is authorized for ${s.agentId} (${seen} entries are)`,
        );
      }
      const key = newKeyAndCsr(this.deps.crypto, spiffeIdOf(entry));
      if (!key.ok) return key;
      // Verify against the fresh bundle (it may hold a CA the old one lacked), falling back to the old.
      let svid = await newX509Svid(this.deps, ch, bundle.value, entry, key.value);
      if (!svid.ok && svid.error.kind === 'svid') svid = await newX509Svid(this.deps, ch, old, entry, key.value);
      if (!svid.ok) return svid;
      return this.save({
        ...withBundle.value,
        workload: { entryId: entry.id, spiffeId: spiffeIdOf(entry), privateKey: key.value.privateKey, chain: svid.value.chain },
      });
    });
  }
}

export function pickWorkloadEntry(entries: readonly EntryMsg[]): EntryMsg | null {
  const matching = entries.filter((e) => e.selectors.some((s) => s.type === WORKLOAD_SELECTOR.type && s.value === WORKLOAD_SELECTOR.value));
  // Deterministic when an operator made several: the lowest entry ID.
  matching.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return matching[0] ?? null;
}

/** notBefore/notAfter of a saved chain's leaf, or null when it does not parse. */
export function leafValidity(chain: readonly Uint8Array[]): { notBeforeMs: number; notAfterMs: number } | null {
  const der = chain[0];
  if (der === undefined) return null;
  const c = parseCertificate(der);
  return c.ok ? { notBeforeMs: c.value.notBeforeMs, notAfterMs: c.value.notAfterMs } : null;
}
