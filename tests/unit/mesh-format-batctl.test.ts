// Rows exactly as batctl 2023.0 printed them in the lab (batman-adv 2022.3, Linux 6.1,
// tests/lab/tests.ts "our client vs batctl"), with our formatter fed the same values.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { gatewayRow, neighborRow, originatorRow } from '../../runtime/src/mesh/format.js';

const t = suite('mesh format vs batctl (lab rows)');

t('BATMAN_V originator: two spaces between the throughput and the next hop', () => {
  const row = originatorRow({ originator: '02:00:00:00:00:02', neighbor: '02:01:00:02:00:02', ifindex: 5, ifname: 'mesh2', lastSeenMs: 288, best: true, tq: null, throughputKbit: 10_000_000 });
  assert.is(row, ' * 02:00:00:00:00:02    0.288s (    10000.0)  02:01:00:02:00:02 [     mesh2]');
  const other = originatorRow({ originator: '02:00:00:00:00:02', neighbor: '02:01:00:00:00:03', ifindex: 3, ifname: 'mesh0', lastSeenMs: 288, best: false, tq: null, throughputKbit: 8_823_500 });
  assert.is(other, '   02:00:00:00:00:02    0.288s (     8823.5)  02:01:00:00:00:03 [     mesh0]');
});

t('BATMAN_IV originator: TQ right-aligned after three spaces, one space before the next hop', () => {
  const row = originatorRow({ originator: '02:00:00:00:00:00', neighbor: '02:02:00:09:00:04', ifindex: 7, ifname: 'mesh9', lastSeenMs: 1560, best: false, tq: 29, throughputKbit: null });
  assert.is(row, '   02:00:00:00:00:00    1.560s   ( 29) 02:02:00:09:00:04 [     mesh9]');
});

t('neighbours and gateways', () => {
  assert.is(neighborRow({ neighbor: '02:01:00:00:00:03', ifindex: 3, ifname: 'mesh0', lastSeenMs: 80, throughputKbit: null }), '        mesh0\t  02:01:00:00:00:03    0.080s');
  assert.is(
    gatewayRow({ originator: '02:00:00:00:00:04', router: '02:01:00:01:00:04', ifindex: 4, ifname: 'mesh1', best: true, tq: 240, throughputKbit: null, bandwidthDownKbit: 10_000, bandwidthUpKbit: 2_000 }),
    '* 02:00:00:00:00:04 (240) 02:01:00:01:00:04 [     mesh1]: 10.0/2.0 MBit',
  );
});

t.run();
