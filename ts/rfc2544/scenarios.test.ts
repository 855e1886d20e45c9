import { describe, expect, it } from '@jest/globals';
import { genFramesByQueue, parseGen } from '../machine/gen-source.js';
import { BRIDGE_STATIONS, buildScenario, checkScenario } from './scenarios.js';

const P = { size: 64, flows: 1024, queues: 4, routes: 100 };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('RFC 2544 scenarios', () => {
  it('bridge: stations behind both members, the far side taught first, frames to the other side', () => {
    const s = buildScenario('bridge', P);
    const [wm0, wm1] = ['wm0', 'wm1'].map((n) => s.cfg.interfaces.find((i) => i.name === n)!);
    expect(s.cfg.interfaces.find((i) => i.name === 'bridge0')!.bridge!.members).toEqual(['wm0', 'wm1']);
    expect(s.source).toBe(wm0!.index);
    expect(s.sink).toBe(wm1!.index);
    expect(s.teach).toEqual([wm1!.index]);
    const frames = genFramesByQueue(wm0!, parseGen(wm0!)).flat();
    expect(frames).toHaveLength(1024);
    const dst = new Set(frames.map((f) => hex(f.subarray(0, 6))));
    const src = new Set(frames.map((f) => hex(f.subarray(6, 12))));
    expect(dst.size).toBe(BRIDGE_STATIONS);
    expect(src.size).toBe(BRIDGE_STATIONS);
    for (const d of dst) expect(d.startsWith('026202')).toBe(true);
    for (const x of src) expect(x.startsWith('026201')).toBe(true);
    // wm1's stations send to wm0's: what it offers teaches the bridge where they live
    const back = genFramesByQueue(wm1!, parseGen(wm1!)).flat();
    expect(new Set(back.map((f) => hex(f.subarray(6, 12))))).toEqual(dst);
  });

  it('gif: the route goes into gif0, the outer packet to a neighbor on the sink', () => {
    const s = buildScenario('gif', P);
    const gif = s.cfg.interfaces.find((i) => i.name === 'gif0')!;
    expect(gif.gif).toBeTruthy();
    expect(s.cfg.routes.some((r) => r.dev === 'gif0')).toBe(true);
    expect(s.cfg.fastforward).toBe(false);
    expect(s.teach).toEqual([]);
  });

  it('IPv6: fast and normal only, 78-byte frames, the synthetic routes IPv6', () => {
    const s = buildScenario('normal', { ...P, size: 78, family: 6 });
    const wm0 = s.cfg.interfaces.find((i) => i.name === 'wm0')!;
    const f = genFramesByQueue(wm0, parseGen(wm0)).flat()[0]!;
    expect(f.length).toBe(74); // 78 on the wire with the FCS
    expect((f[12]! << 8) | f[13]!).toBe(0x86dd);
    expect(s.routes).toMatchObject({ extraRoutes: 100, extraV6: 100 });
    expect(() => checkScenario('gif', 6)).toThrow(/IPv4 only/);
    expect(() => buildScenario('fast', { ...P, size: 64, family: 6 })).toThrow(/78/);
  });

  it("fast: ipflow sized for the flows (NetBSD's 256 would thrash)", () => {
    expect(buildScenario('fast', P).cfg.ipflow.maxflows).toBeGreaterThanOrEqual(1024);
  });
});
