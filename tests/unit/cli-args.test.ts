import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type OptionSpec, parseArgs } from '../../runtime/src/cli/args.js';

const specs: OptionSpec[] = [
  { name: 'help', short: 'h', value: false, help: '' },
  { name: 'state-dir', value: true, help: '' },
  { name: 'json', value: false, help: '' },
];
const t = suite('cli: argument parsing');

t('options before and after the command, both value spellings', () => {
  const r = parseArgs(['--state-dir', '/a', 'agent', '--json', '--state-dir=/b'], specs);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value.positionals, ['agent']);
  assert.is(r.value.options.get('state-dir'), '/b');
  assert.is(r.value.options.get('json'), true);
});

t('short flags and "--" ending options', () => {
  const r = parseArgs(['-h', '--', '--json'], specs);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.value.options.get('help'), true);
  assert.equal(r.value.positionals, ['--json']);
});

t('errors are values with a readable message', () => {
  const cases: [string[], string][] = [
    [['--nope'], "unknown option '--nope'"],
    [['-x'], "unknown option '-x'"],
    [['--state-dir'], "option '--state-dir' needs a value"],
    [['--json=1'], "option '--json' takes no value"],
  ];
  for (const [argv, msg] of cases) {
    const r = parseArgs(argv, specs);
    assert.not.ok(r.ok);
    if (!r.ok) assert.is(r.error, msg);
  }
});

t('bounded: too many or too long arguments are refused', () => {
  assert.not.ok(parseArgs(new Array(300).fill('x'), specs).ok);
  assert.not.ok(parseArgs(['x'.repeat(5000)], specs).ok);
});

t.run();
