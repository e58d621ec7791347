/**
 * tinybench extends the web's Event/EventTarget, which quickjs-ng does not have.
 * This minimal version exists for benchmarks only; the agent never uses them.
 */
type Listener = (e: unknown) => void;

class MinimalEvent {
  readonly type: string;
  constructor(type: string) {
    this.type = type;
  }
}

class MinimalEventTarget {
  private listeners = new Map<string, Set<Listener>>();
  addEventListener(type: string, fn: Listener): void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(fn);
  }
  removeEventListener(type: string, fn: Listener): void {
    this.listeners.get(type)?.delete(fn);
  }
  dispatchEvent(e: { type: string }): boolean {
    for (const fn of this.listeners.get(e.type) ?? []) fn(e);
    return true;
  }
}

const g = globalThis as Record<string, unknown>;
g.Event ??= MinimalEvent;
g.EventTarget ??= MinimalEventTarget;
