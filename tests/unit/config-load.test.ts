import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../runtime/src/config/load.js';
import { DEFAULTS } from '../../runtime/src/config/settings.js';
import { getHost } from '../../runtime/src/host/index.js';
import { removeTree, tempDir } from '../support/tmp.js';

const t = suite('config: effective configuration');
let dir = '';
t.before(() => {
  dir = tempDir('config');
});
t.after(() => removeTree(dir));

function write(name: string, text: string): string {
  const p = `${dir}/${name}`;
  getHost().files.writeAtomic(p, text);
  return p;
}

t('file values override defaults, options override the file', () => {
  const path = write('ok', "config agent 'main'\n\toption cycle_ms '500'\n\toption log_level 'debug'\n\toption future_key 'x'\n");
  const r = loadConfig(getHost(), { path, overrides: new Map([['cycle-ms', '2000']]) });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.value.cycleMs, 2000);
  assert.is(r.value.logLevel, 'debug');
  assert.is(r.value.stateDir, DEFAULTS.stateDir);
  assert.is(r.source, path);
});

t('an invalid value names the file, the line and the key', () => {
  const path = write('bad', "config agent\n\toption syslog 'maybe'\n");
  const r = loadConfig(getHost(), { path, overrides: new Map() });
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.error, `${path}:2: syslog: 'maybe' is not a boolean (0/1)`);
});

t('a syntax error keeps its line number', () => {
  const path = write('syntax', "config agent\n\n\toption cycle_ms '100\n");
  const r = loadConfig(getHost(), { path, overrides: new Map() });
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.error, `${path}:3: unterminated single quote`);
});

t('a bad command-line value names the option', () => {
  const r = loadConfig(getHost(), { path: write('empty', ''), overrides: new Map([['cycle-ms', '5']]) });
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.error, '--cycle-ms: 5 outside 100..600000');
});

t('an explicit config file that is missing is an error', () => {
  const r = loadConfig(getHost(), { path: `${dir}/missing`, overrides: new Map() });
  assert.not.ok(r.ok);
  if (!r.ok) assert.match(r.error, /No such file or directory|ENOENT/);
});

t.run();
