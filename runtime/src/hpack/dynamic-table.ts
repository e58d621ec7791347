/**
 * The HPACK dynamic table (RFC 7541 §2.3.2, §4): newest entry first, evicted from the
 * oldest end so that the sum of entry sizes (name + value octets + 32) stays within the
 * current maximum.
 */
import type { Header } from './result.js';

export const ENTRY_OVERHEAD = 32;

export function entrySize(h: Header): number {
  return h[0].length + h[1].length + ENTRY_OVERHEAD;
}

export class DynamicTable {
  /** Oldest first, so adding is a push and evicting a shift from the front. */
  private entries: Header[] = [];
  private head = 0; // index of the oldest live entry in `entries`
  size = 0;

  constructor(public maxSize: number) {}

  get length(): number {
    return this.entries.length - this.head;
  }

  /** Entry `i` (0 = newest), or undefined. */
  get(i: number): Header | undefined {
    return i >= 0 && i < this.length ? this.entries[this.entries.length - 1 - i] : undefined;
  }

  add(h: Header): void {
    const s = entrySize(h);
    this.evictTo(this.maxSize - s);
    // An entry larger than the table empties it and is not added (§4.4).
    if (s <= this.maxSize) {
      this.entries.push(h);
      this.size += s;
    }
  }

  setMaxSize(n: number): void {
    this.maxSize = n;
    this.evictTo(n);
  }

  /** The newest entries' indexes (0 = newest) matching name+value and name, or -1. */
  find(name: string, value: string): { exact: number; name: number } {
    let byName = -1;
    for (let i = 0; i < this.length; i++) {
      const e = this.get(i) as Header;
      if (e[0] !== name) continue;
      if (e[1] === value) return { exact: i, name: i };
      if (byName < 0) byName = i;
    }
    return { exact: -1, name: byName };
  }

  private evictTo(limit: number): void {
    while (this.size > limit && this.length > 0) {
      this.size -= entrySize(this.entries[this.head] as Header);
      this.head++;
    }
    // Compact now and then so the array does not grow without end.
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
