// The control channel of a running engine: every command through the client the CLI uses, route
// changes under traffic, bad input refused with nothing changed, and the CLI end to end against a
// `mpstack run` in the background (needs the built dist/: `npm test` builds first).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatIntrctlList } from '../../ts/host/control-protocol.js';
import { formatArpLine, formatNdpTable } from '../../ts/control/types.js';
import { parseConfig } from '../../ts/config/load.js';
import { ControlClient, findInstance, listInstances } from '../../ts/host/control-client.js';
import { type ControlServer, startControlServer } from '../../ts/host/control-server.js';
import { NodeMachine } from '../../ts/host/host-node.js';

const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24, 2001:db8::1/64]
    rss: { queues: 2, udp: true }
    driver: gen
    gen: { src: 192.0.2.0/24, dst: 203.0.113.0/24, flows: 32, size: 64, rate: 50000 }
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24]
    driver: sink
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
  - { address: 100.64.0.254, mac: 02:00:00:00:bb:64, dev: wm1 }
`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir = '';
let engine: NodeMachine;
let server: ControlServer;
let c: ControlClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mpstack-ctl-'));
  engine = await NodeMachine.start(parseConfig(CONFIG, 'test.yaml', dir), {
    cpus: 2,
    engine: 'wasm',
    batch: 32,
    verify: true,
  });
  server = await startControlServer(engine, join(dir, `mpstack-${process.pid}.sock`));
  c = await ControlClient.connect(server.path);
});

afterAll(async () => {
  c?.close();
  await server?.close();
  await engine?.stop();
});

/** One raw line to the server and the first line back (for what the typed client cannot send). */
function raw(line: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const s = createConnection(server.path);
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        s.destroy();
        resolve(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      }
    });
    s.on('error', reject);
    s.write(line + '\n');
  });
}

const counters = async () => (await c.call('netstat.s', {})).counters;
const routeTexts = async () => (await c.call('route.show', {})).routes.map((r) => r.text);

describe('control server: every command', () => {
  test('intrctl list / affinity / nointr / intr', async () => {
    const l = await c.call('intrctl.list', {});
    expect(l.cpus).toBe(2);
    expect(l.rows.map((r) => r.id)).toEqual(expect.arrayContaining(['wm0 txrx0', 'wm0 txrx1', 'wm1 txrx0']));
    for (const r of l.rows) {
      expect(r.counts).toHaveLength(2);
      expect([0, 1]).toContain(r.cpu);
    }
    const text = formatIntrctlList(l);
    expect(text).toMatch(/^interrupt id\s+CPU0\s+CPU1\n/);
    expect(text).toMatch(/^wm0 txrx0\s+\d+\*?\s+\d+\*?$/m);
    const a = await c.call('intrctl.affinity', { irq: 'wm0 txrx1', cpu: 0 });
    expect(a.rows.find((r) => r.id === 'wm0 txrx1')!.cpu).toBe(0);
    const n = await c.call('intrctl.nointr', { cpu: 1 });
    expect(n.nointr).toEqual([1]);
    expect(n.rows.every((r) => r.cpu === 0)).toBe(true);
    const i = await c.call('intrctl.intr', { cpu: 1 });
    expect(i.nointr).toEqual([]);
    await c.call('intrctl.affinity', { irq: 'wm0 txrx1', cpu: 1 });
    // the same table as the engine's own (the `mpstack run` summary) for the same numbers
    const t = await c.call('intrctl.list', {});
    const shape = (x: string) => x.split('\n').map((l) => l.replace(/\d+/g, 'N').replace(/ +/g, ' '));
    expect(shape(formatIntrctlList(t))).toEqual(shape(engine.intrctlList()));
  });

  test('route show / get, in iproute2 style', async () => {
    const all = await routeTexts();
    expect(all).toEqual(
      expect.arrayContaining([
        '203.0.113.0/24 via 198.51.100.254 dev wm1',
        '192.0.2.0/24 dev wm0',
        'local 192.0.2.1 dev wm0',
        'broadcast 192.0.2.255 dev wm0',
        '2001:db8::/64 dev wm0',
        'local 2001:db8::1 dev wm0',
      ]),
    );
    expect(all.indexOf('192.0.2.0/24 dev wm0')).toBeLessThan(all.indexOf('local 192.0.2.1 dev wm0')); // key order
    const v6 = (await c.call('route.show', { family: 6 })).routes;
    expect(v6.every((r) => r.family === 6)).toBe(true);
    expect(v6.map((r) => r.text)).toEqual(['2001:db8::/64 dev wm0', 'local 2001:db8::1 dev wm0']);
    expect((await c.call('route.get', { address: '203.0.113.9' })).line).toBe(
      '203.0.113.9 203.0.113.0/24 via 198.51.100.254 dev wm1',
    );
    expect((await c.call('route.get', { address: '2001:db8::7' })).line).toBe('2001:db8::7 2001:db8::/64 dev wm0');
    expect((await c.call('route.get', { address: '8.8.8.8' })).line).toBe('8.8.8.8 unreachable');
  });

  test('route show lists a table far bigger than the scratch area, in key order', async () => {
    const n = 600;
    for (let i = 0; i < n; i++) await c.call('route.add', { line: `blackhole 10.${i >> 8}.${i & 255}.0/24` });
    try {
      const got = (await c.call('route.show', { family: 4 })).routes
        .map((r) => r.text)
        .filter((t) => t.startsWith('blackhole 10.'));
      expect(got).toEqual(Array.from({ length: n }, (_, i) => `blackhole 10.${i >> 8}.${i & 255}.0/24`));
    } finally {
      for (let i = 0; i < n; i++) await c.call('route.delete', { dst: `10.${i >> 8}.${i & 255}.0/24` });
    }
    expect((await routeTexts()).some((t) => t.startsWith('blackhole 10.'))).toBe(false);
  });

  test('ifconfig show / down / up / inet', async () => {
    const all = (await c.call('ifconfig', {})).interfaces;
    expect(all.map((x) => x.name)).toEqual(['wm0', 'wm1']);
    const wm0 = all[0]!;
    expect(wm0).toMatchObject({
      flags: ['UP'],
      mtu: 1500,
      mac: '02:00:00:00:00:01',
      addresses: ['192.0.2.1/24', '2001:db8::1/64'],
      queues: 2,
      driver: 'gen',
    });
    expect((await c.call('ifconfig.down', { if: 'wm1' })).interfaces[0]!.flags).toEqual(['DOWN']);
    expect(engine.stack.tables.ifs[2]!.up).toBe(false);
    expect((await c.call('ifconfig.up', { if: 'wm1' })).interfaces[0]!.flags).toEqual(['UP']);
    // an address brings its connected route, its local route and its broadcast, and puts gateways on link
    const r = await c.call('ifconfig.inet', { if: 'wm1', address: '100.64.0.1/10', alias: true });
    expect(r.interfaces[0]!.addresses).toEqual(['198.51.100.1/24', '100.64.0.1/10']);
    expect(await routeTexts()).toEqual(
      expect.arrayContaining([
        '100.64.0.0/10 dev wm1',
        'local 100.64.0.1 dev wm1',
        'broadcast 100.127.255.255 dev wm1',
      ]),
    );
    expect((await c.call('route.add', { line: '192.0.2.128/25 via 100.64.0.254' })).route.text).toBe(
      '192.0.2.128/25 via 100.64.0.254 dev wm1',
    );
    await c.call('route.delete', { dst: '192.0.2.128/25' });
    expect(engine.stack.tables.ifs[2]!.addr4).toBe(0xc6336401); // wm1 had an IPv4 address: it stays the primary one
    // wm1 had no IPv6 address: the first becomes its primary one in the ifnet
    expect(engine.stack.tables.ifs[2]!.addr6).toBeNull();
    await c.call('ifconfig.inet', { if: 'wm1', address: '2001:db8:1::1/64' });
    expect(engine.stack.tables.ifs[2]!.addr6).toEqual(
      Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
    );
    expect((await c.call('ifconfig', { if: 'wm1' })).interfaces[0]!.addresses).toEqual([
      '198.51.100.1/24',
      '100.64.0.1/10',
      '2001:db8:1::1/64',
    ]);
    expect((await c.call('route.get', { address: '2001:db8:1::9' })).line).toBe(
      '2001:db8:1::9 2001:db8:1::/64 dev wm1',
    );
  });

  test('ifconfig inet replaces, alias adds, delete removes, mtu sets: under traffic, nothing freed early', async () => {
    // wm1 carries the traffic (203.0.113.0/24 via 198.51.100.254): its gateway must stay on link
    await expect(c.call('ifconfig.inet', { if: 'wm1', address: '10.9.0.1/24' })).rejects.toThrow(
      /^ifconfig inet: \d+ routes? through 198\.51\.100\.254 needs? 198\.51\.100\.1\/24 on wm1 to reach it/,
    );
    await c.call('ifconfig.inet', { if: 'wm1', address: '198.51.100.2/24', alias: true });
    // the primary address is replaced: the alias in its network keeps the gateway on link
    const wm1 = (await c.call('ifconfig.inet', { if: 'wm1', address: '198.51.100.3/24' })).interfaces[0]!;
    expect(wm1.addresses.slice(0, 1)).toEqual(['198.51.100.3/24']);
    expect(wm1.addresses).toContain('198.51.100.2/24');
    expect(engine.stack.tables.ifs[2]!.addr4).toBe(0xc6336403);
    expect((await c.call('route.get', { address: '198.51.100.1' })).line).toBe('198.51.100.1 198.51.100.0/24 dev wm1');
    const back = (await c.call('ifconfig.inet', { if: 'wm1', address: '198.51.100.1/24' })).interfaces[0]!;
    expect(back.addresses[0]).toBe('198.51.100.1/24');
    expect(
      (await c.call('ifconfig.delete', { if: 'wm1', address: '198.51.100.2' })).interfaces[0]!.addresses,
    ).not.toContain('198.51.100.2/24');
    expect((await c.call('route.get', { address: '198.51.100.2' })).line).toBe('198.51.100.2 198.51.100.0/24 dev wm1');
    // mtu: the traffic's 64-byte frames still go; the flow caches take the new MTU
    expect((await c.call('ifconfig.mtu', { if: 'wm1', mtu: 1280 })).interfaces[0]!.mtu).toBe(1280);
    expect(engine.stack.tables.ifs[2]!.mtu).toBe(1280);
    await expect(c.call('ifconfig.mtu', { if: 'wm0', mtu: 1000 })).rejects.toThrow(
      /^ifconfig mtu: mtu 1000 is below 1280, the IPv6 minimum \(RFC 8200\), and wm0 has 2001:db8::1\/64$/,
    );
    await c.call('ifconfig.mtu', { if: 'wm1', mtu: 1500 });
    await sleep(50);
    expect(engine.stats.violations()).toBe(0);
  });

  test('netstat -i and -s', async () => {
    await sleep(50);
    const i = await c.call('netstat.i', {});
    const wm0 = i.interfaces.find((x) => x.name === 'wm0')!;
    expect(wm0.ipkts).toBeGreaterThan(0);
    // 64-byte frames on the wire, counted without the FCS; the two counters are read a moment apart
    // while the CPUs keep forwarding, so they may differ by what one batch per CPU adds
    expect(wm0.ibytes % 60).toBe(0);
    expect(Math.abs(wm0.ibytes / 60 - wm0.ipkts)).toBeLessThanOrEqual(2 * 256);
    expect(wm0.interrupts).toBeGreaterThan(0);
    expect(wm0.source).toBe('gen');
    const wm1 = i.interfaces.find((x) => x.name === 'wm1')!;
    expect(wm1).toMatchObject({ ipkts: 0, source: null });
    expect(wm1.opkts).toBeGreaterThan(0); // what wm0 receives goes out on wm1
    expect(i.untracked).toEqual(['Ierrs', 'Oerrs']);
    const s = await c.call('netstat.s', { perCpu: true });
    // every per-CPU counter, then the neighbor cache's (kept by the control plane's thread, not a CPU)
    const cpuKeys = Object.keys(engine.stats.cpuCounters()[0]!);
    expect(Object.keys(s.counters)).toEqual([...cpuKeys, ...Object.keys(engine.stack.lltable!.counters)]);
    expect(s.perCpu).toHaveLength(2);
    for (const k of cpuKeys) expect(s.perCpu!.reduce((n, x) => n + x[k]!, 0)).toBe(s.counters[k]);
    expect(s.counters['rx-frames']).toBeGreaterThan(0);
    expect((await c.call('netstat.s', {})).perCpu).toBeUndefined();
  });

  test('ifconfig create / destroy: a vlan attached and detached under traffic, its routes with it, its index reused', async () => {
    const made = (await c.call('ifconfig.create', { if: 'vlan7', vlan: 7, vlanif: 'wm1' })).interfaces[0]!;
    expect(made).toMatchObject({
      name: 'vlan7',
      flags: ['UP', 'VLAN'],
      mtu: 1500,
      mac: '02:00:00:00:00:02',
      vlan: { parent: 'wm1', id: 7 },
      addresses: [],
    });
    await expect(c.call('ifconfig.create', { if: 'vlan8', vlan: 7, vlanif: 'wm1' })).rejects.toThrow(
      /vlan 7 on wm1 is vlan7 already/,
    );
    await c.call('ifconfig.inet', { if: 'vlan7', address: '10.77.0.1/24' });
    await c.call('route.add', { line: '203.0.113.128/25 via 10.77.0.254' });
    expect((await c.call('route.get', { address: '203.0.113.200' })).line).toBe(
      '203.0.113.200 203.0.113.128/25 via 10.77.0.254 dev vlan7',
    );
    const routes = (await c.call('route.show', { family: 4 })).routes
      .filter((r) => r.dev === 'vlan7')
      .map((r) => r.text);
    expect(routes).toEqual([
      '10.77.0.0/24 dev vlan7',
      'local 10.77.0.1 dev vlan7',
      'broadcast 10.77.0.255 dev vlan7',
      '203.0.113.128/25 via 10.77.0.254 dev vlan7',
    ]);
    expect((await c.call('ifconfig.destroy', { if: 'vlan7' })).routes).toBe(4);
    expect((await c.call('route.get', { address: '203.0.113.200' })).line).toBe(
      '203.0.113.200 203.0.113.0/24 via 198.51.100.254 dev wm1',
    );
    expect((await c.call('ifconfig', {})).interfaces.map((x) => x.name)).toEqual(['wm0', 'wm1']);
    await expect(c.call('ifconfig', { if: 'vlan7' })).rejects.toThrow(/no interface 'vlan7'/);
    // the freed index is the lowest free one again
    const again = (await c.call('ifconfig.create', { if: 'vlan9', vlan: 9, vlanif: 'wm0' })).interfaces[0]!;
    expect(again.index).toBe(made.index);
    // the gateway vlan7's network held is on no link now, though its old index is in use again
    await expect(c.call('route.add', { line: '10.88.0.0/16 via 10.77.0.254' })).rejects.toThrow(
      /gateway 10\.77\.0\.254 is not on a connected network/,
    );
    await c.call('ifconfig.destroy', { if: 'vlan9' });
    expect(engine.stats.violations()).toBe(0);
  });

  test('netstat -m: the clusters, where they are, none lost', async () => {
    const m = await c.call('netstat.m', {});
    expect(m.clusters).toBe(engine.bufs.total);
    expect(m.clusterBytes).toBe(2176);
    // read while the CPUs move clusters: the parts may not add up exactly, but none can exceed the whole
    expect(m.poolFree + m.cached).toBeLessThanOrEqual(m.clusters);
    expect(m.poolFree + m.cached).toBeGreaterThan(0);
    expect({ missed: m.rxMissed, nobufs: m.rxNobufs, pktq: m.pktqDrops, tx: m.txDrops }).toEqual({
      missed: 0,
      nobufs: 0,
      pktq: 0,
      tx: 0,
    });
    await expect(c.call('netstat.m', { x: 1 } as never)).rejects.toThrow(/unknown argument 'x'/);
  });
});

describe('control server: the neighbor cache (arp / ndp)', () => {
  test('list, set static, delete; the arp -a and ndp -a formats', async () => {
    // the static ones (traffic may have left others: the engine resolves next hops)
    const l = (await c.call('neighbor.list', { family: 4 })).neighbors.filter((e) => e.state === 'static');
    expect(l.map(formatArpLine)).toEqual([
      '? (100.64.0.254) at 02:00:00:00:bb:64 on wm1 permanent',
      '? (198.51.100.254) at 02:00:00:00:bb:fe on wm1 permanent',
    ]);
    // no interface: the one whose network holds the address
    const set = await c.call('neighbor.set', { address: '192.0.2.77', mac: '02:00:00:00:aa:77' });
    expect(set.neighbors.map((e) => [e.address, e.if, e.state])).toEqual([['192.0.2.77', 'wm0', 'static']]);
    await c.call('neighbor.set', { address: 'fe80::1', mac: '02:00:00:00:aa:01', if: 'wm0' });
    const statics6 = (await c.call('neighbor.list', { family: 6 })).neighbors.filter((e) => e.state === 'static');
    expect(formatNdpTable(statics6)).toBe(
      'Neighbor    Linklayer Address Netif    Expire S Flags\nfe80::1%wm0 02:00:00:00:aa:01   wm0 permanent R\n',
    );
    expect(await c.call('neighbor.delete', { address: '192.0.2.77' })).toEqual({ deleted: 1 });
    expect(await c.call('neighbor.delete', { address: 'fe80::1', if: 'wm0' })).toEqual({ deleted: 1 });
    await expect(c.call('neighbor.delete', { address: '192.0.2.77' })).rejects.toThrow(
      /neighbor delete: 192.0.2.77: no entry/,
    );
    await expect(c.call('neighbor.set', { address: '10.9.9.9', mac: '02:00:00:00:aa:77' })).rejects.toThrow(
      /on no interface's network/,
    );
    await expect(c.call('neighbor.set', { address: '192.0.2.78', mac: 'ff:ff:ff:ff:ff:ff' })).rejects.toThrow(
      /not a unicast MAC/,
    );
    expect((await c.call('neighbor.list', {})).neighbors.filter((e) => e.state === 'static')).toHaveLength(2);
  });
});

describe('control server: routes under traffic', () => {
  test('the engine keeps forwarding while routes churn; a deleted route stops matching, at once', async () => {
    const fwd = async () => {
      const x = await counters();
      return x['fast']! + x['normal']!;
    };
    const f0 = await fwd();
    // churn: add and delete routes while the CPUs forward (deletes wait out a grace period each)
    for (let i = 0; i < 50; i++) {
      await c.call('route.add', { line: `10.${i}.0.0/16 via 198.51.100.254` });
      if (i % 2) await c.call('route.delete', { dst: `10.${i - 1}.0.0/16` });
    }
    await sleep(100);
    expect(await fwd()).toBeGreaterThan(f0);
    // the traffic's own route goes: frames drop as no-route, and nothing is forwarded any more
    await c.call('route.delete', { dst: '203.0.113.0/24' });
    expect((await c.call('route.get', { address: '203.0.113.9' })).line).toBe('203.0.113.9 unreachable');
    await sleep(50); // batches already under way finish
    const f1 = await fwd();
    const n1 = (await counters())['reason:no-route']!;
    await sleep(150);
    expect(await fwd()).toBe(f1);
    expect((await counters())['reason:no-route']!).toBeGreaterThan(n1);
    // and comes back
    await c.call('route.add', { line: '203.0.113.0/24 via 198.51.100.254 dev wm1' });
    await sleep(150);
    expect(await fwd()).toBeGreaterThan(f1);
    for (let i = 1; i < 50; i += 2) await c.call('route.delete', { dst: `10.${i}.0.0/16` });
    expect(engine.stats.violations()).toBe(0); // no CPU forwarded with a nexthop the writer had freed
  });
});

describe('control server: bad input', () => {
  test('every bad request gets a clear error and changes nothing', async () => {
    const state = async () => {
      const l = await c.call('intrctl.list', {});
      return {
        bound: l.rows.map((r) => `${r.id}@${r.cpu}`),
        nointr: l.nointr,
        routes: await routeTexts(),
        ifs: (await c.call('ifconfig', {})).interfaces,
      };
    };
    const before = await state();
    const bad: [string, unknown, RegExp][] = [
      ['route.flush', {}, /^unknown command 'route\.flush' \(expected intrctl\.list, /],
      ['intrctl.list', { verbose: true }, /^intrctl list: unknown argument 'verbose' \(it takes none\)/],
      ['intrctl.affinity', { irq: 'wm7 txrx0', cpu: 0 }, /^intrctl affinity: no interrupt 'wm7 txrx0'/],
      ['intrctl.affinity', { irq: 'wm0 txrx0', cpu: 5 }, /^intrctl affinity: no CPU 5 \(CPUs 0-1\)/],
      ['intrctl.affinity', { irq: 'wm0 txrx0' }, /'cpu' must be an integer/],
      ['intrctl.affinity', { irq: 'wm0 txrx0', cpu: '0' }, /'cpu' must be an integer/],
      ['intrctl.nointr', { cpu: 2 }, /no CPU 2/],
      ['intrctl.intr', { cpu: -1 }, /no CPU -1/],
      [
        'route.add',
        { line: '203.0.113.0/33 via 198.51.100.254' },
        /^route add: dst: '203\.0\.113\.0\/33': bad prefix length/,
      ],
      ['route.add', { line: '10.0.0.1/8 via 198.51.100.254' }, /host bits set \(the network is 10\.0\.0\.0\/8\)/],
      [
        'route.add',
        { line: '10.0.0.0/8 via 192.0.9.9' },
        /^route add: gateway 192\.0\.9\.9 is not on a connected network$/,
      ],
      ['route.add', { line: '10.0.0.0/8 dev wm9' }, /no interface named 'wm9'/],
      [
        'route.add',
        { line: '203.0.113.0/24 via 198.51.100.254' },
        /^route add: 203\.0\.113\.0\/24: route already exists$/,
      ],
      ['route.add', { line: '10.0.0.0/8 via 198.51.100.254 colour red' }, /unknown word 'colour'/],
      ['route.add', { line: '# nothing' }, /^route add: no route in '# nothing'$/],
      ['route.add', { line: '10.0.0.0/8 dev wm1\n10.1.0.0/16 dev wm1' }, /one route per request/],
      ['route.add', { line: '' }, /'line' must be a non-empty string/],
      ['route.add', {}, /'line' must be a non-empty string/],
      ['route.delete', { dst: '10.0.0.0/8' }, /^route delete: no route to 10\.0\.0\.0\/8$/],
      ['route.delete', { dst: 'bogus' }, /'bogus' is not a prefix/],
      ['route.delete', { dst: '203.0.113.1/24' }, /host bits set/],
      ['route.delete', { dst: '203.0.113.0/24', family: 6 }, /is not an IPv6 prefix/],
      ['route.delete', { dst: 'default' }, /no route to 0\.0\.0\.0\/0/],
      ['route.show', { family: 5 }, /'family' must be 4 or 6/],
      ['route.get', { address: '1.2.3' }, /^route get: '1\.2\.3' is not an IPv4 or IPv6 address$/],
      ['ifconfig', { if: 'wm9' }, /^ifconfig: no interface 'wm9' \(have: wm0, wm1\)$/],
      ['ifconfig.up', { if: 'wm9' }, /no interface 'wm9'/],
      ['ifconfig.down', {}, /'if' must be a non-empty string/],
      ['ifconfig.inet', { if: 'wm1', address: '10.9.0.1' }, /is not an address with a prefix length/],
      ['ifconfig.inet', { if: 'wm1', address: '224.0.0.1/4' }, /224\.0\.0\.1 is not a unicast address/],
      ['ifconfig.inet', { if: 'wm1', address: '192.0.2.1/24' }, /address 192\.0\.2\.1 is already configured on wm0/],
      ['ifconfig.inet', { if: 'wm1', address: '192.0.2.255/24' }, /a route to 192\.0\.2\.255\/32 exists already/],
      ['ifconfig.inet', { if: 'wm1', address: '10.9.0.1/0' }, /prefix length must be 1\.\.32/],
      ['ifconfig.inet', { if: 'wm9', address: '10.9.0.1/24' }, /no interface 'wm9'/],
      ['ifconfig.inet', { if: 'wm1', address: '10.9.0.1/24', alias: 'yes' }, /'alias' must be true or false/],
      ['ifconfig.inet', { if: 'wm1', address: '10.9.0.1/24' }, /^ifconfig inet: 1 route through 198\.51\.100\.254/],
      [
        'ifconfig.delete',
        { if: 'wm1', address: '10.9.0.1' },
        /^ifconfig delete: 10\.9\.0\.1 is not an address of wm1 \(it has 198\.51\.100\.1\/24/,
      ],
      ['ifconfig.delete', { if: 'wm1', address: '198.51.100.1/24' }, /1 route through 198\.51\.100\.254 needs/],
      [
        'ifconfig.delete',
        { if: 'wm1', address: '198.51.100.1/25' },
        /configured on wm1 as 198\.51\.100\.1\/24, not \/25/,
      ],
      ['ifconfig.delete', { if: 'wm1', address: '198.51.100' }, /'198\.51\.100' is not an IPv4 or IPv6 address/],
      ['ifconfig.mtu', { if: 'wm1', mtu: 67 }, /^ifconfig mtu: mtu must be 68\.\.9216, not 67$/],
      ['ifconfig.mtu', { if: 'wm1', mtu: 1500.5 }, /'mtu' must be an integer/],
      ['ifconfig.mtu', { if: 'wm9', mtu: 1500 }, /no interface 'wm9'/],
      ['netstat.s', { perCpu: 'yes' }, /'perCpu' must be true or false/],
      ['netstat.i', { x: 1 }, /unknown argument 'x'/],
      ['ifconfig.create', { if: 'wm1', vlan: 5, vlanif: 'wm0' }, /interface wm1 exists already/],
      ['ifconfig.create', { if: 'v5', vlan: 0, vlanif: 'wm0' }, /vlan id must be 1\.\.4094, not 0/],
      ['ifconfig.create', { if: 'v5', vlan: 4095, vlanif: 'wm0' }, /vlan id must be 1\.\.4094/],
      ['ifconfig.create', { if: 'v5', vlan: 5, vlanif: 'wm9' }, /no interface 'wm9'/],
      ['ifconfig.create', { if: '5v', vlan: 5, vlanif: 'wm0' }, /'5v' is not an interface name/],
      ['ifconfig.create', { if: 'v5', vlanif: 'wm0' }, /'vlan' must be/],
      ['ifconfig.destroy', { if: 'wm0' }, /wm0 is a NIC: only vlan, gif and bridge interfaces can be destroyed/],
      ['ifconfig.destroy', { if: 'v9' }, /no interface 'v9'/],
    ];
    for (const [cmd, args, re] of bad) {
      await expect(c.request(cmd, args)).rejects.toThrow(re);
    }
    // nointr on the last CPU taking interrupts is refused; intr puts everything back
    await c.call('intrctl.nointr', { cpu: 1 });
    await expect(c.call('intrctl.nointr', { cpu: 0 })).rejects.toThrow(/last CPU/);
    await expect(c.call('intrctl.affinity', { irq: 'wm0 txrx0', cpu: 1 })).rejects.toThrow(/takes no interrupts/);
    await c.call('intrctl.intr', { cpu: 1 });
    // what the typed client cannot send
    expect(await raw('{"id": 7, "cmd": "route.show"')).toMatchObject({
      id: null,
      ok: false,
      error: expect.stringMatching(/^malformed JSON/),
    });
    expect(await raw('[1, 2]')).toMatchObject({
      id: null,
      ok: false,
      error: expect.stringMatching(/a request is a JSON object/),
    });
    expect(await raw('{"id": "x", "cmd": "intrctl.list"}')).toMatchObject({
      id: null,
      ok: false,
      error: expect.stringMatching(/"id" must be a number/),
    });
    expect(await raw('{"id": 3, "cmd": 4}')).toMatchObject({
      id: 3,
      ok: false,
      error: expect.stringMatching(/"cmd" must be a string/),
    });
    expect(await raw('{"id": 4, "cmd": "route.show", "args": [4]}')).toMatchObject({
      id: 4,
      ok: false,
      error: expect.stringMatching(/"args" must be a JSON object/),
    });
    expect(await raw('{"id": 5, "cmd": "toString"}')).toMatchObject({
      id: 5,
      ok: false,
      error: expect.stringMatching(/unknown command 'toString'/),
    });
    expect(await raw('x'.repeat(70_000))).toMatchObject({
      id: null,
      ok: false,
      error: expect.stringMatching(/longer than/),
    });
    expect(await raw('{"id": 6, "cmd": "route.get", "args": {"address": "192.0.2.1"}}')).toEqual({
      id: 6,
      ok: true,
      result: {
        dst: '192.0.2.1',
        family: 4,
        prefix: '192.0.2.1/32',
        type: 'local',
        gateway: null,
        dev: 'wm0',
        line: '192.0.2.1 192.0.2.1/32 local dev wm0',
      },
    });
    expect(await state()).toEqual(before);
  });
});

describe('finding the instance', () => {
  test('none, one, several; stale sockets are removed', async () => {
    const d = mkdtempSync(join(tmpdir(), 'mpstack-find-'));
    expect(() => findInstance(undefined, d)).toThrow('no mpstack instance is running (start one with mpstack run)');
    // a socket left by a process that died without cleaning up
    const stale = join(d, 'mpstack-4000000.sock');
    const k = spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(k.signal).toBe('SIGKILL');
    expect(existsSync(stale)).toBe(true);
    const other = createServer();
    await new Promise<void>((r) => other.listen(join(d, `mpstack-${process.ppid}.sock`), r));
    try {
      expect(findInstance(undefined, d)).toBe(join(d, `mpstack-${process.ppid}.sock`));
      expect(existsSync(stale)).toBe(false);
      const mine = await startControlServer(engine, join(d, `mpstack-${process.pid}.sock`));
      try {
        expect(
          listInstances(d)
            .map((x) => x.pid)
            .sort(),
        ).toEqual([process.pid, process.ppid].sort());
        expect(() => findInstance(undefined, d)).toThrow(
          /^2 instances are running: pass --socket PATH \(one of .*mpstack-\d+\.sock \[pid \d+\], .*\)$/,
        );
        expect(findInstance(mine.path, d)).toBe(mine.path);
        // a second server on a live socket is refused
        await expect(startControlServer(engine, mine.path)).rejects.toThrow(/already listening/);
      } finally {
        await mine.close();
      }
      expect(existsSync(join(d, `mpstack-${process.pid}.sock`))).toBe(false);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });
});

const CLI = join(process.cwd(), 'dist/ts/cli/main.js');
const run = promisify(execFile);

describe('mpstack run + the control commands (end to end)', () => {
  test('intrctl, route, ifconfig, netstat against a background `mpstack run`, found without --socket', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build`);
    const xdg = mkdtempSync(join(tmpdir(), 'mpstack-xdg-'));
    const env = { ...process.env, XDG_RUNTIME_DIR: xdg };
    writeFileSync(join(dir, 'run.yaml'), CONFIG);
    const child = spawn(
      process.execPath,
      [CLI, 'run', '--config', join(dir, 'run.yaml'), '--cpus', '2', '--duration', '120'],
      { env },
    ); // stopped with SIGINT once the CLI calls below are done; the duration only bounds a stuck run
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 5000;
    while (!/control socket (\S+)/.test(stderr)) {
      if (Date.now() > deadline) throw new Error(`mpstack run did not come up: ${stderr}`);
      await sleep(20);
    }
    const sock = /control socket (\S+)/.exec(stderr)![1]!;
    expect(sock).toBe(join(xdg, `mpstack-${process.getuid!()}`, `mpstack-${child.pid}.sock`));
    const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
    const fails = (...args: string[]) =>
      cli(...args).then(
        () => {
          throw new Error(`${args.join(' ')} succeeded`);
        },
        (e: { code: number; stdout: string; stderr: string }) => e,
      );

    // independent sequences side by side
    try {
      await Promise.all([
        (async () => {
          const l = (await cli('intrctl', 'list')).stdout;
          expect(l).toMatch(/^interrupt id\s+CPU0\s+CPU1\n/);
          expect(l).toMatch(/^wm0 txrx0\s+\d+\*?\s+\d+\*?$/m);
          expect((await cli('intrctl', 'affinity', '-i', 'wm0 txrx1', '-c', '0')).stdout).toBe('');
          expect((await cli('intrctl', 'list')).stdout).toMatch(/^wm0 txrx1\s+\d+\*\s+\d+$/m);
        })(),
        (async () => {
          expect((await cli('route', 'add', '10.0.0.0/8', 'via', '198.51.100.254', 'dev', 'wm1')).stdout).toBe('');
          expect((await cli('route', 'get', '10.1.2.3')).stdout).toBe(
            '10.1.2.3 10.0.0.0/8 via 198.51.100.254 dev wm1\n',
          );
          const e = await fails('route', 'add', '10.0.0.0/8', 'via', '198.51.100.254');
          expect(e.stderr).toBe('mpstack: route add: 10.0.0.0/8: route already exists\n');
          expect(e.code).toBe(1);
          // structured like `ip -j route get`; unreachable exits 2 as `ip route get` does, with its answer
          expect(JSON.parse((await cli('route', 'get', '--json', '10.1.2.3')).stdout)).toEqual({
            dst: '10.1.2.3',
            family: 4,
            prefix: '10.0.0.0/8',
            type: 'unicast',
            gateway: '198.51.100.254',
            dev: 'wm1',
            line: '10.1.2.3 10.0.0.0/8 via 198.51.100.254 dev wm1',
          });
          const u = await fails('route', 'get', '8.8.8.8');
          expect([u.code, u.stderr, u.stdout]).toEqual([2, '', '8.8.8.8 unreachable\n']);
          const uj = await fails('route', 'get', '--json', '2001:db9::1');
          expect(uj.code).toBe(2);
          expect(JSON.parse(uj.stdout)).toEqual({
            dst: '2001:db9::1',
            family: 6,
            prefix: null,
            type: null,
            gateway: null,
            dev: null,
            line: '2001:db9::1 unreachable',
          });
          expect((await fails('route', 'get', '1.2.3')).code).toBe(1); // a bad request is an error, not an answer
        })(),
        (async () => {
          const s = JSON.parse((await cli('netstat', '-s', '--json')).stdout) as {
            cpus: number;
            counters: Record<string, number>;
          };
          expect(s.cpus).toBe(2);
          expect(s.counters['rx-frames']).toBeGreaterThan(0);
        })(),
        (async () => {
          expect((await cli('ifconfig', 'vlan5', 'create', 'vlan', '5', 'vlanif', 'wm1')).stdout).toBe('');
          expect((await cli('ifconfig', 'vlan5')).stdout).toMatch(
            /^vlan5: flags=<UP,VLAN> mtu 1500\n\taddress: 02:00:00:00:00:02\n\tvlan: 5 parent: wm1\n\tinet6 fe80::ff:fe00:2%vlan5\/64\n$/,
          );
          expect((await fails('ifconfig', 'vlan6', 'create', 'vlan', 'x', 'vlanif', 'wm1')).stderr).toBe(
            "mpstack: ifconfig: vlan id must be 1..4094, not 'x'\n",
          );
          expect((await cli('ifconfig', 'vlan5', 'destroy')).stdout).toBe('');
          expect((await fails('ifconfig', 'vlan5')).stderr).toMatch(/no interface 'vlan5'/);
        })(),
        (async () => {
          // NetBSD's ifconfig: alias adds, -alias and delete remove, inet without alias replaces, mtu
          expect((await cli('ifconfig', 'wm1', 'inet', '100.64.0.1/10', 'alias')).stdout).toBe('');
          expect((await cli('ifconfig', 'wm1')).stdout).toMatch(
            /\tinet 198\.51\.100\.1\/24 broadcast 198\.51\.100\.255\n\tinet 100\.64\.0\.1\/10 broadcast 100\.127\.255\.255\n\tinet6 fe80::ff:fe00:2%wm1\/64\n$/,
          );
          expect((await cli('ifconfig', 'wm1', 'inet', '100.64.0.1', '-alias')).stdout).toBe('');
          expect((await cli('ifconfig', 'wm1')).stdout).not.toMatch(/100\.64/);
          expect((await cli('ifconfig', 'wm1', 'inet6', '2001:db8:9::1/64')).stdout).toBe(''); // none yet: added
          const six = JSON.parse((await cli('ifconfig', 'wm1', 'inet6', '2001:db8:9::2/64', '--json')).stdout) as {
            addresses: string[];
          };
          expect(six.addresses).toEqual(['198.51.100.1/24', '2001:db8:9::2/64']); // replaced
          expect((await cli('ifconfig', 'wm1', 'inet6', '2001:db8:9::2', 'delete')).stdout).toBe('');
          expect((await cli('ifconfig', 'wm1', 'mtu', '1400')).stdout).toBe('');
          expect((await cli('ifconfig', 'wm1')).stdout).toMatch(/^wm1: flags=<UP> mtu 1400\n/);
          const bad = await fails('ifconfig', 'wm1', 'mtu', '20');
          expect([bad.code, bad.stderr]).toEqual([1, 'mpstack: ifconfig mtu: mtu must be 68..9216, not 20\n']);
          const gone = await fails('ifconfig', 'wm1', 'inet', '192.0.2.99', '-alias');
          expect(gone.stderr).toBe(
            'mpstack: ifconfig delete: 192.0.2.99 is not an address of wm1 (it has 198.51.100.1/24)\n',
          );
          const v6 = await fails('ifconfig', 'wm1', 'inet', '2001:db8::5/64');
          expect(v6.stderr).toBe('mpstack: ifconfig: 2001:db8::5/64 is not an IPv4 address\n');
          expect((await fails('ifconfig', 'wm1', 'inet', '10.1.1.1/24', '-x')).stderr).toBe(
            "mpstack: unknown option '-x' for ifconfig\n",
          );
          expect((await cli('ifconfig', 'wm1', 'mtu', '1500')).stdout).toBe('');
          expect((await cli('arp', '-s', '192.0.2.50', '02:00:00:00:aa:50')).stdout).toBe('');
          expect((await cli('arp', '-an')).stdout).toContain('? (192.0.2.50) at 02:00:00:00:aa:50 on wm0 permanent\n');
          expect((await cli('arp', '-d', '192.0.2.50')).stdout).toBe('');
          expect((await fails('arp', '-d', '192.0.2.50')).stderr).toBe(
            'mpstack: neighbor delete: 192.0.2.50: no entry\n',
          );
          expect((await cli('ndp', '-a')).stdout).toBe('Neighbor Linklayer Address Netif Expire S Flags\n');
        })(),
        (async () => {
          const m = await cli('netstat', '-m');
          expect(m.stdout).toMatch(
            /^\d+ clusters of 2176 bytes \([\d.]+ MiB\): \d+ free in the pool, \d+ in CPU caches/,
          );
          expect(m.stdout).toMatch(/lost 0 \(RX ring full\), 0 \(no cluster\), 0 \(pktq full\)/);
        })(),
      ]);
    } catch (e) {
      child.kill();
      throw e;
    }

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/^wm0 txrx1\s+\d+\*\s+\d+$/m); // the summary's table shows the move too
    expect(stdout).toMatch(/accounting: .*: ok/);
    expect(readdirSync(join(xdg, `mpstack-${process.getuid!()}`))).toEqual([]); // the socket went with it
    const none = await fails('intrctl', 'list');
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('mpstack: no mpstack instance is running (start one with mpstack run)\n');
  }, 90_000);
});
