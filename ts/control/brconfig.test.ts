// The control plane's bridge(4) operations (brconfig) on a single-CPU stack, both engines: show with
// per-port counters and the address cache, add and delete members, static entries, flush, limits,
// the refusals; a config reload that changes a bridge's members and limits, or adds and removes a
// bridge; bridges created and destroyed at run time, in the order unpublish, grace period, free.
import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../config/load.js';
import { buildFrame } from '../packet/build.js';
import { KERNEL_IMPLS } from '../stack/kernels.js';
import { Stack } from '../stack/stack.js';
import { ip, mac } from '../../test/fixtures/topology.js';
import { BR_BYTES, IF_BRIDGE, IF_BRSC, IF_FLAGS, IF_SIZE, IFF_BRPORT } from '../../assembly/layout.js';
import { ControlPlane, localDataplane } from './control-plane.js';
import { applyReload, planReload } from './reload.js';

const CONFIG = `interfaces:
  - { name: wm0, mac: 02:00:00:00:00:01, addresses: [192.0.2.1/24] }
  - { name: wm1, mac: 02:00:00:00:00:02 }
  - { name: wm2, mac: 02:00:00:00:00:03 }
  - { name: wm3, mac: 02:00:00:00:00:04 }
  - name: bridge0
    bridge: { members: [wm1, wm2], maxaddr: 10, timeout: 60 }
    addresses: [198.51.100.1/24]
`;
const frame = (dst: string, src: string) =>
  buildFrame({ dstMac: mac(dst), srcMac: mac(src), src: ip('198.51.100.7'), dst: ip('198.51.100.8') });

