// bridge(4) created and destroyed at run time, through the CLI against a running engine: two
// namespaces behind TAP links start on separate NICs with no bridge; `ifconfig bridge0 create`,
// `brconfig bridge0 add` and an address on the bridge join them into one segment (they ARP and ping
// each other and the bridge), then `ifconfig bridge0 destroy` under a running ping releases the
// members (the path goes at once), a second bridge takes the freed softc with an empty address
// cache, and the engine stops with every frame and cluster accounted for.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Host, describeWithHosts } from './hosts.js';
import { RouterRun } from '../../bench/router-run.js';

const tag = `${process.pid % 100000}`;
const DEV = [`mbca${tag}`, `mbcb${tag}`];

const CONFIG = `
interfaces:
  - { name: wm0, driver: tap, tap: ${DEV[0]} }
  - { name: wm1, driver: tap, tap: ${DEV[1]} }
`;

interface Brconfig {
  bridges: { name: string; members: { name: string }[]; addresses: { mac: string; port: string }[] }[];
}

describeWithHosts('a bridge created and destroyed at run time, through the CLI', ['ping'], () => {
  let router: RouterRun;
  let h1: Host;
  let h2: Host;

  beforeAll(async () => {
    router = await RouterRun.start(CONFIG, ['--cpus', '2']);
    const host = (n: number, dev: string) =>
      Host.attach({ ns: `mbc${n}-${tag}`, dev, v4: `10.94.0.1${n}/24`, gw4: '10.94.0.1' });
    h1 = host(1, DEV[0]!);
    h2 = host(2, DEV[1]!);
  }, 30_000);

  afterAll(async () => {
    await router?.stop();
    h1?.delete();
    h2?.delete();
  });

  const ping = (h: Host, dst: string, n = 2) =>
    h.run('ping', ['-c', `${n}`, '-i', '0.2', '-W', '2', dst]).catch((e: Error) => e.message);

  test('no bridge yet: the hosts cannot reach each other', async () => {
    expect(await ping(h1, h2.address, 1)).toMatch(/0 received|100% packet loss/);
  }, 30_000);

  test('ifconfig bridge0 create, brconfig add, an address: one segment, ARP and ping across it and to the bridge', async () => {
    expect(await router.cli('ifconfig', 'bridge0', 'create')).toBe('');
    expect(await router.cli('ifconfig', 'bridge0')).toMatch(/^bridge0: flags=<UP,BRIDGE> mtu 1500\n\taddress: /);
    await router.cli('brconfig', 'bridge0', 'add', 'wm0');
    await router.cli('brconfig', 'bridge0', 'add', 'wm1');
    expect(await router.cli('ifconfig', 'bridge0', 'inet', '10.94.0.1/24')).toBe('');
    const direct = await ping(h1, h2.address, 3);
    expect(direct).toMatch(/[23] received/);
    expect(direct).toMatch(/ttl=64/); // switched, not routed
    expect(await ping(h2, '10.94.0.1')).toMatch(/2 received/);
    const b = (JSON.parse(await router.cli('brconfig', 'bridge0', '--json')) as Brconfig).bridges[0]!;
    expect(b.members.map((m) => m.name)).toEqual(['wm0', 'wm1']);
    expect(b.addresses.map((a) => a.port).sort()).toEqual(['wm0', 'wm1']);
  }, 30_000);

  test('ifconfig bridge0 destroy under a running ping: members released, the path gone; a new bridge reuses the softc', async () => {
    const running = h1.run('ping', ['-c', '30', '-i', '0.05', '-W', '1', h2.address]).catch((e: Error) => e.message);
    await new Promise((r) => setTimeout(r, 400));
    expect(await router.cli('ifconfig', 'bridge0', 'destroy')).toBe('');
    const during = await running;
    const got = Number(/(\d+) received/.exec(during)?.[1] ?? -1);
    expect(got).toBeGreaterThan(0); // it worked before the destroy
    expect(got).toBeLessThan(30); // and stopped after it
    expect(await ping(h1, h2.address, 1)).toMatch(/0 received|100% packet loss/);
    await expect(router.cli('brconfig', 'bridge0')).rejects.toThrow(/no interface 'bridge0'/);
    expect(await router.cli('ifconfig', 'wm0')).not.toMatch(/BRPORT/);
    // the members are NICs again: a new bridge takes them, learning afresh
    await router.cli('ifconfig', 'bridge1', 'create');
    const fresh = (JSON.parse(await router.cli('brconfig', 'bridge1', '--json')) as Brconfig).bridges[0]!;
    expect([fresh.members, fresh.addresses]).toEqual([[], []]);
    await router.cli('brconfig', 'bridge1', 'add', 'wm0');
    await router.cli('brconfig', 'bridge1', 'add', 'wm1');
    expect(await ping(h1, h2.address)).toMatch(/2 received/);
  }, 40_000);

  test('SIGINT stops it cleanly: every frame and cluster accounted for', async () => {
    expect(await router.stop()).toBe(0);
    expect(router.stdout).toMatch(/accounting: .*: ok/);
    expect(router.stdout).toMatch(/buffers: \d+ clusters, each found once/);
  }, 30_000);
});
