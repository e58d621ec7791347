/// <reference types="node" />
/**
 * Labelled data on disk: model/data/<run>.jsonl.gz, one Row per line, in the order the
 * agent recorded them (per node: cycle by cycle), so a replay through the scorer sees
 * each node's targets exactly as the agent did. model/data/runs.json says which run
 * is from which topology and what it is for (train / test).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type FaultInterval, type Row, type Timeline, withNodeProbeSummaries, withSilenceSeconds } from './labels.js';

export interface RunInfo {
  run: string;
  file: string;
  topology: string;
  /**
   * train: model:train learns from it; test: model:eval judges on it; reserve: a held-out
   * run kept unread for the next model change (neither command touches it until its role
   * is set to test).
   */
  role: 'train' | 'test' | 'reserve';
  scenario: string;
  nodes: number;
  seconds: number;
  rows: number;
  labels: Record<string, number>;
  /** The faults injected (s since the scenario started). */
  faults: FaultInterval[];
  /** Incidents the agents' rules opened (advise mode), for the rules' detection delay. */
  incidents: Timeline['incidents'];
  /** Lab links and each end's interface name. */
  links: { link: string; ifA: string; ifB: string }[];
  /**
   * The anomaly model every agent of the run said it loaded (its label), when they all ran
   * the same one (advise mode: its own incidents are in `incidents`, as link-anomaly and
   * node-anomaly); absent when they ran none or not all the same.
   */
  liveModel?: string;
  /** Features per link row: 22 (LINK_FEATURES_V2) from recording format 2 on; absent = 16 (format 1, no probes). */
  linkFeatures?: number;
}

/** The fewest link features among rows (0 when there are no link rows). */
export function rowLinkFeatures(rows: readonly Row[]): number {
  let n = Number.POSITIVE_INFINITY;
  for (const r of rows) if (r.target === 'link' && r.f.length < n) n = r.f.length;
  return Number.isFinite(n) ? n : 0;
}

export function writeRows(file: string, rows: readonly Row[]): void {
  const text = rows.map((r) => JSON.stringify(r)).join('\n');
  // mtime 0 in the gzip header: the same rows give the same bytes.
  writeFileSync(file, gzipSync(Buffer.from(`${text}\n`), { level: 9 }));
}

export function readRows(file: string): Row[] {
  const text = gunzipSync(readFileSync(file)).toString('utf8');
  const out: Row[] = [];
  for (const line of text.split('\n')) if (line !== '') out.push(JSON.parse(line) as Row);
  return withNodeProbeSummaries(out);
}

/** A run's rows in the feature sets the model is trained on (selection.ts MODEL_SETS, v3): recordings hold v2. */
export function readModelRows(file: string): Row[] {
  return withSilenceSeconds(readRows(file));
}

export function countLabels(rows: readonly Row[], target: 'link' | 'node'): Record<string, number> {
  const c: Record<string, number> = {};
  for (const r of rows) if (r.target === target) c[r.y] = (c[r.y] ?? 0) + 1;
  return c;
}