describe.each(KERNEL_IMPLS)('brconfig (%s)', (engine) => {
  test('show, add, delete, static, flush, limits; refusals change nothing', async () => {
    const stack = new Stack(parseConfig(CONFIG, 'test.yaml', '.'), { engine });
    const cp = new ControlPlane(localDataplane(stack));
    stack.forward([{ ifindex: 2, data: frame('02:00:00:00:0a:02', '02:00:00:00:0a:01') }], 1000);
    let [b] = await cp.brconfig('bridge0');
    expect(b!.members.map((m) => [m.name, m.ipkts, m.opkts])).toEqual([
      ['wm1', 1, 0],
      ['wm2', 0, 1],
    ]);
    expect(b!.addresses).toEqual([{ mac: '02:00:00:00:0a:01', port: 'wm1', age: 0, static: false }]);
    expect([b!.maxaddr, b!.timeout, b!.count]).toEqual([10, 60, 1]);
    expect((await cp.brconfig()).map((x) => x.name)).toEqual(['bridge0']);

    b = await cp.brAdd('bridge0', 'wm3');
    expect(b.members.map((m) => m.name)).toEqual(['wm1', 'wm2', 'wm3']);
    expect(cp.ifconfig('wm3')[0]!.flags).toContain('BRPORT(bridge0)');
    expect(cp.ifconfig('bridge0')[0]!.flags).toContain('BRIDGE');
    b = await cp.brStatic('bridge0', '02:00:00:00:0a:09', 'wm3');
    expect(b.addresses).toContainEqual({ mac: '02:00:00:00:0a:09', port: 'wm3', age: 0, static: true });
    b = await cp.brDelete('bridge0', 'wm3'); // its static entry goes with it
    expect(b.members.map((m) => m.name)).toEqual(['wm1', 'wm2']);
    expect(b.addresses.map((a) => a.mac)).toEqual(['02:00:00:00:0a:01']);
    expect(await cp.brFlush('bridge0')).toEqual({ deleted: 1 });
    b = await cp.brLimits('bridge0', 500, 30);
    expect([b.maxaddr, b.timeout, b.count]).toEqual([500, 30, 0]);

    await expect(cp.brAdd('bridge0', 'wm0')).rejects.toThrow(/wm0 carries addresses of its own/);
    await expect(cp.brAdd('bridge0', 'wm1')).rejects.toThrow(/already a member of bridge0/);
    await expect(cp.brDelete('bridge0', 'wm3')).rejects.toThrow(/wm3 is not a member of bridge0/);
    await expect(cp.brconfig('wm1')).rejects.toThrow(/wm1 is not a bridge/);
    await expect(cp.brStatic('bridge0', 'ff:ff:ff:ff:ff:ff', 'wm1')).rejects.toThrow(/group address/);
    await expect(cp.brStatic('bridge0', 'nope', 'wm1')).rejects.toThrow(/not a MAC address/);
    await expect(cp.brLimits('bridge0', 0)).rejects.toThrow(/maxaddr must be/);
    await expect(cp.ifAddressAdd('wm1', '10.9.9.1/24')).rejects.toThrow(/wm1 is a member of bridge bridge0/);
    expect((await cp.brconfig('bridge0'))[0]!.members.map((m) => m.name)).toEqual(['wm1', 'wm2']);
  });

  test('a reload changes members and limits as brconfig would', async () => {
    const cur = parseConfig(CONFIG, 'test.yaml', '.');
    const stack = new Stack(cur, { engine });
    const cp = new ControlPlane(localDataplane(stack));
    const next = parseConfig(
      CONFIG.replace('members: [wm1, wm2], maxaddr: 10', 'members: [wm2, wm3], maxaddr: 20'),
      'test.yaml',
      '.',
    );
    const plan = planReload(cur, next);
    expect(plan.refused).toEqual([]);
    expect(plan.steps.map((s) => s.what)).toEqual([
      'brconfig bridge0 delete wm1',
      'brconfig bridge0 add wm3',
      'brconfig bridge0 maxaddr 20 timeout 60',
    ]);
    expect((await applyReload(cp, plan)).error).toBeNull();
    const [b] = await cp.brconfig('bridge0');
    expect(b!.members.map((m) => m.name)).toEqual(['wm2', 'wm3']);
    expect(b!.maxaddr).toBe(20);
  });

  test('a reload adds a bridge (create, members, addresses) and removes one (destroy) at run time', async () => {
    const cur = parseConfig(CONFIG, 'test.yaml', '.');
    const stack = new Stack(cur, { engine, spareInterfaces: 2 });
    const cp = new ControlPlane(localDataplane(stack));
    const more = parseConfig(
      `${CONFIG}  - { name: bridge1, bridge: { members: [wm3], maxaddr: 7, timeout: 9 }, addresses: [10.7.0.1/24] }\n`,
      'test.yaml',
      '.',
    );
    const plan = planReload(cur, more);
    expect(plan.refused).toEqual([]);
    expect(plan.steps.map((s) => s.what)).toEqual([
      'ifconfig bridge1 create',
      'brconfig bridge1 add wm3',
      'ifconfig bridge1 inet 10.7.0.1/24 alias',
      'ifconfig bridge1 mtu 1500',
    ]);
    expect((await applyReload(cp, plan)).error).toBeNull();
    const [b] = await cp.brconfig('bridge1');
    expect([b!.members.map((m) => m.name), b!.maxaddr, b!.timeout]).toEqual([['wm3'], 7, 9]);
    expect(cp.ifconfig('bridge1')[0]!.addresses).toEqual(['10.7.0.1/24']);
    const back = planReload(more, cur);
    expect(back.steps.map((s) => s.what)).toEqual(['ifconfig bridge1 destroy']);
    expect((await applyReload(cp, back)).error).toBeNull();
    expect(stack.ifByName.has('bridge1')).toBe(false);
    expect(cp.ifconfig('wm3')[0]!.flags).not.toContain('BRPORT(bridge1)');
  });

  test('ifconfig bridgeN create / destroy: switches at once, releases its members, reuses the softc', async () => {
    const stack = new Stack(parseConfig(CONFIG, 'test.yaml', '.'), { engine, spareInterfaces: 2, spareBridges: 1 });
    const cp = new ControlPlane(localDataplane(stack));
    const e = await cp.ifCreateBridge('bridge1');
    expect(e.flags).toContain('BRIDGE');
    let [b] = await cp.brconfig('bridge1');
    expect([b!.members, b!.maxaddr, b!.timeout, b!.count]).toEqual([[], 100, 1200, 0]);
    await expect(cp.ifCreateBridge('bridge2')).rejects.toThrow(/no bridge left to create/);
    await expect(cp.ifCreateBridge('bridge1')).rejects.toThrow(/bridge1 exists already/);
    await cp.brAdd('bridge1', 'wm3');
    // a frame on wm3 enters bridge1: learned, flooded to no other member (it has one)
    const r = stack.forward([{ ifindex: 4, data: frame('02:00:00:00:0a:02', '02:00:00:00:0a:03') }], 1000);
    expect(r[0]!.reason).toBe('bridge-no-port');
    [b] = await cp.brconfig('bridge1');
    expect(b!.addresses).toEqual([{ mac: '02:00:00:00:0a:03', port: 'wm3', age: 0, static: false }]);
    await cp.ifAddressAdd('bridge1', '10.7.0.1/24');
    expect(await cp.ifDestroy('bridge1')).toBe(3); // its connected network, local host route, directed broadcast
    expect(stack.ifByName.has('bridge1')).toBe(false);
    expect(cp.ifconfig('wm3')[0]!.flags.some((f) => f.startsWith('BRPORT'))).toBe(false);
    // wm3 is a plain NIC again: it may carry addresses or join another bridge
    await cp.brAdd('bridge0', 'wm3');
    await cp.brDelete('bridge0', 'wm3');
    // the softc is free again, and a new bridge starts with an empty FDB
    await cp.ifCreateBridge('bridge2');
    [b] = await cp.brconfig('bridge2');
    expect([b!.members, b!.addresses, b!.count]).toEqual([[], [], 0]);
    await expect(cp.ifDestroy('wm1')).rejects.toThrow(/wm1 is a NIC/);
  });

  test('destroy under a gated grace period: members released before it, softc and FDB freed after it', async () => {
    const stack = new Stack(parseConfig(CONFIG, 'test.yaml', '.'), { engine, spareInterfaces: 2 });
    let release: () => void = () => {};
    const log: string[] = [];
    const cp = new ControlPlane({
      stack,
      synchronize: () => {
        log.push('grace');
        return new Promise<void>((r) => {
          release = r;
        });
      },
    });
    const destroy = cp.ifDestroy('bridge0');
    await new Promise<void>((r) => setImmediate(r));
    expect(log).toEqual(['grace']);
    const flags = (i: number) => stack.tables.dv.getUint32(stack.L.ifnet + i * IF_SIZE + IF_FLAGS, true);
    const brsc = stack.tables.dv.getUint32(stack.L.ifnet + 5 * IF_SIZE + IF_BRSC, true);
    // unpublished: the bridge's flags and its members' IFF_BRPORT are gone, the softc is still there
    expect(flags(5)).toBe(0);
    expect(flags(2) & IFF_BRPORT).toBe(0);
    expect(flags(3) & IFF_BRPORT).toBe(0);
    expect(brsc).not.toBe(0);
    expect(stack.tables.dv.getUint32(stack.L.ifnet + 2 * IF_SIZE + IF_BRIDGE, true)).toBe(5);
    // a frame on a former member now is the member's own (it has no addresses): not switched
    const r = stack.forward([{ ifindex: 2, data: frame('02:00:00:00:0a:02', '02:00:00:00:0a:01') }], 1000);
    expect(r[0]!.path).not.toBe('bridge');
    release();
    await destroy;
    expect(stack.tables.dv.getUint32(stack.L.ifnet + 2 * IF_SIZE + IF_BRIDGE, true)).toBe(0);
    expect(stack.tables.dv.getUint32(stack.L.ifnet + 5 * IF_SIZE + IF_BRSC, true)).toBe(0);
    expect(stack.tables.u8.subarray(brsc, brsc + BR_BYTES).every((x) => x === 0)).toBe(true);
    expect(stack.tables.bridges.size).toBe(0);
  });
});
