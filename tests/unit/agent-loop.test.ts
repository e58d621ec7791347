import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent, type LoopPhase, MIN_EARLY_GAP_MS } from '../../runtime/src/agent/agent.js';
import { DEFAULTS } from '../../runtime/src/config/settings.js';
import { getHost, type Host } from '../../runtime/src/host/index.js';
import { createLog } from '../../runtime/src/log.js';
import { waitFor } from '../support/tmp.js';

const t = suite('agent: main loop');

function quietHost(): { host: Host; lines: string[] } {
  const lines: string[] = [];
  const base = getHost();
  return { host: { ...base, logger: { log: (l, m) => void lines.push(`${l} ${m}`), openSyslog() {} } }, lines };
}

t('runs the phases in order, once per cycle', async () => {
  const { host } = quietHost();
  const order: string[] = [];
  const phases: LoopPhase[] = ['monitor', 'analyze', 'plan', 'execute'].map((name) => ({ name, run: () => void order.push(name) }));
  const agent = new Agent(host, { ...DEFAULTS, cycleMs: 100 }, createLog(host, 'err'), phases);
  agent.start();
  await waitFor(() => agent.stats.cycles >= 2, 3000, 'two cycles');
  await agent.stop();
  assert.equal(order.slice(0, 8), ['monitor', 'analyze', 'plan', 'execute', 'monitor', 'analyze', 'plan', 'execute']);
});

t('a failing phase is logged and the loop goes on', async () => {
  const { host, lines } = quietHost();
  let after = 0;
  const phases: LoopPhase[] = [
    { name: 'broken', run: () => { throw new Error('boom'); } },
    { name: 'next', run: () => void after++ },
  ];
  const agent = new Agent(host, { ...DEFAULTS, cycleMs: 100 }, createLog(host, 'info'), phases);
  agent.start();
  await waitFor(() => agent.stats.cycles >= 2, 3000, 'two cycles');
  await agent.stop();
  assert.ok(after >= 2);
  assert.ok(agent.stats.phaseErrors >= 2);
  assert.ok(lines.some((l) => l === 'err cycle 1: broken failed: boom'), lines.join('|'));
});

t('stop() waits for the cycle in progress and no cycle starts after it', async () => {
  const { host } = quietHost();
  let release: () => void = () => {};
  let started = 0;
  let finished = 0;
  const phases: LoopPhase[] = [
    {
      name: 'slow',
      run: () => {
        started++;
        return new Promise<void>((r) => {
          release = () => {
            finished++;
            r();
          };
        });
      },
    },
  ];
  const agent = new Agent(host, { ...DEFAULTS, cycleMs: 100 }, createLog(host, 'err'), phases);
  agent.start();
  await waitFor(() => started === 1);
  const stopped = agent.stop();
  let done = false;
  void stopped.then(() => {
    done = true;
  });
  await new Promise<void>((r) => host.timers.setTimeout(r, 30));
  assert.not.ok(done, 'stop returned while a cycle was running');
  release();
  await stopped;
  assert.is(finished, 1);
  await new Promise<void>((r) => host.timers.setTimeout(r, 250));
  assert.is(started, 1);
});

t('a phase can ask for the next cycle early, but never sooner than MIN_EARLY_GAP_MS after the last', async () => {
  const { host } = quietHost();
  const starts: number[] = [];
  // A 5 s cycle whose phase asks for the next one at once, every time.
  const phases: LoopPhase[] = [{ name: 'hurry', run: (ctx) => {
    starts.push(ctx.startedMs);
    ctx.wakeBy = ctx.startedMs;
  } }];
  const agent = new Agent(host, { ...DEFAULTS, cycleMs: 5000 }, createLog(host, 'err'), phases);
  agent.start();
  await waitFor(() => agent.stats.cycles >= 3, 3000, 'three cycles long before 10 s');
  await agent.stop();
  assert.ok(agent.stats.earlyCycles >= 2, `${agent.stats.earlyCycles} early cycles`);
  for (let i = 1; i < starts.length; i++) assert.ok((starts[i] ?? 0) - (starts[i - 1] ?? 0) >= MIN_EARLY_GAP_MS - 2, `gap ${(starts[i] ?? 0) - (starts[i - 1] ?? 0)} ms`);
});

t('wake() starts the next cycle at once instead of at its time, never sooner than MIN_EARLY_GAP_MS after the last', async () => {
  const { host } = quietHost();
  const starts: number[] = [];
  let hold: (() => void) | null = null;
  const phases: LoopPhase[] = [{ name: 'watch', run: (ctx) => {
    starts.push(ctx.startedMs);
    // The third cycle waits to be released, so that a wake can come during it.
    if (starts.length === 3) return new Promise<void>((r) => { hold = r; });
  } }];
  const agent = new Agent(host, { ...DEFAULTS, cycleMs: 5000 }, createLog(host, 'err'), phases);
  agent.wake(); // not running: nothing
  agent.start();
  await waitFor(() => starts.length === 1, 3000, 'the first cycle');
  agent.wake();
  agent.wake(); // a second event before the woken cycle: the same cycle
  await waitFor(() => starts.length === 2, 1000, 'a woken cycle long before the 5 s cycle');
  // Timers may fire a few ms early; the gap is counted from the cycle's end, after its start.
  assert.ok((starts[1] ?? 0) - (starts[0] ?? 0) >= MIN_EARLY_GAP_MS - 10, `woken ${(starts[1] ?? 0) - (starts[0] ?? 0)} ms after the first cycle started`);
  await new Promise<void>((r) => host.timers.setTimeout(r, MIN_EARLY_GAP_MS + 20));
  agent.wake();
  await waitFor(() => hold !== null, 1000, 'the third cycle, woken');
  agent.wake(); // during the cycle: the next one follows it
  const released = host.clock.monotonicMs();
  (hold as unknown as () => void)();
  await waitFor(() => starts.length === 4, 1000, 'the cycle after the one woken during');
  assert.ok((starts[3] ?? 0) - released >= MIN_EARLY_GAP_MS - 10, `${(starts[3] ?? 0) - released} ms after the woken-during cycle ended`);
  await agent.stop();
  assert.is(agent.stats.earlyCycles, 3);
});

t.run();
