/**
 * Keeps the identity fresh while the agent runs: renews at about half the agent SVID's
 * lifetime (schedule.ts), and when the server is down keeps the SVID it has (it stays
 * valid until notAfter) and retries with back-off. A refusal that retrying cannot fix
 * (e.g. the agent was evicted) is logged and retried at the slowest pace, so an
 * operator's fix on the server is picked up without a restart.
 */
import type { Host, TimerHandle } from '../host/types.js';
import { type SpireAgent, leafValidity } from './agent.js';
import { isTransient } from './errors.js';
import { BACKOFF_MAX_MS, backoffDelayMs, renewalDelayMs } from './schedule.js';

export class IdentityRenewer {
  private timer: TimerHandle | undefined;
  private failures = 0;
  private stopped = false;
  /** Wall-clock ms of the next attempt (status). */
  nextAttemptMs = 0;
  lastError: string | null = null;

  constructor(
    private readonly host: Host,
    private readonly agent: SpireAgent,
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(this.delayFromState());
  }

  stop(): void {
    this.stopped = true;
    this.host.timers.clear(this.timer);
    this.timer = undefined;
  }

  private delayFromState(): number {
    const s = this.agent.load();
    if (!s.ok || s.value === null) return BACKOFF_MAX_MS;
    const v = leafValidity(s.value.agentChain);
    if (v === null) return 0;
    return renewalDelayMs(v.notBeforeMs, v.notAfterMs, this.host.clock.wallMs(), this.random);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.host.timers.clear(this.timer);
    this.nextAttemptMs = this.host.clock.wallMs() + ms;
    this.timer = this.host.timers.setTimeout(() => void this.attempt(), ms);
  }

  private async attempt(): Promise<void> {
    const r = await this.agent.renew();
    if (this.stopped) return;
    if (r.ok) {
      this.failures = 0;
      this.lastError = null;
      const v = leafValidity(r.value.agentChain);
      this.host.logger.log('info', `identity: renewed ${r.value.agentId}${v ? ` until ${new Date(v.notAfterMs).toISOString()}` : ''}`);
      this.schedule(this.delayFromState());
      return;
    }
    this.failures++;
    this.lastError = r.error.message;
    const s = this.agent.load();
    const v = s.ok && s.value !== null ? leafValidity(s.value.agentChain) : null;
    const now = this.host.clock.wallMs();
    const delay = isTransient(r.error) ? backoffDelayMs(this.failures, this.random, v?.notAfterMs, now) : BACKOFF_MAX_MS;
    const keep = v !== null && v.notAfterMs > now ? `; keeping the current SVID (valid until ${new Date(v.notAfterMs).toISOString()})` : '';
    this.host.logger.log('warning', `identity: renewal failed (${r.error.kind}): ${r.error.message}${keep}; retry in ${Math.round(delay / 1000)} s`);
    this.schedule(delay);
  }
}
