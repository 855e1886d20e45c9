// createRouter: frames in and out by interface name, the control methods, ports as streams and
// callbacks (two routers joined with pipeTo), the manual clock, and errors with the CLI's messages.
import { describe, expect, test } from '@jest/globals';
import { buildArp, buildFrame } from '../packet/build.js';
import { parseIP, parseMac } from '../addr/addr.js';
import { createRouter, type Router } from './router.js';

const ip = (s: string) => parseIP(s)!.bytes;
const mac = (s: string) => parseMac(s)!;

/** Router A: hosts on wm0 (192.0.2.0/24), router B behind wm1 at 198.51.100.2. */
const CONFIG_A = {
  interfaces: [
    { name: 'wm0', mac: '02:00:00:00:0a:01', addresses: ['192.0.2.1/24'] },
    { name: 'wm1', mac: '02:00:00:00:0a:02', addresses: ['198.51.100.1/24'] },
  ],
  routes: [{ dst: '203.0.113.0/24', via: '198.51.100.2' }],
  neighbors: [
    { address: '198.51.100.2', mac: '02:00:00:00:0b:01', dev: 'wm1' },
    { address: '192.0.2.10', mac: '02:00:00:00:aa:10', dev: 'wm0' }, // errors go back to the host: no ARP yet
  ],
};
/** Router B: A on wm0 (198.51.100.0/24), hosts of 203.0.113.0/24 on wm1. */
const CONFIG_B = {
  interfaces: [
    { name: 'wm0', mac: '02:00:00:00:0b:01', addresses: ['198.51.100.2/24'] },
    { name: 'wm1', mac: '02:00:00:00:0b:02', addresses: ['203.0.113.1/24'] },
  ],
  neighbors: [{ address: '203.0.113.9', mac: '02:00:00:00:cc:09', dev: 'wm1' }],
};

const fromHost = (dst: string, ttl = 64) =>
  buildFrame({
    dstMac: mac('02:00:00:00:0a:01'),
    srcMac: mac('02:00:00:00:aa:10'),
    src: ip('192.0.2.10'),
    dst: ip(dst),
    proto: 'udp',
    sport: 1000,
    dport: 2000,
    ttl,
  });

