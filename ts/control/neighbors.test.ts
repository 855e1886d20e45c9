// The control plane's neighbor operations (arp -a/-s/-d, ndp -a/-s/-d) over a single-CPU stack with
// its neighbor cache, and over one without (the multi-CPU engine's table, static entries only).
import { describe, expect, test } from '@jest/globals';
import { formatIP, formatMac, parseIP, parseMac } from '../addr/addr.js';
import { parseConfig } from '../config/load.js';
import { Stack } from '../stack/stack.js';
import { ControlPlane, localDataplane } from './control-plane.js';

const CONFIG = `interfaces:
  - { name: wm0, mac: 02:00:00:00:00:01, addresses: [192.0.2.1/24, 2001:db8::1/64] }
  - { name: wm1, mac: 02:00:00:00:00:02, addresses: [198.51.100.1/24, 2001:db8:1::1/64] }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
arp: { reachable_ms: 10000, hold: 4 }
`;
const ip = (s: string) => parseIP(s)!.bytes;

describe.each(['wasm', 'ts'] as const)('neighbor operations (%s)', (engine) => {
  for (const resolve of [true, false]) {
    test(`list, set, delete (${resolve ? 'with' : 'without'} the lltable)`, async () => {
      const stack = new Stack(parseConfig(CONFIG, 'test.yaml', '.'), { engine, resolve });
      expect(stack.lltable?.arp.reachableMs ?? 10000).toBe(10000);
      expect(stack.lltable?.arp.holdQueue ?? 4).toBe(4);
      const cp = new ControlPlane(localDataplane(stack));
      const list = () =>
        cp
          .neighborList()
          .map((e) => `${formatIP(e.address)} ${formatMac(e.mac!)} ${stack.ifName(e.ifindex)} ${e.state}`);
      expect(list()).toEqual(['198.51.100.254 02:00:00:00:bb:fe wm1 static']);
      await cp.neighborSet(ip('2001:db8::10'), 'wm0', parseMac('02:00:00:00:aa:10')!);
      await cp.neighborSet(ip('192.0.2.10'), 'wm0', parseMac('02:00:00:00:aa:10')!);
      expect(list()).toEqual([
        '192.0.2.10 02:00:00:00:aa:10 wm0 static',
        '198.51.100.254 02:00:00:00:bb:fe wm1 static',
        '2001:db8::10 02:00:00:00:aa:10 wm0 static',
      ]);
      expect(cp.neighborList(6)).toHaveLength(1);
      expect(await cp.neighborDelete(ip('198.51.100.254'), 'wm1')).toBe(true);
      expect(await cp.neighborDelete(ip('198.51.100.254'), 'wm1')).toBe(false);
      expect(list()).toHaveLength(2);
      await expect(cp.neighborSet(ip('192.0.2.11'), 'wm9', parseMac('02:00:00:00:aa:11')!)).rejects.toThrow(/wm9/);
    });
  }
});
