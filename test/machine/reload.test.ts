// SIGHUP reloads the config of a running `mpstack run`: only the differences are applied (routes,
// neighbors, addresses, MTU, state, vlans) while it forwards; a config that does not load or that
// changes what needs a restart changes nothing and says why. And the plan itself, without an engine.
import { describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../ts/config/load.js';
import { planReload } from '../../ts/control/reload.js';
import { RouterRun } from '../../bench/router-run.js';

const BASE = `interfaces:
  - name: wm0
    addresses: [192.0.2.1/24]
    driver: gen
    gen: { src: 192.0.2.0/24, dst: 203.0.113.0/24, flows: 16, size: 64, rate: 20000 }
  - name: wm1
    addresses: [198.51.100.1/24]
    driver: sink
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
  - { dst: 10.0.0.0/8, via: 198.51.100.253 }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
`;

const NEXT = `interfaces:
  - name: wm0
    addresses: [192.0.2.1/24, "2001:db8::1/64"]
    driver: gen
    gen: { src: 192.0.2.0/24, dst: 203.0.113.0/24, flows: 16, size: 64, rate: 20000 }
  - name: wm1
    addresses: [198.51.100.1/24]
    mtu: 1400
    driver: sink
  - name: vlan7
    vlan: { parent: wm1, id: 7 }
    mtu: 1400
    addresses: [172.16.7.1/24]
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.250 }
  - { dst: 172.20.0.0/16, via: 172.16.7.254 }
neighbors:
  - { address: 198.51.100.250, mac: 02:00:00:00:bb:fa, dev: wm1 }
`;

const plan = (a: string, b: string) => planReload(parseConfig(a, 'a.yaml', '/'), parseConfig(b, 'b.yaml', '/'));

describe('planReload', () => {
  test('applies only the differences, removals first', () => {
    const p = plan(BASE, NEXT);
    expect(p.refused).toEqual([]);
    expect(p.steps.map((s) => s.what)).toEqual([
      'neighbor delete 198.51.100.254 wm1',
      'route delete 10.0.0.0/8',
      'ifconfig vlan7 create vlan 7 vlanif wm1',
      'ifconfig vlan7 inet 172.16.7.1/24 alias',
      'ifconfig vlan7 mtu 1400',
      'ifconfig wm0 inet6 2001:db8::1/64 alias',
      'ifconfig wm1 mtu 1400',
      'route change 203.0.113.0/24',
      'route add 172.20.0.0/16',
      'neighbor set 198.51.100.250 wm1 02:00:00:00:bb:fa',
    ]);
    expect(plan(BASE, BASE).steps).toEqual([]);
  });

  test('gifs: created (tunnel last, its source may be new), moved to another tunnel, destroyed', () => {
    const gif = (dst: string, extra = '') =>
      `  - { name: gif0, gif: { src: 198.51.100.1, dst: ${dst}${extra} }, addresses: [10.20.0.1/30] }\n`;
    const withGif = (dst: string, extra = '') => BASE.replace('routes:', `${gif(dst, extra)}routes:`);
    expect(plan(BASE, withGif('198.51.100.99')).steps.map((s) => s.what)).toEqual([
      'ifconfig gif0 create',
      'ifconfig gif0 inet 10.20.0.1/30 alias',
      'ifconfig gif0 mtu 1280',
      'ifconfig gif0 tunnel 198.51.100.1 198.51.100.99',
    ]);
    expect(plan(withGif('198.51.100.99'), withGif('198.51.100.98')).steps.map((s) => s.what)).toEqual([
      'ifconfig gif0 tunnel 198.51.100.1 198.51.100.98',
    ]);
    expect(plan(withGif('198.51.100.99'), BASE).steps.map((s) => s.what)).toEqual(['ifconfig gif0 destroy']);
    expect(plan(withGif('198.51.100.99'), withGif('198.51.100.99', ', ttl: 64')).refused).toEqual([
      'interfaces: gif0.gif',
    ]);
  });

  test('refuses, whole, what needs a restart', () => {
    const p = plan(
      BASE,
      BASE.replace('driver: sink', 'driver: sink\n    rss: { queues: 2 }').concat('ipflow: { maxflows: 512 }\n'),
    );
    expect(p.refused).toEqual(['ipflow', 'interfaces: wm1.rss']);
    const two = BASE.replace('driver: sink\n', 'driver: sink\n  - name: wm2\n    driver: sink\n');
    expect(plan(two, BASE).refused).toEqual(['interfaces: wm2 removed (a physical interface)']);
    expect(plan(BASE, two).refused).toEqual(['interfaces: wm2 added (a physical interface)']);
    expect(plan(BASE, `${BASE}engine: { busy_poll_us: 100 }\n`).refused).toEqual(['engine']);
  });
});

describe('mpstack run: SIGHUP', () => {
  test('reloads under traffic; a bad or restart-only config changes nothing', async () => {
    const r = await RouterRun.start(BASE, ['--cpus', '2']);
    const file = join(r.dir, 'router.yaml');
    const hup = async (text: string, until: RegExp) => {
      const from = r.stderr.length;
      writeFileSync(file, text);
      r.child.kill('SIGHUP');
      const deadline = Date.now() + 10_000;
      while (!until.test(r.stderr.slice(from))) {
        if (Date.now() > deadline) throw new Error(`no reload message matching ${until}: ${r.stderr.slice(from)}`);
        await new Promise((res) => setTimeout(res, 20));
      }
      return r.stderr.slice(from);
    };
    try {
      const log = await hup(NEXT, /changes applied/);
      expect(log).toMatch(/reload: route change 203\.0\.113\.0\/24\n/);
      expect(log).toMatch(/reload: 10 changes applied/);
      const routes = await r.cli('route', 'show');
      expect(routes).toMatch(/^203\.0\.113\.0\/24 via 198\.51\.100\.250 dev wm1/m);
      expect(routes).toMatch(/^172\.20\.0\.0\/16 via 172\.16\.7\.254 dev vlan7/m);
      expect(routes).not.toMatch(/10\.0\.0\.0\/8/);
      expect(await r.cli('ifconfig', 'wm1')).toMatch(/mtu 1400/);
      expect(await r.cli('ifconfig', 'vlan7')).toMatch(/inet 172\.16\.7\.1\/24/);
      // a config that does not load: said, nothing changed
      expect(await hup(NEXT.replace('mtu: 1400', 'mtu: 14'), /nothing changed/)).toMatch(
        /reload: .*mtu.*; nothing changed/,
      );
      expect(await r.cli('ifconfig', 'wm1')).toMatch(/mtu 1400/);
      // a change only a restart can make: refused whole
      const refused = await hup(NEXT.replace('id: 7 }', 'id: 8 }').concat('fastforward: false\n'), /nothing changed/);
      expect(refused).toMatch(/need a restart: fastforward; nothing changed/);
      expect(await r.cli('ifconfig', 'wm1')).toMatch(/mtu 1400/);
      // back to the first config
      expect(await hup(BASE, /changes applied/)).toMatch(/ifconfig vlan7 destroy/);
      expect(await r.cli('route', 'show')).toMatch(/^10\.0\.0\.0\/8 via 198\.51\.100\.253/m);
    } finally {
      expect(await r.stop()).toBe(0);
    }
    expect(r.stdout).toMatch(/accounting: .*: ok/);
  }, 60_000);
});
