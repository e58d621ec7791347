import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';

const t = suite('host: processes');

t('runs a program and collects its output and status', async () => {
  const r = await getHost().processes.run(['sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.is(r.status, 3);
  assert.is(r.signal, null);
  assert.is(r.stdout, 'out\n');
  assert.is(r.stderr, 'err\n');
  assert.not.ok(r.timedOut);
});

t('kills a program that outlives its timeout', async () => {
  const r = await getHost().processes.run(['sleep', '5'], { timeoutMs: 100 });
  assert.ok(r.timedOut);
  assert.is(r.status, null);
  assert.is(r.signal, 'SIGKILL');
});

t('output is bounded', async () => {
  const r = await getHost().processes.run(['sh', '-c', 'head -c 100000 /dev/zero | tr "\\0" x'], { maxOutput: 1000 });
  assert.is(r.status, 0);
  assert.is(r.stdout.length, 1000);
});

t.run();
