/**
 * The agent's main loop. Each cycle runs the MAPE-K phases in order; the phases
 * arrive with later issues (monitor, analyze, plan, execute, knowledge), each
 * behind the same small interface so that tracing (one span per phase) and
 * timing can wrap them in one place. Cycles never overlap: the next one is
 * scheduled when the current one ends, `cycleMs` after it started, or earlier when a
 * phase asks for it (`wakeBy`: a neighbour about to pass a detection threshold between
 * two cycles would otherwise wait up to a whole cycle to be judged), or when an event
 * wakes it (`wake()`: a mesh interface's carrier changed).
 */
import type { AgentConfig } from '../config/settings.js';
import type { Host, TimerHandle } from '../host/index.js';
import type { Log } from '../log.js';

export interface CycleContext {
  /** Cycle number, from 1. */
  cycle: number;
  /** Monotonic ms when the cycle started. */
  startedMs: number;
  /**
   * Monotonic ms by which the next cycle should start; phases may lower it (never below
   * MIN_EARLY_GAP_MS from the end of this cycle). Infinity: the regular `cycleMs`.
   */
  wakeBy: number;
}

/** The shortest pause before a cycle a phase asked for early: never a busy loop. */
export const MIN_EARLY_GAP_MS = 100;

export interface LoopPhase {
  readonly name: string;
  run(ctx: CycleContext): Promise<void> | void;
}

export interface LoopStats {
  cycles: number;
  lastCycleMs: number;
  maxCycleMs: number;
  phaseErrors: number;
  /** Cycles started before `cycleMs` because a phase asked (wakeBy) or an event woke the loop (wake()). */
  earlyCycles: number;
}

export class Agent {
  private timer: TimerHandle | undefined;
  private running = false;
  private inCycle: Promise<void> | null = null;
  /** Monotonic ms at which the last cycle ended. */
  private lastEndMs = Number.NEGATIVE_INFINITY;
  /** wake() came during a cycle: the next one starts MIN_EARLY_GAP_MS after it. */
  private wakeAfterCycle = false;
  /** A woken cycle is scheduled and has not started: more wakes change nothing. */
  private wakePending = false;
  readonly stats: LoopStats = { cycles: 0, lastCycleMs: 0, maxCycleMs: 0, phaseErrors: 0, earlyCycles: 0 };

  constructor(
    private readonly host: Host,
    private config: AgentConfig,
    private readonly log: Log,
    private readonly phases: readonly LoopPhase[] = [],
    /** Told how long each cycle took (the cycle-duration histogram). */
    private readonly onCycle: (ms: number) => void = () => {},
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Apply a new config (SIGHUP); takes effect from the next cycle. */
  reconfigure(config: AgentConfig): void {
    this.config = config;
    this.log.setLevel(config.logLevel);
  }

  /** Stop after the cycle in progress, if any, has finished. */
  async stop(): Promise<void> {
    this.running = false;
    this.host.timers.clear(this.timer);
    this.timer = undefined;
    if (this.inCycle) await this.inCycle;
  }

  /**
   * Run the next cycle now rather than at its time: something the cycle should see at
   * once happened (a mesh interface lost or regained its carrier). Never sooner than
   * MIN_EARLY_GAP_MS after the last cycle ended; during a cycle, that long after it.
   */
  wake(): void {
    if (!this.running || this.wakePending) return;
    if (this.inCycle) {
      this.wakeAfterCycle = true;
      return;
    }
    this.wakePending = true;
    this.host.timers.clear(this.timer);
    this.stats.earlyCycles++;
    this.schedule(Math.max(0, MIN_EARLY_GAP_MS - (this.host.clock.monotonicMs() - this.lastEndMs)));
  }

  private schedule(delayMs: number): void {
    this.timer = this.host.timers.setTimeout(() => {
      this.wakePending = false;
      this.inCycle = this.cycle().finally(() => {
        this.inCycle = null;
      });
    }, delayMs);
  }

  private async cycle(): Promise<void> {
    const clock = this.host.clock;
    const startedMs = clock.monotonicMs();
    const ctx: CycleContext = { cycle: this.stats.cycles + 1, startedMs, wakeBy: Number.POSITIVE_INFINITY };
    for (const phase of this.phases) {
      if (!this.running) break;
      try {
        await phase.run(ctx);
      } catch (e) {
        // A failing phase must not stop the loop: log it and go on with the next.
        this.stats.phaseErrors++;
        this.log.err(`cycle ${ctx.cycle}: ${phase.name} failed: ${(e as Error).message ?? e}`);
      }
    }
    const took = clock.monotonicMs() - startedMs;
    this.stats.cycles = ctx.cycle;
    this.stats.lastCycleMs = took;
    if (took > this.stats.maxCycleMs) this.stats.maxCycleMs = took;
    this.onCycle(took);
    this.lastEndMs = clock.monotonicMs();
    if (!this.running) return;
    const regular = Math.max(0, this.config.cycleMs - took);
    const early = this.wakeAfterCycle ? MIN_EARLY_GAP_MS : Math.max(MIN_EARLY_GAP_MS, ctx.wakeBy - clock.monotonicMs());
    this.wakeAfterCycle = false;
    if (early < regular) this.stats.earlyCycles++;
    this.schedule(Math.min(regular, early));
  }
}
