// Keep-alive clients that always have the next request ready must all be served.
// quickjs-libc's loop calls only the first ready handler, in registration order, each
// turn; before the server paused reading while it answered (and so re-registered each
// connection at the back of that list), the first connections took every turn and the
// last ones waited for seconds (tests/performance/http-load.mjs found it).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost, type StreamSocket } from '../../runtime/src/host/index.js';
import { HttpServer } from '../../runtime/src/http/server.js';
import { utf8Decode, utf8Encode } from '../../runtime/src/netlink/bytes.js';
import { waitFor } from '../support/tmp.js';

const t = suite('http: keep-alive connections are served in turn');

t('8 busy keep-alive clients: each gets a fair share of 800 answers', async () => {
  const host = getHost();
  const srv = await HttpServer.listen({ family: 'inet', host: '127.0.0.1', port: 0 }, () => ({ status: 200, body: 'ok\n' }), { maxRequestsPerConnection: 100_000 });
  const port = srv.address.family === 'inet' ? srv.address.port : 0;
  const n = 8;
  const total = 800;
  const answered = new Array<number>(n).fill(0);
  const socks: StreamSocket[] = [];
  let all = 0;
  const request = utf8Encode('GET /x HTTP/1.1\r\nHost: h\r\n\r\n');
  try {
    for (let i = 0; i < n; i++) {
      const s = await host.net.connect({ family: 'inet', host: '127.0.0.1', port });
      socks.push(s);
      let text = '';
      s.onData((c) => {
        text += utf8Decode(c);
        // Each answer is a head and "ok\n"; send the next request at once.
        for (let end = text.indexOf('\r\n\r\n'); end >= 0 && text.length >= end + 7; end = text.indexOf('\r\n\r\n')) {
          text = text.slice(end + 7);
          answered[i] = (answered[i] ?? 0) + 1;
          if (++all < total) s.write(request);
        }
      });
      s.onClose(() => {});
    }
    for (const s of socks) s.write(request);
    await waitFor(() => all >= total, 20_000, `${total} answers (got ${all}: ${answered.join(' ')})`);
    // An even share is 100 each; starvation left some at 0-5.
    for (const [i, a] of answered.entries()) assert.ok(a >= total / n / 4, `client ${i} got ${a} of ${all}: ${answered.join(' ')}`);
  } finally {
    for (const s of socks) s.close(true);
    srv.close();
  }
});

t.run();