describe.each(['wasm', 'ts'] as const)('createRouter (%s)', (engine) => {
  const make = (cfg: Record<string, unknown> = CONFIG_A): Promise<Router> =>
    createRouter(cfg, { engine, clock: 'manual' });

  test('receive: a routed frame leaves by the route interface, rewritten', async () => {
    const r = await make();
    const out = r.receive('wm0', fromHost('203.0.113.9'));
    expect(out.map((o) => o.if)).toEqual(['wm1']);
    const f = out[0]!.frame;
    expect([...f.subarray(0, 6)]).toEqual([...mac('02:00:00:00:0b:01')]); // the gateway's MAC
    expect([...f.subarray(6, 12)]).toEqual([...mac('02:00:00:00:0a:02')]); // wm1's own
    expect(f[14 + 8]).toBe(63); // TTL
    expect(r.counters()['normal'] ?? 0).toBe(1);
  });

  test('receive: the ICMP error goes back out the receiving interface', async () => {
    const r = await make();
    const out = r.receive('wm0', fromHost('203.0.113.9', 1));
    expect(out.map((o) => [o.if, o.frame[14 + 20]])).toEqual([['wm0', 11]]); // time exceeded
  });

  test('control: routes added, asked, listed and deleted change what receive does', async () => {
    const r = await make();
    expect((await r.routes.get('10.1.2.3')).type).toBeNull();
    expect(r.receive('wm0', fromHost('10.1.2.3')).map((o) => o.if)).toEqual(['wm0']); // unreachable
    await r.routes.add('10.0.0.0/8 via 198.51.100.2');
    expect((await r.routes.get('10.1.2.3')).line).toBe('10.1.2.3 10.0.0.0/8 via 198.51.100.2 dev wm1');
    expect((await r.routes.list(4)).map((e) => e.text)).toContain('10.0.0.0/8 via 198.51.100.2 dev wm1');
    expect(r.receive('wm0', fromHost('10.1.2.3')).map((o) => o.if)).toEqual(['wm1']);
    await r.routes.delete('10.0.0.0/8');
    expect((await r.routes.get('10.1.2.3')).type).toBeNull();
  });

  test('control: a bridge created at run time switches between its members, then is destroyed', async () => {
    const r = await make({
      interfaces: [
        { name: 'wm0', mac: '02:00:00:00:0a:01', addresses: ['192.0.2.1/24'] },
        { name: 'wm1', mac: '02:00:00:00:0a:02' },
        { name: 'wm2', mac: '02:00:00:00:0a:03' },
      ],
    });
    const e = await r.interfaces.createBridge('bridge0', { maxaddr: 50, timeout: 60 });
    expect(e.flags).toContain('BRIDGE');
    await r.bridges.add('bridge0', 'wm1');
    await r.bridges.add('bridge0', 'wm2');
    const station = (src: string, dst: string) =>
      buildFrame({ dstMac: mac(dst), srcMac: mac(src), src: ip('10.9.0.1'), dst: ip('10.9.0.2'), proto: 'udp' });
    // unknown destination: flooded to the other member only
    expect(r.receive('wm1', station('02:00:00:00:01:01', '02:00:00:00:02:02')).map((o) => o.if)).toEqual(['wm2']);
    const [b] = await r.bridges.list('bridge0');
    expect([b!.maxaddr, b!.timeout, b!.addresses.map((a) => [a.mac, a.port])]).toEqual([
      50,
      60,
      [['02:00:00:00:01:01', 'wm1']],
    ]);
    await r.interfaces.destroy('bridge0');
    expect(r.interfaces.list().map((i) => i.name)).toEqual(['wm0', 'wm1', 'wm2']);
    expect(r.receive('wm1', station('02:00:00:00:01:01', '02:00:00:00:02:02'))).toEqual([]); // not switched
  });

  test('control: interfaces, addresses and neighbors', async () => {
    const r = await make();
    expect(r.interfaces.list().map((i) => i.name)).toEqual(['wm0', 'wm1']);
    await r.addresses.add('wm0', '192.0.2.77/24');
    expect(r.addresses.list('wm0')).toEqual(['192.0.2.1/24', '192.0.2.77/24']);
    await r.interfaces.createVlan('vlan7', 'wm0', 7);
    await r.addresses.add('vlan7', '10.7.0.1/24');
    await r.neighbors.set('10.7.0.9', 'vlan7', '02:00:00:00:07:09');
    await r.routes.add('172.16.0.0/12 via 10.7.0.9');
    const out = r.receive('wm0', fromHost('172.16.1.1'));
    // a vlan's frames leave by its parent's link, tagged: ports are links. With the forwarded frame
    // (tagged, VID 7, IPv4) go the gratuitous ARPs announcing the two addresses added since the
    // last frame: 192.0.2.77 on wm0 (untagged: hardware type 1, protocol IPv4) and 10.7.0.1 (tagged)
    const kinds = out.map((o) => [o.if, (o.frame[14]! << 8) | o.frame[15]!, (o.frame[16]! << 8) | o.frame[17]!]);
    expect(kinds.sort()).toEqual([
      ['wm0', 1, 0x0800],
      ['wm0', 7, 0x0800],
      ['wm0', 7, 0x0806],
    ]);
    expect(() => r.port('vlan7')).toThrow(/vlan7 is a vlan: its frames travel tagged on wm0/);
    expect(await r.interfaces.destroy('vlan7')).toBe(4);
    expect(r.interfaceCounters()['wm0']!.ipkts).toBe(1);
  });

  test('errors carry the CLI messages', async () => {
    const r = await make();
    expect(() => r.receive('wm9', new Uint8Array(60))).toThrow(/no interface 'wm9' \(have: wm0, wm1\)/);
    await expect(r.routes.add('10.0.0.0/8 via 192.0.2.250 dev wm1')).rejects.toThrow(
      /not on a connected network of wm1/,
    );
    await expect(r.neighbors.set('10.0.0.1', 'wm0', 'nope')).rejects.toThrow(/'nope' is not a MAC address/);
    await expect(
      createRouter({ interfaces: [{ name: 'wm0', addresses: ['192.0.2.1/33'] }] }, { engine }),
    ).rejects.toThrow(/192\.0\.2\.1\/33/);
    await expect(createRouter(CONFIG_A, { engine, clock: 'sundial' as 'real' })).rejects.toThrow(/clock must be/);
  });

  test('ports: two routers joined with pipeTo forward end to end; callbacks see the same frames', async () => {
    const a = await make(CONFIG_A);
    const b = await make(CONFIG_B);
    void a.port('wm1').readable.pipeTo(b.port('wm0').writable);
    const seen: Uint8Array[] = [];
    b.port('wm1').onFrame((f) => seen.push(f));
    const reader = b.port('wm1').readable.getReader();
    a.port('wm0').send(fromHost('203.0.113.9'));
    const { value } = await reader.read();
    expect(seen).toHaveLength(1);
    expect(value).toBe(seen[0]);
    expect([...value!.subarray(0, 6)]).toEqual([...mac('02:00:00:00:cc:09')]);
    expect(value![14 + 8]).toBe(62); // two routers, two hops
  });

  test('the manual clock moves only by tick, and never backwards', async () => {
    const r = await createRouter(CONFIG_A, { engine, clock: 'manual', startMs: 5_000 });
    // two ICMP errors at one instant with the default burst: both sent; the clock is the router's
    for (let i = 0; i < 3; i++) r.receive('wm0', fromHost('203.0.113.9', 1));
    r.tick(1_000); // backwards: ignored
    expect(() => r.tick(Number.NaN)).toThrow(/not a time/);
    expect(r.tick(60_000)).toEqual([]);
    expect(r.counters()['icmp-errors-out']).toBe(3);
  });

  test('ARP: a miss sends a request and holds the frame, tick retransmits, the reply releases it', async () => {
    const { neighbors, ...noGw } = CONFIG_A;
    const r = await make({ ...noGw, neighbors: [neighbors[1]!] }); // the gateway 198.51.100.2 unknown
    const first = r.receive('wm0', fromHost('203.0.113.9'));
    const isArpRequest = (f: Uint8Array) => f[12] === 0x08 && f[13] === 0x06 && f[21] === 1;
    expect(first.map((o) => [o.if, isArpRequest(o.frame)])).toEqual([['wm1', true]]);
    expect([...first[0]!.frame.subarray(38, 42)]).toEqual([198, 51, 100, 2]); // who has the gateway
    expect(r.tick(500)).toEqual([]); // the retransmit timer is 1 s
    expect(r.tick(1_000).map((o) => [o.if, isArpRequest(o.frame)])).toEqual([['wm1', true]]);
    const reply = buildArp({
      dstMac: mac('02:00:00:00:0a:02'),
      srcMac: mac('02:00:00:00:0b:01'),
      op: 2,
      senderMac: mac('02:00:00:00:0b:01'),
      senderIp: ip('198.51.100.2'),
      targetIp: ip('198.51.100.1'),
    });
    const released = r.receive('wm1', reply);
    expect(released.map((o) => o.if)).toEqual(['wm1']);
    expect([...released[0]!.frame.subarray(0, 6)]).toEqual([...mac('02:00:00:00:0b:01')]);
    expect(released[0]!.frame[14 + 8]).toBe(63);
  });

  test('an ICMP error whose way back is unresolved waits for ARP like a forwarded packet', async () => {
    const { neighbors, ...rest } = CONFIG_A;
    const r = await make({ ...rest, neighbors: [neighbors[0]!] }); // the host 192.0.2.10 unknown
    const first = r.receive('wm0', fromHost('203.0.113.9', 1)); // TTL 1: time exceeded, back to the host
    expect(first.map((o) => [o.if, o.frame[12], o.frame[13], o.frame[21]])).toEqual([['wm0', 0x08, 0x06, 1]]);
    expect([...first[0]!.frame.subarray(38, 42)]).toEqual([192, 0, 2, 10]); // who has the host
    const reply = buildArp({
      dstMac: mac('02:00:00:00:0a:01'),
      srcMac: mac('02:00:00:00:aa:10'),
      op: 2,
      senderMac: mac('02:00:00:00:aa:10'),
      senderIp: ip('192.0.2.10'),
      targetIp: ip('192.0.2.1'),
    });
    const released = r.receive('wm0', reply);
    expect(released.map((o) => o.if)).toEqual(['wm0']);
    const e = released[0]!.frame;
    expect([...e.subarray(0, 6)]).toEqual([...mac('02:00:00:00:aa:10')]);
    expect([e[14 + 8], e[14 + 9], e[14 + 20], e[14 + 21]]).toEqual([64, 1, 11, 0]); // TTL 64, ICMP time exceeded
    const sum = (b: Uint8Array, from: number, to: number) => {
      let x = 0;
      for (let i = from; i < to; i += 2) x += (b[i]! << 8) | (b[i + 1] ?? 0);
      while (x > 0xffff) x = (x & 0xffff) + (x >>> 16);
      return x;
    };
    expect(sum(e, 14, 34)).toBe(0xffff); // IP header checksum still valid after the hold path
    expect(sum(e, 34, e.length)).toBe(0xffff); // ICMP checksum
  });
});
