/**
 * End to end against an independent server: Node's node:http2 (nghttp2 underneath) as a
 * gRPC server over TLS with ALPN h2 and client certificates, run as a child process
 * (tests/support/grpc-node-server.mjs). Our side: host TLS (mbedTLS on our binary,
 * node:tls on Node), our HTTP/2, HPACK, gRPC and protobuf. Unary, bidi streaming, a
 * failed status, and bodies larger than the flow-control windows both ways.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  bidiStreamingCall, type GrpcChannel, GrpcChannel as Channel, GrpcError, method, serverStreamingCall, unaryCall,
} from '../../runtime/src/grpc/index.js';
import { getHost } from '../../runtime/src/host/index.js';
import type { TlsOptions } from '../../runtime/src/host/types.js';
import { connectHttp2Tls } from '../../runtime/src/http2/index.js';
import { decodePem } from '../../runtime/src/identity/index.js';
import { message } from '../../runtime/src/protobuf/index.js';
import { type Pki, testPki } from '../support/identity-pki.js';
import { removeTree, tempDir, waitFor } from '../support/tmp.js';

const t = suite('grpc against node:http2');

interface Note {
  text: string;
  n: number;
}
const Note = message<Note>('Note', [
  { name: 'text', no: 1, type: 'string' },
  { name: 'n', no: 2, type: 'int32' },
]);
const svc = 'test.v1.Echo';
const Say = method(svc, 'Say', Note, Note);
const Chat = method(svc, 'Chat', Note, Note);
const Fail = method(svc, 'Fail', Note, Note);
const Big = method(svc, 'Big', Note, Note);
const Upload = method(svc, 'Upload', Note, Note);
const Quit = method(svc, 'Quit', Note, Note);
const Missing = method(svc, 'Missing', Note, Note);

function keyDer(pem: string): Uint8Array {
  const b = decodePem(pem);
  if (!b.ok || !b.value[0]) throw new Error('test key: not PEM');
  return b.value[0].der;
}

async function startServer(pki: Pki): Promise<{ dir: string; port: number; exited: Promise<unknown> }> {
  const host = getHost();
  const dir = tempDir('grpc');
  host.files.writeAtomic(`${dir}/server.pem`, pki.get('node1').pem + pki.get('intermediate').pem);
  host.files.writeAtomic(`${dir}/server.key`, pki.get('node1').keyPem);
  host.files.writeAtomic(`${dir}/ca.pem`, pki.get('root').pem);
  const exited = host.processes.run(['node', 'tests/support/grpc-node-server.mjs', dir], { timeoutMs: 40_000 });
  await waitFor(() => host.files.stat(`${dir}/port`) !== null, 10_000, 'the node:http2 server to listen');
  return { dir, port: Number(host.files.readText(`${dir}/port`)), exited };
}

t('unary, bidi, errors and large bodies against node:http2 over TLS', async () => {
  const pki = await testPki();
  const server = await startServer(pki);
  let channel: GrpcChannel | null = null;
  try {
    const tls: TlsOptions = { chain: [pki.get('direct').der], privateKey: keyDer(pki.get('direct').keyPem), trust: [pki.get('root').der] };
    const { connection, socket } = await connectHttp2Tls({ family: 'inet', host: '127.0.0.1', port: server.port }, tls);
    assert.is(socket.alpn, 'h2');
    channel = new Channel(connection, { authority: `127.0.0.1:${server.port}` });

    // Unary: the server saw our client certificate's SPIFFE ID.
    const r = await unaryCall(channel, Say, { text: 'hello', n: 41 }, { timeoutMs: 5000 });
    assert.equal(r, { text: 'echo:hello from spiffe://example.org/agent/direct', n: 42 });

    // Bidi: each answer read before the next request is sent (as SPIRE's AttestAgent goes).
    const chat = bidiStreamingCall(channel, Chat, { timeoutMs: 5000 });
    chat.send({ text: 'params', n: 1 });
    assert.equal(await chat.read(), { text: 'PARAMS', n: 2 });
    chat.send({ text: 'challenge response', n: 21 });
    assert.equal(await chat.read(), { text: 'CHALLENGE RESPONSE', n: 42 });
    chat.end();
    assert.is(await chat.read(), null);
    assert.is((await chat.status).codeName, 'OK');

    // A status other than OK, its message percent-decoded (the server used encodeURIComponent).
    const e = await unaryCall(channel, Fail, { text: '', n: 0 }).then(() => null, (err: unknown) => err);
    assert.instance(e, GrpcError);
    assert.is((e as GrpcError).codeName, 'FAILED_PRECONDITION');
    assert.is((e as GrpcError).details, 'not ready: ✓ 100%');

    // Trailers-Only: an unknown method.
    const m = await unaryCall(channel, Missing, { text: '', n: 0 }).then(() => null, (err: unknown) => err);
    assert.is((m as GrpcError).codeName, 'UNIMPLEMENTED');

    // 300 KB down (our window is 64 KiB: WINDOW_UPDATEs) and 200 KB up (the server's window).
    const big: Note[] = [];
    for await (const note of serverStreamingCall(channel, Big, { text: '', n: 0 })) big.push(note);
    assert.equal(big.map((b) => [b.n, b.text.length, b.text[0]]), [[1, 100_000, '1'], [2, 100_000, '2'], [3, 100_000, '3']]);
    const up = await unaryCall(channel, Upload, { text: 'u'.repeat(200_000), n: 0 });
    assert.is(up.n, 200_000);

    // Several calls at once on the one connection.
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => unaryCall(channel as GrpcChannel, Say, { text: `c${i}`, n: i })));
    assert.equal(many.map((x) => x.n), Array.from({ length: 20 }, (_, i) => i + 1));

    assert.is((await unaryCall(channel, Quit, { text: '', n: 0 })).text, 'bye');
  } finally {
    channel?.close();
    await server.exited;
    removeTree(server.dir);
  }
});

t.run();
