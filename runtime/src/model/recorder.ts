/**
 * The feature recorder: once per cycle, the model's feature vectors of every link with
 * a metric in its window and of the node (exactly what the scorer would compute), one
 * JSON line per cycle, appended to a file that stops growing at a size cap. It makes
 * the training data (docs/model.md, "Data"); it is off unless `record_features` names
 * a file, and nothing else in the agent depends on it.
 *
 * A line (format 5; format 4 had no "dl", format 3 no "up", format 2 the 15 node features
 * of v1, format 1 also the 16 link features of v1 only):
 *   {"v":5,"t":<monotonic ms>,"w":<wall ms>,"c":<cycle>,
 *    "node":[19 numbers] | null,
 *    "links":[{"k":"<if>/<mac>","if":"<if>","nb":"<mac>","live":true,"m":<raw metric or null>,"up":true,"dl":12.5,"f":[22 numbers]}]}
 * "up" is whether the link's hard interface is up with its carrier (null: the monitor does
 * not know the interface): no network input, but the evaluation replays the scorer's
 * interface-down test from it (docs/model.md, "A link whose interface is down"). "dl" is
 * how much later than its fastest the neighbour's timed probes arrive, in ms (null: not
 * measured): no network input either, the scorer's delay test (docs/model.md, "Delay").
 * "f" is LINK_FEATURES_V2 (v1's 16, then the 6 probe features), so a v1 model's input is its first 16;
 * "node" is NODE_FEATURES_V2 (v1's 15, then the 4 probe summaries).
 * Numbers are rounded to 4 decimals. "m" is the newest metric sample as batman-adv gave
 * it (TQ, or throughput in kbit/s), which the evaluation feeds to the EWMA rule.
 * Lines are buffered and appended every `flushCycles` cycles (one fsync each), so a
 * crash loses at most that many cycles; a torn last line is for the reader to skip.
 */
import type { Host } from '../host/index.js';
import type { MeshView } from '../loop/monitor.js';
import { LINK_FEATURES_V2, linkFeatures, linkInterfaceUp, linkProbeDelayMs, NODE_FEATURES_V2, nodeFeatures } from './features.js';

export const RECORD_FORMAT_VERSION = 5;

export interface RecorderOptions {
  path: string;
  /** The file never grows past this many bytes; recording stops there. */
  maxBytes: number;
  /** Cycles buffered between two appends. */
  flushCycles: number;
}

export type RecorderState = 'recording' | 'full' | 'failed';

const round4 = (x: number): number => (Number.isFinite(x) ? Math.round(x * 10_000) / 10_000 : 0);

function vector(a: Float64Array): number[] {
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = round4(a[i] as number);
  return out;
}

export class FeatureRecorder {
  private readonly link = new Float64Array(LINK_FEATURES_V2.features.length);
  private readonly node = new Float64Array(NODE_FEATURES_V2.features.length);
  private pending: string[] = [];
  private pendingBytes = 0;
  private size: number;
  state: RecorderState = 'recording';
  lastError = '';

  constructor(
    private readonly host: Host,
    readonly options: RecorderOptions,
  ) {
    // Appending to an earlier recording: its size counts against the cap.
    this.size = host.files.stat(options.path)?.size ?? 0;
    if (this.size >= options.maxBytes) this.state = 'full';
  }

  /** One cycle's line (not yet written). */
  line(view: MeshView, wallMs: number): string {
    const links: unknown[] = [];
    for (const l of view.links.values()) {
      if (!linkFeatures(l, view, this.link, LINK_FEATURES_V2)) continue;
      const m = l.metric.last();
      const dl = linkProbeDelayMs(l, view);
      links.push({ k: l.key, if: l.ifname, nb: l.neighbor, live: l.live, m: Number.isFinite(m) ? m : null, up: linkInterfaceUp(l, view), dl: dl === null ? null : Math.round(dl * 10) / 10, f: vector(this.link) });
    }
    const node = nodeFeatures(view, this.node, NODE_FEATURES_V2) ? vector(this.node) : null;
    return `${JSON.stringify({ v: RECORD_FORMAT_VERSION, t: round4(view.nowMono), w: Math.round(wallMs), c: view.cycles, node, links })}\n`;
  }

  /** Record this cycle; appends every flushCycles cycles. Never throws. */
  record(view: MeshView, wallMs: number): void {
    if (this.state !== 'recording') return;
    const text = this.line(view, wallMs);
    const bytes = utf8Length(text);
    if (this.size + this.pendingBytes + bytes > this.options.maxBytes) {
      this.flush();
      this.state = this.state === 'recording' ? 'full' : this.state;
      return;
    }
    this.pending.push(text);
    this.pendingBytes += bytes;
    if (this.pending.length >= this.options.flushCycles) this.flush();
  }

  /** Append what is buffered (also at shutdown). */
  flush(): void {
    if (this.pending.length === 0 || this.state === 'failed') return;
    const text = this.pending.join('');
    this.pending = [];
    try {
      this.host.files.append(this.options.path, text, 0o644);
      this.size += this.pendingBytes;
    } catch (e) {
      this.state = 'failed';
      this.lastError = e instanceof Error ? e.message : String(e);
    }
    this.pendingBytes = 0;
  }

  get bytesWritten(): number {
    return this.size;
  }
}

/** UTF-8 byte length of a string (keys and MACs are ASCII; interface names may not be). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
