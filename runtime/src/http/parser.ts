/**
 * HTTP/1.1 request heads (RFC 9112), bounded: request line, header bytes and header
 * count each have a limit; bodies only with Content-Length (no chunked uploads).
 * Pure functions over a byte buffer that answer "incomplete", an error with the
 * status to send, or the parsed head.
 */
import { utf8Decode } from '../netlink/bytes.js';

export interface HttpLimits {
  maxRequestLine: number;
  /** Bytes of all header lines together. */
  maxHeaderBytes: number;
  maxHeaders: number;
  maxBody: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = { maxRequestLine: 8192, maxHeaderBytes: 16384, maxHeaders: 100, maxBody: 65536 };

export interface RequestHead {
  method: string;
  /** The request target as sent. */
  target: string;
  /** Path, percent-decoded, without the query. */
  path: string;
  query: Map<string, string>;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
  /** Lower-case names; repeated headers joined with ", " (Content-Length must agree). */
  headers: Map<string, string>;
  contentLength: number;
  keepAlive: boolean;
}

export type HeadResult =
  | { state: 'incomplete' }
  | { state: 'error'; status: number; message: string }
  | { state: 'ok'; head: RequestHead; headLength: number };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function findHeadEnd(buf: Uint8Array, from: number): number {
  for (let i = Math.max(0, from); i + 3 < buf.length; i++) {
    if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i;
  }
  return -1;
}

function lineEnd(buf: Uint8Array, limit: number): number {
  const n = Math.min(buf.length, limit + 2);
  for (let i = 0; i + 1 < n; i++) if (buf[i] === 13 && buf[i + 1] === 10) return i;
  return -1;
}

function decodeComponent(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

export function parseQuery(q: string): Map<string, string> | null {
  const out = new Map<string, string>();
  if (q === '') return out;
  for (const part of q.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = decodeComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    const v = decodeComponent((eq < 0 ? '' : part.slice(eq + 1)).replace(/\+/g, ' '));
    if (k === null || v === null) return null;
    out.set(k, v);
  }
  return out;
}

const err = (status: number, message: string): HeadResult => ({ state: 'error', status, message });

/** Parse the head at the start of `buf` (bytes before it were earlier requests). */
export function parseRequestHead(buf: Uint8Array, limits: HttpLimits = DEFAULT_HTTP_LIMITS): HeadResult {
  // Tolerate empty lines before a request (RFC 9112 §2.2).
  let skip = 0;
  while (skip + 1 < buf.length && buf[skip] === 13 && buf[skip + 1] === 10) skip += 2;
  const b = skip ? buf.subarray(skip) : buf;
  const le = lineEnd(b, limits.maxRequestLine);
  if (le < 0) return b.length > limits.maxRequestLine ? err(414, 'request line too long') : { state: 'incomplete' };
  const end = findHeadEnd(b, le - 2);
  if (end < 0) {
    return b.length - le > limits.maxHeaderBytes + 4 ? err(431, 'request headers too large') : { state: 'incomplete' };
  }
  if (end - le > limits.maxHeaderBytes + 2) return err(431, 'request headers too large');
  const line = utf8Decode(b, 0, le);
  const parts = line.split(' ');
  if (parts.length !== 3) return err(400, 'malformed request line');
  const [method, target, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) return err(400, 'malformed method');
  const vm = /^HTTP\/1\.([01])$/.exec(version);
  if (!vm) return /^HTTP\/\d\.\d$/.test(version) ? err(505, 'HTTP version not supported') : err(400, 'malformed HTTP version');
  const minor = Number(vm[1]);
  if (!target.startsWith('/') && !(method === 'OPTIONS' && target === '*')) return err(400, 'request target must be an absolute path');
  const headers = new Map<string, string>();
  let count = 0;
  let contentLength = -1;
  if (end > le) {
    const text = utf8Decode(b, le + 2, end);
    for (const raw of text.split('\r\n')) {
      if (++count > limits.maxHeaders) return err(431, `more than ${limits.maxHeaders} header fields`);
      const colon = raw.indexOf(':');
      if (colon <= 0) return err(400, 'malformed header field');
      const name = raw.slice(0, colon);
      if (!TOKEN.test(name)) return err(400, 'malformed header name (whitespace before the colon or obsolete line folding)');
      const value = raw.slice(colon + 1).trim();
      if (!FIELD_VALUE.test(value)) return err(400, 'control characters in a header value');
      const key = name.toLowerCase();
      if (key === 'content-length') {
        if (!/^\d{1,15}$/.test(value)) return err(400, 'malformed Content-Length');
        const n = Number(value);
        if (contentLength >= 0 && contentLength !== n) return err(400, 'conflicting Content-Length headers');
        contentLength = n;
      }
      const prev = headers.get(key);
      headers.set(key, prev === undefined ? value : `${prev}, ${value}`);
    }
  }
  if (minor === 1 && !headers.has('host')) return err(400, 'HTTP/1.1 request without Host');
  if (headers.has('transfer-encoding')) return err(411, 'chunked or encoded request bodies are not accepted; send Content-Length');
  if (contentLength > limits.maxBody) return err(413, `request body larger than ${limits.maxBody} bytes`);
  if (contentLength < 0 && (method === 'POST' || method === 'PUT' || method === 'PATCH')) return err(411, 'Content-Length required');
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const path = decodeComponent(rawPath);
  const query = parseQuery(q < 0 ? '' : target.slice(q + 1));
  if (path === null || query === null || path.includes('\0')) return err(400, 'malformed percent-encoding in the request target');
  const conn = (headers.get('connection') ?? '').toLowerCase().split(',').map((s) => s.trim());
  const keepAlive = minor === 1 ? !conn.includes('close') : conn.includes('keep-alive');
  return { state: 'ok', head: { method, target, path, query, minor, headers, contentLength: Math.max(0, contentLength), keepAlive }, headLength: skip + end + 4 };
}

export const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 204: 'No Content', 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 411: 'Length Required',
  413: 'Content Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 429: 'Too Many Requests',
  431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};
