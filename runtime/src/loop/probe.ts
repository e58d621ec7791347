/**
 * The gateway uplink probe: a TCP connect or one ping to a target through the
 * uplink, started every uplink_interval_ms without blocking the loop (at most one
 * in flight). The detector reads the running record of consecutive results.
 */
import type { Host, TimerHandle } from '../host/index.js';
import type { LoopConfig } from './settings.js';

export interface ProbeRecord {
  total: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  lastError: string | null;
  lastRttMs: number | null;
}

export type ProbeOutcome = { ok: true; rttMs: number } | { ok: false; error: string };

/** One probe attempt; the real ones are below, tests pass their own. */
export type ProbeAttempt = (config: LoopConfig) => Promise<ProbeOutcome>;

export class UplinkProbe {
  readonly record: ProbeRecord = { total: 0, consecutiveFailures: 0, consecutiveSuccesses: 0, lastError: null, lastRttMs: null };
  private inFlight = false;
  private lastStartMono = Number.NEGATIVE_INFINITY;

  constructor(private readonly attempt: ProbeAttempt) {}

  /** Start a probe when one is due; returns at once. */
  tick(config: LoopConfig, nowMono: number): void {
    if (config.uplinkProbe === 'none' || config.uplinkTarget === '') return;
    if (this.inFlight || nowMono - this.lastStartMono < config.uplinkIntervalMs) return;
    this.inFlight = true;
    this.lastStartMono = nowMono;
    this.attempt(config)
      .catch((e: unknown): ProbeOutcome => ({ ok: false, error: (e as Error).message ?? String(e) }))
      .then((o) => {
        this.inFlight = false;
        this.note(o);
      });
  }

  note(o: ProbeOutcome): void {
    const r = this.record;
    r.total++;
    if (o.ok) {
      r.consecutiveSuccesses++;
      r.consecutiveFailures = 0;
      r.lastRttMs = Math.round(o.rttMs * 10) / 10;
    } else {
      r.consecutiveFailures++;
      r.consecutiveSuccesses = 0;
      r.lastError = o.error;
    }
  }
}

/** "host:port", "[v6]:port"; null when it is not one. */
export function parseHostPort(text: string): { host: string; port: number; v6: boolean } | null {
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:\s]+):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] as string, port, v6: text.startsWith('[') };
}

/** TCP connect to uplink_target within uplink_timeout_ms. */
export function tcpProbe(host: Host): ProbeAttempt {
  return (config) => {
    const target = parseHostPort(config.uplinkTarget);
    if (!target) return Promise.resolve({ ok: false, error: `uplink_target '${config.uplinkTarget}' is not host:port` });
    const started = host.clock.monotonicMs();
    return new Promise<ProbeOutcome>((resolve) => {
      let settled = false;
      let timer: TimerHandle | undefined;
      const finish = (o: ProbeOutcome) => {
        if (settled) return;
        settled = true;
        host.timers.clear(timer);
        resolve(o);
      };
      timer = host.timers.setTimeout(() => finish({ ok: false, error: `no connection within ${config.uplinkTimeoutMs} ms` }), config.uplinkTimeoutMs);
      host.net
        .connect({ family: target.v6 ? 'inet6' : 'inet', host: target.host, port: target.port })
        .then((socket) => {
          socket.close(true);
          finish({ ok: true, rttMs: host.clock.monotonicMs() - started });
        })
        .catch((e: unknown) => finish({ ok: false, error: (e as Error).message ?? String(e) }));
    });
  };
}

/** One `ping` through uplink_interface (busybox and iputils both take -c -W -I). */
export function pingProbe(host: Host): ProbeAttempt {
  return async (config) => {
    const started = host.clock.monotonicMs();
    const waitS = String(Math.max(1, Math.ceil(config.uplinkTimeoutMs / 1000)));
    const argv = ['ping', '-c', '1', '-W', waitS];
    if (config.uplinkInterface !== '') argv.push('-I', config.uplinkInterface);
    argv.push(config.uplinkTarget);
    const r = await host.processes.run(argv, { timeoutMs: config.uplinkTimeoutMs + 1000, maxOutput: 4096 });
    if (r.status === 0) return { ok: true, rttMs: host.clock.monotonicMs() - started };
    const why = r.timedOut ? 'timed out' : (r.stderr.trim().split('\n')[0] ?? '') || `exit ${r.status ?? r.signal}`;
    return { ok: false, error: `ping ${config.uplinkTarget}: ${why}` };
  };
}

export function hostProbe(host: Host): ProbeAttempt {
  const tcp = tcpProbe(host);
  const ping = pingProbe(host);
  return (config) => (config.uplinkProbe === 'tcp' ? tcp(config) : ping(config));
}
