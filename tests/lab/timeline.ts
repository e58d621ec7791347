/// <reference types="node" />
// The lab's timeline: every guest event (faults, batman-adv samples and route changes,
// agent output) plus the lab's own records, on one clock: the guest's CLOCK_MONOTONIC,
// written as ms since the mesh setup began. Kept in memory (for waits and the summary)
// and appended to a JSONL file with node names instead of indices.
import { closeSync, openSync, writeSync } from "node:fs";
import type { Fault, GuestEvent, Plan } from "./protocol.js";

export type HostRec =
  | { type: "lab"; t: number; what: string; [k: string]: unknown }
  | { type: "converged"; t: number; ms: number; complete: boolean }
  | { type: "wait"; t: number; until: string; ok: boolean; ms: number };
export type Rec = GuestEvent | HostRec;

export interface Route {
  via: number | null;
  link: number | null;
}

export class Timeline {
  readonly recs: Rec[] = [];
  readonly routes = new Map<number, Map<number, Route>>();
  /** Links currently failed by faults, and crashed nodes (for waits and the summary). */
  readonly crashed = new Set<number>();
  lastT = 0;
  private fd: number | null;
  private listeners: ((r: Rec) => void)[] = [];

  constructor(
    readonly plan: Plan,
    readonly t0: number,
    file: string | null,
  ) {
    this.fd = file ? openSync(file, "w") : null;
    for (const n of plan.nodes) this.routes.set(n.idx, new Map());
  }

  onRecord(fn: (r: Rec) => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((f) => f !== fn);
    };
  }

  /** Adds a guest event (absolute guest time) to the timeline. */
  guest(ev: GuestEvent): void {
    const r = { ...ev, t: round(ev.t - this.t0) } as GuestEvent;
    if (r.type === "fault" && "tEnd" in r) (r as { tEnd: number }).tEnd = round(r.tEnd - this.t0);
    if (r.type === "route") {
      const m = this.routes.get(r.node);
      if (m) {
        if (r.via === null) m.delete(r.orig);
        else m.set(r.orig, { via: r.via, link: r.link });
      }
    }
    if (r.type === "fault") {
      if (r.fault.do === "node_crash") this.crashed.add(r.fault.node);
      if (r.fault.do === "node_restore") this.crashed.delete(r.fault.node);
    }
    this.add(r);
  }

  host(r: HostRec): void {
    this.add(r);
  }

  private add(r: Rec): void {
    this.recs.push(r);
    if (r.t > this.lastT) this.lastT = r.t;
    if (this.fd !== null) writeSync(this.fd, `${JSON.stringify(this.named(r))}\n`);
    for (const fn of this.listeners) fn(r);
  }

  /** Every non-crashed node has a route to every other non-crashed node. */
  converged(): boolean {
    const alive = this.plan.nodes.filter((n) => !this.crashed.has(n.idx));
    for (const n of alive) {
      const m = this.routes.get(n.idx);
      if (!m) return false;
      for (const o of alive) if (o.idx !== n.idx && !m.has(o.idx)) return false;
    }
    return true;
  }

  name(i: number | null | undefined): string | null {
    if (i === null || i === undefined) return null;
    return this.plan.nodes[i]?.name ?? `#${i}`;
  }
  linkName(l: number | null | undefined): string | null {
    if (l === null || l === undefined) return null;
    const s = this.plan.links[l];
    return s ? `${this.name(s.a)}~${this.name(s.b)}` : `#${l}`;
  }

  /** The record as written to the JSONL file: node and link names instead of indices. */
  named(r: Rec): Record<string, unknown> {
    const o: Record<string, unknown> = { ...r };
    for (const k of ["node", "orig", "via", "prev", "peer", "gw"] as const) {
      if (k in o && (typeof o[k] === "number" || o[k] === null)) o[k] = this.name(o[k] as number | null);
    }
    for (const k of ["link", "prevLink"] as const) {
      if (k in o && (typeof o[k] === "number" || o[k] === null)) o[k] = this.linkName(o[k] as number | null);
    }
    if (r.type === "fault") o.fault = this.namedFault(r.fault);
    if (r.type === "sample") o.origs = Object.fromEntries(r.origs.map((c, i) => [this.name(i), c]));
    if (r.type === "batadv") o.node = this.name(r.node);
    return o;
  }
  namedFault(f: Fault): Record<string, unknown> {
    const o: Record<string, unknown> = { ...f };
    if ("link" in f) o.link = this.linkName(f.link);
    if ("node" in f) o.node = this.name(f.node);
    return o;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
