import { describe, expect, test } from '@jest/globals';
import { Stack } from '../stack/stack.js';
import { buildFrame } from '../packet/build.js';
import { defaultScenarioConfig } from '../scenario/default.js';
import { defaultTraffic } from '../scenario/traffic.js';
import { ConfigError, configFrom, createStack } from './index.js';
import { forwardTrace, resultBytes, runScenario, sha256Hex } from '../scenario/digest.js';

const OBJECT = {
  interfaces: [
    { name: 'wm0', mac: '02:00:00:00:00:01', addresses: ['192.0.2.1/24'] },
    { name: 'wm1', mac: '02:00:00:00:00:02', addresses: ['198.51.100.1/24'] },
  ],
  routes: [{ dst: '203.0.113.0/24', via: '198.51.100.254' }],
  neighbors: [{ address: '198.51.100.254', mac: '02:00:00:00:bb:fe', dev: 'wm1' }],
};
const YAML = `interfaces:
  - { name: wm0, mac: 02:00:00:00:00:01, addresses: [192.0.2.1/24] }
  - { name: wm1, mac: 02:00:00:00:00:02, addresses: [198.51.100.1/24] }
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
`;

const frame = (dst: number[]) =>
  buildFrame({
    dstMac: Uint8Array.of(2, 0, 0, 0, 0, 1),
    srcMac: Uint8Array.of(2, 0, 0, 0, 0xaa, 0x10),
    src: Uint8Array.of(192, 0, 2, 10),
    dst: Uint8Array.from(dst),
    proto: 'udp',
    sport: 1024,
    dport: 9,
    minFrame: 60,
  });

describe('createStack (the portable entry)', () => {
  test('a plain object config forwards like the same config as YAML', () => {
    const frames = [frame([203, 0, 113, 7]), frame([10, 1, 2, 3])].map((data) => ({ data, ifindex: 1 }));
    const a = createStack(OBJECT).forward(frames, 1000);
    const b = createStack(YAML).forward(frames, 1000);
    expect(a.map((r) => [r.path, r.reason])).toEqual([
      ['normal', null],
      ['drop', 'no-route'],
    ]);
    expect(a[0]!.out[0]!.ifindex).toBe(2);
    expect(a[0]!.out[0]!.data.subarray(0, 6)).toEqual(Uint8Array.of(2, 0, 0, 0, 0xbb, 0xfe));
    expect(a).toEqual(b);
  });

  test('routes as text load with the config, checked like a routes_file', () => {
    const s = createStack(OBJECT, { routes: '10.0.0.0/8 via 198.51.100.254\n' });
    expect(s.forward([{ data: frame([10, 1, 2, 3]), ifindex: 1 }], 0)[0]!.path).toBe('normal');
    expect(() => createStack(OBJECT, { routes: '10.0.0.0/8 dev wm9\n' })).toThrow(ConfigError);
  });

  test('bad configs are ConfigErrors naming the field; routes_file is refused', () => {
    expect(() => configFrom({ interfaces: [{ name: 'wm0', mtu: 12 }] })).toThrow(
      /interfaces\[0\]\.mtu: must be at least 68/,
    );
    expect(() => configFrom({ interfaces: [{ name: 'wm0' }], routes_file: 'full.txt' })).toThrow(
      /routes_file needs a file system/,
    );
  });

  test("the reference run equals the CLI's path (new Stack over the default scenario's Config), both engines", async () => {
    const cfg = defaultScenarioConfig();
    const traffic = defaultTraffic(cfg, 2000, 7);
    const direct = await sha256Hex(resultBytes(forwardTrace(new Stack(cfg, { engine: 'wasm' }), traffic)));
    const wasm = await runScenario({ frames: 2000, seed: 7 });
    const ts = await runScenario({ frames: 2000, seed: 7, engine: 'ts' });
    expect(wasm.sha256).toBe(direct);
    expect(ts.sha256).toBe(direct);
    expect(ts.counters).toEqual(wasm.counters);
    expect(wasm.txFrames).toBeGreaterThan(0);
    expect(wasm.paths['fast']).toBeGreaterThan(0);
  });
});
