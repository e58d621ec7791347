/**
 * The carrier watch: a link notification wakes the loop only when it changes a mesh
 * interface's "up with carrier" as the monitor last saw it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { carrierChanged, type LinkEventSource, watchCarrier } from '../../runtime/src/loop/carrier-watch.js';
import type { Link, LinkEvent } from '../../runtime/src/netlink/rtnl-link.js';
import { IF_NAME, meshSim } from '../support/model-fixture.js';

const t = suite('loop: carrier watch');

function link(name: string, state: { up?: boolean; carrier?: boolean | null; lowerUp?: boolean } = {}): Link {
  const carrier = state.carrier === undefined ? true : state.carrier;
  return {
    index: 7, name, hwType: 1, flags: 0, up: state.up ?? true, running: true, lowerUp: state.lowerUp ?? carrier === true,
    operstate: 'up', carrier, carrierChanges: 0, mtu: 1500, master: 100, kind: 'veth', slaveKind: 'batadv', address: null, stats: null,
  };
}

t('only a change of a known hard interface\'s "up with carrier" counts', () => {
  const sim = meshSim(1);
  const view = sim.step();
  assert.is(carrierChanged(view, 'new', link(IF_NAME)), false, 'up with carrier, as seen: a statistics update');
  assert.is(carrierChanged(view, 'new', link(IF_NAME, { carrier: false })), true, 'carrier lost');
  assert.is(carrierChanged(view, 'new', link(IF_NAME, { up: false })), true, 'set down');
  assert.is(carrierChanged(view, 'del', link(IF_NAME)), true, 'removed');
  assert.is(carrierChanged(view, 'new', link(IF_NAME, { carrier: null, lowerUp: false })), true, 'no IFLA_CARRIER: the lower-up flag says');
  assert.is(carrierChanged(view, 'new', link('eth9', { carrier: false })), false, 'not a mesh interface');
  sim.carrier = false;
  const down = sim.step();
  assert.is(carrierChanged(down, 'new', link(IF_NAME, { carrier: false })), false, 'already seen down');
  assert.is(carrierChanged(down, 'new', link(IF_NAME)), true, 'carrier back');
});

t('watchCarrier wakes once per notification that changes something, and passes errors on', () => {
  const sim = meshSim(2);
  let view = sim.step();
  let deliver: (e: LinkEvent) => void = () => {};
  let fail: ((m: string) => void) | undefined;
  const source: LinkEventSource = {
    watchLinks(onEvent, onError) {
      deliver = onEvent;
      fail = onError;
    },
  };
  let wakes = 0;
  const errors: string[] = [];
  watchCarrier(source, () => view, () => void wakes++, (m) => errors.push(m));
  deliver({ action: 'new', link: link(IF_NAME) });
  assert.is(wakes, 0);
  deliver({ action: 'new', link: link(IF_NAME, { carrier: false }) });
  assert.is(wakes, 1);
  sim.carrier = false;
  view = sim.step();
  deliver({ action: 'new', link: link(IF_NAME, { carrier: false }) });
  assert.is(wakes, 1, 'the monitor saw it meanwhile');
  fail?.('truncated RTM_NEWLINK');
  assert.equal(errors, ['truncated RTM_NEWLINK']);
});

t.run();
