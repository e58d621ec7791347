import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseUci } from '../../runtime/src/config/uci.js';
import { LOOP_DEFAULTS, LOOP_SETTINGS, loopConfigFrom } from '../../runtime/src/loop/settings.js';

const t = suite('loop: settings');

function sections(text: string) {
  const r = parseUci(text);
  if (!r.ok) throw new Error(r.error);
  return r.value.sections;
}

t('every setting has a unique key and option, a default and help', () => {
  assert.is(new Set(LOOP_SETTINGS.map((s) => s.key)).size, LOOP_SETTINGS.length);
  assert.is(new Set(LOOP_SETTINGS.map((s) => s.option)).size, LOOP_SETTINGS.length);
  for (const s of LOOP_SETTINGS) {
    assert.ok(s.field in LOOP_DEFAULTS, s.field);
    assert.ok(s.help.length > 10, s.key);
  }
});

t('UCI options, lists and command-line overrides; defaults elsewhere', () => {
  const text = [
    "config agent 'agent'",
    "\toption mode 'advise'",
    "\toption flap_changes '8'",
    "\tlist exclude_interface 'wan'",
    "\tlist exclude_interface 'lan0'",
    "\toption isolated_hook 'uci set wireless.client.ssid=offline; wifi reload'",
    "\toption uplink_probe 'tcp'",
    "\toption uplink_target '192.0.2.1:443'",
  ].join('\n');
  const r = loopConfigFrom(sections(text), new Map([['cooldown-ms', '5000'], ['exclude-interface', 'wl0,wl1']]));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.value.mode, 'advise');
  assert.is(r.value.flapChangesPerWindow, 8);
  assert.equal(r.value.excludeInterfaces, ['wl0', 'wl1'], 'the command line wins');
  assert.is(r.value.isolatedHook, 'uci set wireless.client.ssid=offline; wifi reload');
  assert.is(r.value.cooldownMs, 5000);
  assert.is(r.value.budgetPer10Min, LOOP_DEFAULTS.budgetPer10Min);
  const fromFile = loopConfigFrom(sections(text));
  assert.ok(fromFile.ok && fromFile.value.excludeInterfaces.join() === 'wan,lan0');
});

t('an invalid value names its key and line', () => {
  const r = loopConfigFrom(sections("config agent\n\toption mode 'auto'\n\toption action_budget 'lots'\n"));
  assert.equal(r, { ok: false, error: "action_budget: 'lots' is not an integer", line: 3 });
  const e = loopConfigFrom(sections("config agent\n\tlist exclude_interface 'no/slash'\n"));
  assert.is(e.ok, false);
  const o = loopConfigFrom([], new Map([['mode', 'yolo']]));
  assert.equal(o, { ok: false, error: "--mode: 'yolo' is not one of auto, advise, off", line: 0 });
});

t.run();
