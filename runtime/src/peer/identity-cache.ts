/**
 * The saved peer identity as the agent's long-running parts use it (summary signing,
 * summary verification): read from the state file at most once a minute, so that a
 * renewal or a first attestation is picked up without a restart. Problems are
 * reported once per change of the error text.
 */
import type { Host } from '../host/types.js';
import type { IdMatcher } from '../identity/policy.js';
import { parseAllow } from './allow.js';
import { loadPeerIdentity, type PeerIdentity } from './identity.js';

const RELOAD_MS = 60_000;

export interface PeerTrust {
  identity: PeerIdentity;
  allow: IdMatcher[];
}

export class PeerIdentityCache {
  private value: PeerTrust | null = null;
  private loadedMono = Number.NEGATIVE_INFINITY;
  private lastError = '';

  constructor(
    private readonly host: Host,
    private readonly stateDir: string,
    private readonly allowText: string,
    private readonly onError: (message: string) => void = () => {},
  ) {}

  /** The identity and allow rules, or null (not attested, no workload SVID, or a problem that was reported). */
  current(): PeerTrust | null {
    const now = this.host.clock.monotonicMs();
    if (now - this.loadedMono < RELOAD_MS) return this.value;
    this.loadedMono = now;
    const id = loadPeerIdentity(this.host.files, this.stateDir);
    let error = '';
    if (!id.ok) error = id.error;
    else if (id.value === null) this.value = null;
    else {
      const allow = parseAllow(this.allowText, id.value.trustDomain);
      if (allow.ok) this.value = { identity: id.value, allow: allow.value };
      else error = allow.error;
    }
    if (error !== '') {
      this.value = null;
      if (error !== this.lastError) this.onError(error);
    }
    this.lastError = error;
    return this.value;
  }
}
