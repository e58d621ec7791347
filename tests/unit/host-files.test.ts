import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost, isHostError } from '../../runtime/src/host/index.js';
import { removeTree, tempDir } from '../support/tmp.js';

const t = suite('host: files');
let dir = '';
t.before(() => {
  dir = tempDir('files');
});
t.after(() => removeTree(dir));

t('atomic write replaces the whole file and leaves no temporary behind', () => {
  const f = getHost().files;
  const p = `${dir}/state.json`;
  f.writeAtomic(p, '{"v":1}');
  f.writeAtomic(p, new TextEncoder().encode('{"v":2}'));
  assert.is(f.readText(p), '{"v":2}');
  assert.equal(f.readdir(dir).filter((n) => n.startsWith('state.json')), ['state.json']);
});

t('atomic write sets the requested mode regardless of umask', () => {
  const f = getHost().files;
  const p = `${dir}/key.pem`;
  f.writeAtomic(p, 'secret', 0o600);
  assert.is(f.stat(p)?.mode, 0o600);
});

t('bytes and UTF-8 text round-trip', () => {
  const f = getHost().files;
  const p = `${dir}/bin`;
  const bytes = new Uint8Array([0, 255, 1, 128, 10]);
  f.writeAtomic(p, bytes);
  assert.equal(Array.from(f.readBytes(p)), Array.from(bytes));
  f.writeAtomic(p, 'Grüße, мир ✓');
  assert.is(f.readText(p), 'Grüße, мир ✓');
});

t('reads are bounded: a file over the limit is an error, not a huge buffer', () => {
  const f = getHost().files;
  const p = `${dir}/big`;
  f.writeAtomic(p, new Uint8Array(5000));
  assert.is(f.readBytes(p, 5000).length, 5000);
  try {
    f.readBytes(p, 4999);
    assert.unreachable('should refuse');
  } catch (e) {
    assert.ok(isHostError(e));
    if (isHostError(e)) assert.is(e.code, 'EFBIG');
  }
});

t('a missing file is a HostError with ENOENT and a one-line message', () => {
  try {
    getHost().files.readText(`${dir}/nope`);
    assert.unreachable('should throw');
  } catch (e) {
    assert.ok(isHostError(e));
    if (!isHostError(e)) return;
    assert.is(e.code, 'ENOENT');
    assert.ok(e.errno > 0);
    assert.not.match(e.message, /\n/);
    assert.match(e.message, /nope/);
  }
});

t('append, stat, mkdirp, rename, remove', () => {
  const f = getHost().files;
  const j = `${dir}/a/b/journal`;
  f.mkdirp(`${dir}/a/b`);
  f.mkdirp(`${dir}/a/b`);
  f.append(j, 'one\n');
  f.append(j, 'two\n');
  assert.is(f.readText(j), 'one\ntwo\n');
  assert.is(f.stat(j)?.size, 8);
  assert.ok(f.stat(`${dir}/a`)?.isDirectory);
  f.rename(j, `${dir}/a/b/moved`);
  assert.is(f.stat(j), null);
  f.remove(`${dir}/a/b/moved`);
  f.remove(`${dir}/a/b/moved`);
  assert.equal(f.readdir(`${dir}/a/b`), []);
});

t.run();
