/**
 * Gateway uplink lost: the configured probe (TCP connect or ping through the
 * uplink) failed uplink_failures times in a row. It counts as back only after
 * uplink_recoveries successes in a row, so a wobbling uplink does not toggle the
 * gateway mode. Disabled when uplink_probe is "none".
 */
import type { Detector, Hysteresis } from '../detector.js';
import type { MeshView } from '../monitor.js';
import type { ProbeRecord } from '../probe.js';
import type { LoopConfig } from '../settings.js';
import type { Observation } from '../types.js';

export class UplinkLostDetector implements Detector {
  readonly kind = 'uplink-lost' as const;
  readonly hysteresis: Hysteresis = { raiseAfter: 1, clearAfter: 1 };
  private lost = false;

  constructor(
    private readonly config: () => LoopConfig,
    private readonly probe: () => ProbeRecord,
  ) {}

  get enabled(): boolean {
    return this.config().uplinkProbe !== 'none';
  }

  observe(view: MeshView): Observation[] {
    const c = this.config();
    if (c.uplinkProbe === 'none') {
      this.lost = false;
      return [];
    }
    const p = this.probe();
    if (p.total === 0) return [];
    if (p.consecutiveFailures >= c.uplinkFailures) this.lost = true;
    else if (p.consecutiveSuccesses >= c.uplinkRecoveries) this.lost = false;
    return [
      {
        target: 'uplink',
        bad: this.lost,
        severity: 'critical',
        evidence: {
          summary: this.lost
            ? `${c.uplinkProbe} probe of ${c.uplinkTarget} failed ${p.consecutiveFailures} times in a row: ${p.lastError ?? 'no answer'}`
            : `${c.uplinkProbe} probe of ${c.uplinkTarget} answered ${p.consecutiveSuccesses} times in a row`,
          values: {
            probe: c.uplinkProbe,
            target: c.uplinkTarget,
            consecutiveFailures: p.consecutiveFailures,
            consecutiveSuccesses: p.consecutiveSuccesses,
            lastError: p.lastError,
            lastRttMs: p.lastRttMs,
            gwMode: view.node.gwMode,
          },
        },
      },
    ];
  }
}
