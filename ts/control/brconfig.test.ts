// The control plane's bridge(4) operations (brconfig) on a single-CPU stack, both engines: show with
// per-port counters and the address cache, add and delete members, static entries, flush, limits,
// the refusals; and a config reload that changes a bridge's members and limits.
import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../config/load.js';
import { buildFrame } from '../packet/build.js';
import { KERNEL_IMPLS } from '../stack/kernels.js';
import { Stack } from '../stack/stack.js';
import { ip, mac } from '../../test/fixtures/topology.js';
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

  test('a reload changes members and limits as brconfig would; adding a bridge needs a restart', async () => {
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
    const more = parseConfig(`${CONFIG}  - { name: bridge1, bridge: { members: [wm3] } }\n`, 'test.yaml', '.');
    expect(planReload(cur, more).refused).toEqual(['interfaces: bridge1 added (a bridge: restart to add one)']);
  });
});
