// bridge(4) with real Linux hosts: two network namespaces, each behind a TAP link that is a member of
// one mpstack bridge, share one L2 segment. They ARP each other and ping directly (switched: the TTL
// is not decremented; IPv6 too), both ping the bridge's own address (ARP, NDP and echo on the bridge), brconfig
// shows both stations learned on their ports, and a member deleted and added back under a running
// ping loses the path only while it is out.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Host, describeWithHosts } from './hosts.js';
import { RouterRun } from '../../bench/router-run.js';

const tag = `${process.pid % 100000}`;
const DEV = [`mbra${tag}`, `mbrb${tag}`];

const CONFIG = `
interfaces:
  - { name: wm0, driver: tap, tap: ${DEV[0]} }
  - { name: wm1, driver: tap, tap: ${DEV[1]} }
  - name: bridge0
    bridge: { members: [wm0, wm1] }
    addresses: [10.93.0.1/24, "fd00:93::1/64"]
`;

describeWithHosts('Linux hosts on one segment through an mpstack bridge', ['ping'], () => {
  let router: RouterRun;
  let h1: Host;
  let h2: Host;

  beforeAll(async () => {
    router = await RouterRun.start(CONFIG, ['--cpus', '2']);
    const host = (n: number, dev: string) =>
      Host.attach({
        ns: `mpb${n}-${tag}`,
        dev,
        v4: `10.93.0.1${n}/24`,
        gw4: '10.93.0.1',
        v6: `fd00:93::1${n}/64`,
        gw6: 'fd00:93::1',
      });
    h1 = host(1, DEV[0]!);
    h2 = host(2, DEV[1]!);
  }, 30_000);

  afterAll(async () => {
    await router?.stop();
    h1?.delete();
    h2?.delete();
  });

  test('the hosts ARP each other and ping directly, switched (TTL unchanged)', async () => {
    const out = await h1.run('ping', ['-c', '3', '-i', '0.2', '-W', '2', h2.address]);
    expect(out).toMatch(/3 received/);
    expect(out).toMatch(/ttl=64/); // Linux's default: no router on the way
    const neigh = await h1.run('ip', ['neigh', 'show', h2.address]);
    expect(neigh).toMatch(/lladdr [0-9a-f:]{17}/);
    expect(await h2.run('ping', ['-c', '2', '-i', '0.2', '-W', '2', h1.address])).toMatch(/2 received/);
    // IPv6: neighbor discovery's multicast solicitations flood, the answers are switched
    const six = await h1.run('ping', ['-6', '-c', '2', '-i', '0.2', '-W', '2', h2.address6]);
    expect(six).toMatch(/2 received/);
    expect(six).toMatch(/ttl=64/);
  }, 30_000);

  test("both ping the bridge's own address", async () => {
    expect(await h1.run('ping', ['-c', '2', '-i', '0.2', '-W', '2', '10.93.0.1'])).toMatch(/2 received/);
    expect(await h2.run('ping', ['-c', '2', '-i', '0.2', '-W', '2', '10.93.0.1'])).toMatch(/2 received/);
    // and ping -6: NDP for the bridge's address, answered through the FDB
    expect(await h1.run('ping', ['-6', '-c', '2', '-i', '0.2', '-W', '2', 'fd00:93::1'])).toMatch(/2 received/);
  }, 30_000);

  test('brconfig shows both stations on their ports, and per-port counters', async () => {
    const r = JSON.parse(await router.cli('brconfig', 'bridge0', '--json')) as {
      bridges: {
        members: { name: string; ipkts: number; opkts: number }[];
        addresses: { mac: string; port: string }[];
      }[];
    };
    const b = r.bridges[0]!;
    expect(b.members.map((m) => m.name)).toEqual(['wm0', 'wm1']);
    for (const m of b.members) {
      expect(m.ipkts).toBeGreaterThan(0);
      expect(m.opkts).toBeGreaterThan(0);
    }
    const mac1 = (await h1.run('cat', [`/sys/class/net/${DEV[0]}/address`])).trim();
    const mac2 = (await h2.run('cat', [`/sys/class/net/${DEV[1]}/address`])).trim();
    expect(b.addresses).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ mac: mac1, port: 'wm0' }),
        expect.objectContaining({ mac: mac2, port: 'wm1' }),
      ]),
    );
    expect(await router.cli('netstat', '-i')).toMatch(/bridge0/);
  }, 30_000);

  test('a member deleted and added back under traffic: the path goes and comes back', async () => {
    await router.cli('brconfig', 'bridge0', 'delete', 'wm1');
    const gone = await h1.run('ping', ['-c', '1', '-W', '1', h2.address]).catch((e: Error) => e.message);
    expect(gone).toMatch(/0 received|100% packet loss/);
    await router.cli('brconfig', 'bridge0', 'add', 'wm1');
    expect(await h1.run('ping', ['-c', '2', '-i', '0.2', '-W', '2', h2.address])).toMatch(/2 received/);
  }, 30_000);

  test('SIGINT stops it cleanly: every frame and cluster accounted for', async () => {
    expect(await router.stop()).toBe(0);
    expect(router.stdout).toMatch(/accounting: .*: ok/);
    expect(router.stdout).toMatch(/buffers: \d+ clusters, each found once/);
  }, 30_000);
});
