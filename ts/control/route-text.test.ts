// route-text: `ip route get` answers, the line and its parts as `ip -j route get` names them, for
// every kind of route and for no route, on both kernels; and which of them are reachable (the exit
// status of `route get` and `route lookup`).
import { describe, expect, test } from '@jest/globals';
import { parseIP } from '../addr/addr.js';
import { parseConfig } from '../config/load.js';
import { Stack } from '../stack/stack.js';
import { ROUTE_UNREACHABLE_STATUS, routeGet, routeGetLine, routeGetReachable } from './route-text.js';

const CONFIG = `interfaces:
  - { name: wm0, mac: 02:00:00:00:00:01, addresses: [192.0.2.1/24, 2001:db8::1/64] }
  - { name: wm1, mac: 02:00:00:00:00:02, addresses: [198.51.100.1/24] }
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
  - { dst: 198.18.0.0/15, type: blackhole }
  - { dst: 100.64.0.0/10, type: unreachable }
  - { dst: 10.0.0.0/8, type: prohibit }
`;

describe.each(['wasm', 'ts'] as const)('route get (%s)', (engine) => {
  const stack = new Stack(parseConfig(CONFIG, 'test.yaml', '.'), { engine });
  const get = (a: string) => stack.tables.wlock.runSync('test', () => routeGet(stack, a, parseIP(a)!.bytes));

  test('every kind of answer: the line, the parts, reachable or not', () => {
    const cases: [string, object, boolean][] = [
      [
        '203.0.113.9',
        {
          dst: '203.0.113.9',
          family: 4,
          prefix: '203.0.113.0/24',
          type: 'unicast',
          gateway: '198.51.100.254',
          dev: 'wm1',
          line: '203.0.113.9 203.0.113.0/24 via 198.51.100.254 dev wm1',
        },
        true,
      ],
      [
        '192.0.2.7',
        { prefix: '192.0.2.0/24', type: 'unicast', gateway: null, dev: 'wm0', line: '192.0.2.7 192.0.2.0/24 dev wm0' },
        true,
      ],
      [
        '192.0.2.1',
        {
          prefix: '192.0.2.1/32',
          type: 'local',
          gateway: null,
          dev: 'wm0',
          line: '192.0.2.1 192.0.2.1/32 local dev wm0',
        },
        true,
      ],
      ['192.0.2.255', { type: 'broadcast', dev: 'wm0', line: '192.0.2.255 192.0.2.255/32 broadcast dev wm0' }, true],
      [
        '198.18.0.1',
        {
          prefix: '198.18.0.0/15',
          type: 'blackhole',
          gateway: null,
          dev: null,
          line: '198.18.0.1 198.18.0.0/15 blackhole',
        },
        false,
      ],
      ['100.64.0.1', { type: 'unreachable', dev: null, line: '100.64.0.1 100.64.0.0/10 unreachable' }, false],
      ['10.1.1.1', { type: 'prohibit', dev: null, line: '10.1.1.1 10.0.0.0/8 prohibit' }, false],
      [
        '8.8.8.8',
        { dst: '8.8.8.8', family: 4, prefix: null, type: null, gateway: null, dev: null, line: '8.8.8.8 unreachable' },
        false,
      ],
      // the line keeps the user's spelling, dst is canonical
      [
        '2001:DB8:0::7',
        {
          dst: '2001:db8::7',
          family: 6,
          prefix: '2001:db8::/64',
          type: 'unicast',
          dev: 'wm0',
          line: '2001:DB8:0::7 2001:db8::/64 dev wm0',
        },
        true,
      ],
      [
        '2001:db9::1',
        { dst: '2001:db9::1', family: 6, prefix: null, type: null, line: '2001:db9::1 unreachable' },
        false,
      ],
    ];
    for (const [a, want, reachable] of cases) {
      const r = get(a);
      expect(r).toMatchObject(want);
      expect(Object.keys(r).sort()).toEqual(['dev', 'dst', 'family', 'gateway', 'line', 'prefix', 'type']);
      expect(routeGetReachable(r)).toBe(reachable);
      expect(stack.tables.wlock.runSync('test', () => routeGetLine(stack, a, parseIP(a)!.bytes))).toBe(r.line);
    }
    expect(ROUTE_UNREACHABLE_STATUS).toBe(2); // iproute2's status for an error answer
  });
});
