/**
 * A fixed-capacity ring of numbers: the newest `capacity` samples of a series.
 * Memory is allocated once; pushing past capacity overwrites the oldest sample.
 */
export class NumberRing {
  private readonly data: Float64Array;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.data = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    const end = (this.start + this.count) % this.capacity;
    this.data[end] = value;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The i-th sample from the oldest (0) to the newest (length - 1); NaN outside. */
  at(i: number): number {
    if (i < 0 || i >= this.count) return Number.NaN;
    return this.data[(this.start + i) % this.capacity] as number;
  }

  /** The newest sample, or NaN when empty. */
  last(): number {
    return this.at(this.count - 1);
  }

  /** The sample `back` steps before the newest (0 = newest). */
  fromEnd(back: number): number {
    return this.at(this.count - 1 - back);
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }

  toArray(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i));
    return out;
  }
}
