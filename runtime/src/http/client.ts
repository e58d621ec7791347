/**
 * A minimal HTTP/1.1 client for the CLI talking to a local agent: one request per
 * connection (Connection: close), Content-Length bodies, bounded response size and
 * time. Not a general client: no redirects, no chunked responses; TLS through
 * `httpExchange` with a connection the caller opened (the peer channel).
 */
import { getHost, type SocketAddress, type StreamSocket } from '../host/index.js';

export interface HttpClientResponse {
  status: number;
  body: string;
}

export type HttpClientResult = { ok: true; value: HttpClientResponse } | { ok: false; error: string };

const MAX_RESPONSE = 4 << 20;

export function httpRequest(address: SocketAddress, method: 'GET' | 'POST', path: string, body?: string, timeoutMs = 10_000): Promise<HttpClientResult> {
  return httpExchange(() => getHost().net.connect(address), method, path, body, timeoutMs);
}

/**
 * One request on a connection that `open` makes (plain, or TLS whose peer the caller
 * has already checked: `open` may reject with the reason, which becomes the error).
 */
export function httpExchange(open: () => Promise<StreamSocket>, method: 'GET' | 'POST', path: string, body?: string, timeoutMs = 10_000): Promise<HttpClientResult> {
  const host = getHost();
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: HttpClientResult): void => {
      if (settled) return;
      settled = true;
      host.timers.clear(timer);
      resolve(r);
    };
    const timer = host.timers.setTimeout(() => done({ ok: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    open().then(
      (sock) => {
        const chunks: Uint8Array[] = [];
        let size = 0;
        sock.onData((c) => {
          size += c.length;
          if (size > MAX_RESPONSE) {
            sock.close(true);
            done({ ok: false, error: 'response too large' });
            return;
          }
          chunks.push(c);
        });
        sock.onClose((e) => {
          if (e) return done({ ok: false, error: e.message });
          const all = new Uint8Array(size);
          let off = 0;
          for (const c of chunks) {
            all.set(c, off);
            off += c.length;
          }
          done(parseResponse(new TextDecoder().decode(all)));
        });
        const payload = body ?? '';
        const bytes = new TextEncoder().encode(payload);
        const head = `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nUser-Agent: x0tta6bl4-cli\r\n${
          method === 'POST' ? `Content-Type: application/json\r\nContent-Length: ${bytes.length}\r\n` : ''
        }\r\n`;
        sock.write(new TextEncoder().encode(head));
        if (bytes.length) sock.write(bytes);
      },
      (e: Error) => done({ ok: false, error: e.message }),
    );
  });
}

export function parseResponse(text: string): HttpClientResult {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { ok: false, error: 'incomplete HTTP response' };
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!m) return { ok: false, error: 'not an HTTP response' };
  return { ok: true, value: { status: Number(m[1]), body: text.slice(end + 4) } };
}
