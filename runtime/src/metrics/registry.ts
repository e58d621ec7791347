/**
 * A small metrics registry rendering the Prometheus text exposition format 0.0.4:
 * counters, gauges and histograms with labels; HELP and TYPE once per family; label
 * values escaped (backslash, quote, newline); histogram buckets cumulative with +Inf,
 * _sum and _count. Collectors registered with `onCollect` run before each render, so
 * state-derived gauges (neighbours, interfaces) are fresh and vanished series go away.
 */

export type Labels = Readonly<Record<string, string>>;
export type MetricType = 'counter' | 'gauge' | 'histogram';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value as Prometheus writes it (Go's strconv 'g'-like output is not required). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function labelText(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts: string[] = [];
  names.forEach((n, i) => {
    parts.push(`${n}="${escapeLabelValue(values[i] ?? '')}"`);
  });
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

abstract class Family {
  abstract readonly type: MetricType;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`metrics: invalid name ${name}`);
    for (const l of labelNames) if (!LABEL_NAME.test(l) || l.startsWith('__') || l === 'le') throw new Error(`metrics: invalid label ${l} on ${name}`);
  }

  protected key(labels: Labels): string[] {
    const values = this.labelNames.map((n) => {
      const v = labels[n];
      if (v === undefined) throw new Error(`metrics: ${this.name} needs label ${n}`);
      return v;
    });
    if (Object.keys(labels).length !== this.labelNames.length) throw new Error(`metrics: ${this.name} takes labels ${this.labelNames.join(',')}`);
    return values;
  }

  abstract samples(out: string[]): void;
  abstract reset(): void;

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`);
    this.samples(out);
  }
}

class Scalar extends Family {
  private readonly series = new Map<string, { values: string[]; v: number }>();
  constructor(
    readonly type: 'counter' | 'gauge',
    name: string,
    help: string,
    labelNames: readonly string[],
  ) {
    super(name, help, labelNames);
  }

  private entry(labels: Labels): { values: string[]; v: number } {
    const values = this.key(labels);
    const k = values.join('\u0000');
    let e = this.series.get(k);
    if (!e) this.series.set(k, (e = { values, v: 0 }));
    return e;
  }

  set(labels: Labels, v: number): void {
    this.entry(labels).v = v;
  }

  inc(labels: Labels = {}, by = 1): void {
    if (this.type === 'counter' && !(by >= 0)) throw new Error(`metrics: counter ${this.name} cannot decrease`);
    this.entry(labels).v += by;
  }

  get(labels: Labels = {}): number {
    return this.series.get(this.key(labels).join('\u0000'))?.v ?? 0;
  }

  reset(): void {
    this.series.clear();
  }

  samples(out: string[]): void {
    for (const e of this.series.values()) out.push(`${this.name}${labelText(this.labelNames, e.values)} ${formatValue(e.v)}`);
  }
}

export class Counter extends Scalar {}
export class Gauge extends Scalar {}

export class Histogram extends Family {
  readonly type = 'histogram';
  private readonly series = new Map<string, { values: string[]; counts: number[]; sum: number; count: number }>();
  readonly buckets: readonly number[];

  constructor(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []) {
    super(name, help, labelNames);
    const sorted = [...buckets].filter((b) => Number.isFinite(b)).sort((a, b) => a - b);
    if (sorted.length === 0 || sorted.some((b, i) => i > 0 && b === sorted[i - 1])) throw new Error(`metrics: ${name} needs distinct finite buckets`);
    this.buckets = sorted;
  }

  observe(value: number, labels: Labels = {}): void {
    const values = this.key(labels);
    const k = values.join('\u0000');
    let e = this.series.get(k);
    if (!e) this.series.set(k, (e = { values, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    // Non-cumulative per bucket; rendering accumulates.
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) e.counts[i]!++;
    e.sum += value;
    e.count++;
  }

  reset(): void {
    this.series.clear();
  }

  samples(out: string[]): void {
    for (const e of this.series.values()) {
      let acc = 0;
      this.buckets.forEach((b, i) => {
        acc += e.counts[i]!;
        out.push(`${this.name}_bucket${labelText(this.labelNames, e.values, ['le', formatValue(b)])} ${acc}`);
      });
      out.push(`${this.name}_bucket${labelText(this.labelNames, e.values, ['le', '+Inf'])} ${e.count}`);
      out.push(`${this.name}_sum${labelText(this.labelNames, e.values)} ${formatValue(e.sum)}`);
      out.push(`${this.name}_count${labelText(this.labelNames, e.values)} ${e.count}`);
    }
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class Registry {
  private readonly families = new Map<string, Family>();
  private readonly collectors: (() => void | Promise<void>)[] = [];

  private add<F extends Family>(f: F): F {
    const existing = this.families.get(f.name);
    if (existing) {
      if (existing.type !== f.type) throw new Error(`metrics: ${f.name} already registered as ${existing.type}`);
      return existing as F;
    }
    this.families.set(f.name, f);
    return f;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    if (!name.endsWith('_total')) throw new Error(`metrics: counter ${name} must end in _total`);
    return this.add(new Counter('counter', name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge('gauge', name, help, labelNames));
  }

  histogram(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []): Histogram {
    return this.add(new Histogram(name, help, buckets, labelNames));
  }

  /** Run before each render (refresh gauges from state). */
  onCollect(fn: () => void | Promise<void>): void {
    this.collectors.push(fn);
  }

  async render(): Promise<string> {
    for (const c of this.collectors) await c();
    const out: string[] = [];
    for (const f of this.families.values()) f.render(out);
    return `${out.join('\n')}\n`;
  }
}
