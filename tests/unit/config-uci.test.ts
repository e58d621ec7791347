import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseUci } from '../../runtime/src/config/uci.js';

const t = suite('config: UCI parser');

t('sections, options, lists, quotes and comments', () => {
  const r = parseUci(
    [
      'package x0tta6bl4',
      '',
      "config agent 'main'   # the agent",
      "\toption state_dir '/tmp/x0tta6bl4'",
      '\toption label "say \\"hi\\""',
      '\toption bare word',
      "\tlist exclude 'wlan0'",
      '\tlist exclude "wlan1"',
      'config hook',
      "\toption mixed 'a b'\"c\"d",
    ].join('\n'),
  );
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.value.package, 'x0tta6bl4');
  assert.is(r.value.sections.length, 2);
  const [main, hook] = r.value.sections;
  assert.is(main?.type, 'agent');
  assert.is(main?.name, 'main');
  assert.is(main?.options.get('state_dir'), '/tmp/x0tta6bl4');
  assert.is(main?.options.get('label'), 'say "hi"');
  assert.is(main?.options.get('bare'), 'word');
  assert.equal(main?.lists.get('exclude'), ['wlan0', 'wlan1']);
  assert.is(main?.lines.get('state_dir'), 4);
  assert.is(hook?.name, null);
  assert.is(hook?.options.get('mixed'), 'a bcd');
});

t('errors carry the line number', () => {
  const cases: [string, number, string][] = [
    ["option x '1'", 1, "'option' outside a 'config' section"],
    ["config agent\n\toption x 'unterminated", 2, 'unterminated single quote'],
    ['config agent\n\toption', 2, "'option' takes a name and one value"],
    ['config agent\n\toption a b c', 2, "'option' takes a name and one value"],
    ['config agent\n\tfrobnicate a b', 2, "unknown keyword 'frobnicate' (expected config, option or list)"],
    ["config 'bad type'", 1, "invalid section type 'bad type'"],
    ["config agent\n\tlist a '1'\n\toption a '2'", 3, "'a' is already a list"],
  ];
  for (const [text, line, error] of cases) {
    const r = parseUci(text);
    assert.not.ok(r.ok, text);
    if (!r.ok) {
      assert.is(r.line, line, text);
      assert.is(r.error, error, text);
    }
  }
});

t('bounded: oversized input is refused, not parsed', () => {
  const r = parseUci('#'.repeat(300 * 1024));
  assert.not.ok(r.ok);
  const many = Array.from({ length: 600 }, (_, i) => `config s${i}`).join('\n');
  assert.not.ok(parseUci(many).ok);
});

t('an empty file is an empty config', () => {
  const r = parseUci('');
  assert.ok(r.ok);
  if (r.ok) assert.is(r.value.sections.length, 0);
});

t.run();
