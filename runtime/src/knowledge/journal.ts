/**
 * The journal's line format: `CRC32HEX SP JSON LF`, the CRC over the JSON's UTF-8
 * bytes. A line without its LF (torn by a crash mid-append) or whose checksum does
 * not match is dropped on reading, never trusted; everything before it is kept.
 */
import { crc32Hex } from './crc32.js';

export interface JournalRecord {
  /** Sequence number; a snapshot covers every record up to its own seq. */
  s: number;
  /** i: incident, a: audit record, b: baselines. */
  t: 'i' | 'a' | 'b';
  v: unknown;
}

export interface JournalRead {
  records: JournalRecord[];
  /** Complete lines that failed the checksum or the shape check. */
  corrupt: number;
  /** Bytes after the last LF (a torn final append). */
  tornBytes: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJournalLine(record: JournalRecord): Uint8Array {
  const json = JSON.stringify(record);
  return encoder.encode(`${crc32Hex(encoder.encode(json))} ${json}\n`);
}

function isRecord(x: unknown): x is JournalRecord {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as JournalRecord;
  return Number.isSafeInteger(r.s) && (r.t === 'i' || r.t === 'a' || r.t === 'b') && 'v' in r;
}

export function readJournal(bytes: Uint8Array): JournalRead {
  const out: JournalRead = { records: [], corrupt: 0, tornBytes: 0 };
  let start = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(10, start);
    if (end < 0) {
      out.tornBytes = bytes.length - start;
      break;
    }
    const line = bytes.subarray(start, end);
    start = end + 1;
    if (line.length === 0) continue;
    if (line.length < 10 || line[8] !== 32) {
      out.corrupt++;
      continue;
    }
    const sum = decoder.decode(line.subarray(0, 8));
    const body = line.subarray(9);
    if (crc32Hex(body) !== sum) {
      out.corrupt++;
      continue;
    }
    try {
      const parsed: unknown = JSON.parse(decoder.decode(body));
      if (isRecord(parsed)) out.records.push(parsed);
      else out.corrupt++;
    } catch {
      out.corrupt++;
    }
  }
  return out;
}
