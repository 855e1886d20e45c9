// createRouter with a bridge(4): frames switched between members by interface name, and the
// `bridges` control methods (as `mpstack brconfig`).
import { describe, expect, test } from '@jest/globals';
import { buildFrame } from '../packet/build.js';
import { parseIP, parseMac } from '../addr/addr.js';
import { createRouter } from './router.js';

const CONFIG = {
  interfaces: [
    { name: 'wm0', mac: '02:00:00:00:0a:01' },
    { name: 'wm1', mac: '02:00:00:00:0a:02' },
    { name: 'wm2', mac: '02:00:00:00:0a:03' },
    { name: 'bridge0', bridge: { members: ['wm0', 'wm1'] }, addresses: ['192.0.2.1/24'] },
  ],
};
const frame = (dst: string, src: string) =>
  buildFrame({
    dstMac: parseMac(dst)!,
    srcMac: parseMac(src)!,
    src: parseIP('192.0.2.7')!.bytes,
    dst: parseIP('192.0.2.8')!.bytes,
  });

describe.each(['wasm', 'ts'] as const)('createRouter with a bridge (%s)', (engine) => {
  test('switches between members; bridges.list/add/delete/static/flush', async () => {
    const r = await createRouter(CONFIG, { engine, clock: 'manual' });
    expect(r.receive('wm0', frame('02:00:00:00:cc:02', '02:00:00:00:cc:01')).map((o) => o.if)).toEqual(['wm1']);
    expect(r.receive('wm1', frame('02:00:00:00:cc:01', '02:00:00:00:cc:02')).map((o) => o.if)).toEqual(['wm0']);
    const [b] = await r.bridges.list('bridge0');
    expect(b!.addresses.map((a) => [a.mac, a.port])).toEqual([
      ['02:00:00:00:cc:01', 'wm0'],
      ['02:00:00:00:cc:02', 'wm1'],
    ]);
    await r.bridges.add('bridge0', 'wm2');
    await r.bridges.static('bridge0', '02:00:00:00:cc:09', 'wm2');
    expect(r.receive('wm0', frame('02:00:00:00:cc:09', '02:00:00:00:cc:01')).map((o) => o.if)).toEqual(['wm2']);
    expect(await r.bridges.flush('bridge0', true)).toBe(3);
    expect((await r.bridges.delete('bridge0', 'wm2')).members.map((m) => m.name)).toEqual(['wm0', 'wm1']);
  });
});
