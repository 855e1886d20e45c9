// The control plane's operations over a single-CPU stack: what each one changes, what it refuses
// (changing nothing), the writer lock (asserted, one writer at a time across awaits) and the order
// unpublish → grace period → free, watched through a dataplane whose grace period the test controls.
import { describe, expect, test } from '@jest/globals';
import { parseIP } from '../addr/addr.js';
import { parseConfig } from '../config/load.js';
import { buildFrame } from '../packet/build.js';
import { Stack } from '../stack/stack.js';
import { WriterLockError } from '../stack/writer-lock.js';
import { ControlPlane, type Dataplane, localDataplane, parseRouteKey, parseRouteLine } from './control-plane.js';

const CONFIG = `interfaces:
  - { name: wm0, mac: 02:00:00:00:00:01, addresses: [192.0.2.1/24, 2001:db8::1/64] }
  - { name: wm1, mac: 02:00:00:00:00:02, addresses: [198.51.100.1/24] }
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
`;

const stackOf = (engine: 'wasm' | 'ts') =>
  new Stack(parseConfig(CONFIG, 'test.yaml', '.'), { engine, spareInterfaces: 2 });

/** A dataplane whose grace periods wait until the test releases them, and which logs the order of events. */
function gatedDataplane(stack: Stack) {
  const log: string[] = [];
  let release: (() => void) | null = null;
  const dp: Dataplane = {
    stack,
    synchronize: () => {
      log.push('grace-begin');
      return new Promise<void>((r) => {
        release = () => {
          log.push('grace-end');
          r();
        };
      });
    },
  };
  const origReclaim = stack.tables.reclaim.bind(stack.tables);
  stack.tables.reclaim = () => {
    log.push('reclaim');
    origReclaim();
  };
  return { dp, log, release: () => release?.() };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe.each(['wasm', 'ts'] as const)('control plane (%s)', (engine) => {
  test('route add, show, get and delete', async () => {
    const stack = stackOf(engine);
    const cp = new ControlPlane(localDataplane(stack));
    const added = await cp.routeAdd(parseRouteLine(stack, '10.0.0.0/8 via 198.51.100.254'));
    expect(added.text).toBe('10.0.0.0/8 via 198.51.100.254 dev wm1');
    expect(await cp.routeGet('10.1.2.3')).toEqual({
      dst: '10.1.2.3',
      family: 4,
      prefix: '10.0.0.0/8',
      type: 'unicast',
      gateway: '198.51.100.254',
      dev: 'wm1',
      line: '10.1.2.3 10.0.0.0/8 via 198.51.100.254 dev wm1',
    });
    const shown = (await cp.routeShow(4)).map((r) => r.text);
    expect(shown).toContain('10.0.0.0/8 via 198.51.100.254 dev wm1');
    expect(shown).toContain('local 192.0.2.1 dev wm0');
    const [gone] = await cp.routeDelete([parseRouteKey('10.0.0.0/8')]);
    expect(gone!.text).toBe('10.0.0.0/8 via 198.51.100.254 dev wm1');
    expect(await cp.routeGet('10.1.2.3')).toMatchObject({ prefix: null, type: null, line: '10.1.2.3 unreachable' });
  });

  test('route delete refuses a missing route and deletes none of the others', async () => {
    const stack = stackOf(engine);
    const cp = new ControlPlane(localDataplane(stack));
    await cp.routeAdd(parseRouteLine(stack, '10.0.0.0/8 via 198.51.100.254'));
    await expect(cp.routeDelete([parseRouteKey('10.0.0.0/8'), parseRouteKey('172.16.0.0/12')])).rejects.toThrow(
      /no route to 172\.16\.0\.0\/12/,
    );
    expect((await cp.routeGet('10.1.2.3')).line).toBe('10.1.2.3 10.0.0.0/8 via 198.51.100.254 dev wm1');
  });

  test('route change swaps the nexthop in place', async () => {
    const stack = stackOf(engine);
    const cp = new ControlPlane(localDataplane(stack));
    const r = await cp.routeChange(parseRouteLine(stack, '203.0.113.0/24 dev wm0'));
    expect(r.text).toBe('203.0.113.0/24 dev wm0');
    expect((await cp.routeGet('203.0.113.9')).line).toBe('203.0.113.9 203.0.113.0/24 dev wm0');
  });

  test('requests are checked before any change', async () => {
    const stack = stackOf(engine);
    const cp = new ControlPlane(localDataplane(stack));
    expect(() => parseRouteLine(stack, '10.0.0.0/8 via 198.51.100.254 dev wm9')).toThrow(/wm9/);
    expect(() => parseRouteLine(stack, '10.0.0.0/8\n11.0.0.0/8 dev wm0')).toThrow(/one route per request/);
    expect(() => parseRouteKey('10.0.0.1/8')).toThrow(/host bits set \(the network is 10\.0\.0\.0\/8\)/);
    expect(() => parseRouteKey('2001:db8::/32', 4)).toThrow(/not an IPv4 prefix/);
    expect(parseRouteKey('default', 6)).toEqual({ family: 6, dst: new Uint8Array(16), plen: 0 });
    await expect(cp.routeAdd(parseRouteLine(stack, '10.0.0.0/8 via 192.0.2.77 dev wm1'))).rejects.toThrow(
      /not on a connected network of wm1/,
    );
    await expect(cp.routeGet('10.0.0.300')).rejects.toThrow(/not an IPv4 or IPv6 address/);
    await expect(cp.ifUp('wm7', false)).rejects.toThrow(/no interface 'wm7' \(have: wm0, wm1\)/);
    expect((await cp.routeShow()).length).toBe((await cp.routeShow(4)).length + (await cp.routeShow(6)).length);
  });

  test('interfaces: down/up, an address with its routes, a vlan created and destroyed', async () => {
    const stack = stackOf(engine);
    const cp = new ControlPlane(localDataplane(stack));
    expect((await cp.ifUp('wm1', false)).flags).toEqual(['DOWN']);
    expect((await cp.ifUp('wm1', true)).flags).toEqual(['UP']);
    const wm0 = await cp.ifAddressAdd('wm0', '192.0.2.77/24');
    expect(wm0.addresses).toEqual(['192.0.2.1/24', '2001:db8::1/64', '192.0.2.77/24']);
    expect((await cp.routeGet('192.0.2.77')).line).toBe('192.0.2.77 192.0.2.77/32 local dev wm0');
    const v = await cp.ifCreateVlan('vlan7', 'wm0', 7);
    expect(v.vlan).toEqual({ parent: 'wm0', id: 7 });
    await cp.ifAddressAdd('vlan7', '10.7.0.1/24');
    await cp.routeAdd(parseRouteLine(stack, '10.77.0.0/16 via 10.7.0.254'));
    expect((await cp.routeGet('10.77.1.1')).line).toBe('10.77.1.1 10.77.0.0/16 via 10.7.0.254 dev vlan7');
    // connected, local, broadcast and the route through it
    expect(await cp.ifDestroy('vlan7')).toBe(4);
    expect((await cp.routeGet('10.77.1.1')).line).toBe('10.77.1.1 unreachable');
    expect(cp.ifconfig().map((i) => i.name)).toEqual(['wm0', 'wm1']);
    // its index is free again
    expect((await cp.ifCreateVlan('vlan8', 'wm0', 8)).index).toBe(v.index);
  });

  test('ifconfig gif0 create / tunnel / deletetunnel / destroy, with a grace period before words are reused', async () => {
    const stack = stackOf(engine);
    const g = gatedDataplane(stack);
    const cp = new ControlPlane(g.dp);
    const gif = await cp.ifCreateGif('gif0');
    expect([gif.flags, gif.mtu, gif.tunnel]).toEqual([['UP', 'GIF'], 1280, null]);
    await expect(cp.ifTunnel('gif0', '198.51.100.7', '203.0.113.9')).rejects.toThrow(
      /tunnel source 198.51.100.7 is not an address of this router/,
    );
    await expect(cp.ifTunnel('wm0', '198.51.100.1', '203.0.113.9')).rejects.toThrow(/wm0 is not a gif interface/);
    const t = await cp.ifTunnel('gif0', '198.51.100.1', '203.0.113.9');
    expect(t.tunnel).toEqual({ src: '198.51.100.1', dst: '203.0.113.9', ttl: 30, pmtu: null });
    await cp.ifAddressAdd('gif0', '10.20.0.1/30');
    // a second tunnel on it: the old one goes, a grace period, reclaim, then the new words
    const p = cp.ifTunnel('gif0', '198.51.100.1', '203.0.113.10');
    await tick();
    expect(g.log).toEqual(['grace-begin']);
    expect(stack.tables.ifs[gif.index]!.gif!.tunnel).toBeNull();
    g.release();
    expect((await p).tunnel).toEqual({ src: '198.51.100.1', dst: '203.0.113.10', ttl: 30, pmtu: null });
    expect(g.log).toEqual(['grace-begin', 'grace-end', 'reclaim']);
    const d = cp.ifDeleteTunnel('gif0');
    await tick();
    g.release();
    expect((await d).tunnel).toBeNull();
    const x = cp.ifDestroy('gif0');
    await tick();
    g.release();
    expect(await x).toBe(3); // its connected network, local address and broadcast
    expect(cp.ifconfig().map((i) => i.name)).toEqual(['wm0', 'wm1']);
  });

  test("ifconfig IF inet ADDR/LEN replaces the primary address: the new one and its routes first, the old one's after", async () => {
    const stack = stackOf(engine);
    const cp = new ControlPlane(localDataplane(stack));
    const get = async (a: string) => (await cp.routeGet(a)).line;
    const v4 = await cp.ifAddressSet('wm0', '192.0.2.9/24');
    expect(v4.addresses).toEqual(['192.0.2.9/24', '2001:db8::1/64']);
    expect(stack.tables.ifs[1]!.addr4).toBe(0xc0000209);
    expect(await get('192.0.2.9')).toBe('192.0.2.9 192.0.2.9/32 local dev wm0');
    expect(await get('192.0.2.1')).toBe('192.0.2.1 192.0.2.0/24 dev wm0'); // its local route went, the network stays
    expect(await get('192.0.2.255')).toBe('192.0.2.255 192.0.2.255/32 broadcast dev wm0');
    // the same address with another length: the network and broadcast change, the local route stays
    await cp.ifAddressSet('wm0', '192.0.2.9/25');
    const wm0v4 = (await cp.routeShow(4)).filter((r) => r.dev === 'wm0').map((r) => r.text);
    expect(wm0v4).toEqual(['192.0.2.0/25 dev wm0', 'local 192.0.2.9 dev wm0', 'broadcast 192.0.2.127 dev wm0']);
    // inet6: the global address (the link-local one would be replaced by a link-local address)
    const v6 = await cp.ifAddressSet('wm0', '2001:db8:5::1/64');
    expect(v6.addresses).toEqual(['192.0.2.9/25', '2001:db8:5::1/64']);
    expect(stack.tables.ifs[1]!.addr6).toEqual(parseIP('2001:db8:5::1')!.bytes);
    expect((await cp.routeShow(6)).map((r) => r.text)).toEqual([
      '2001:db8:5::/64 dev wm0',
      'local 2001:db8:5::1 dev wm0',
    ]);
    // an interface without an address of that kind gets it, as with alias
    expect((await cp.ifAddressSet('wm1', '2001:db8:1::1/64')).addresses).toEqual([
      '198.51.100.1/24',
      '2001:db8:1::1/64',
    ]);
    // the same address and length again changes nothing
    expect((await cp.ifAddressSet('wm1', '198.51.100.1/24')).addresses).toEqual([
      '198.51.100.1/24',
      '2001:db8:1::1/64',
    ]);
  });

  test('alias adds, -alias deletes: routes no other address needs go; the next address becomes the primary one', async () => {
    const stack = stackOf(engine);
    const cp = new ControlPlane(localDataplane(stack));
    const get = async (a: string) => (await cp.routeGet(a)).line;
    await cp.ifAddressAdd('wm0', '10.1.0.1/16');
    await cp.ifAddressAdd('wm0', '192.0.2.2/24'); // in the network of 192.0.2.1: shares its routes
    expect((await cp.ifAddressDelete('wm0', '10.1.0.1')).addresses).toEqual([
      '192.0.2.1/24',
      '2001:db8::1/64',
      '192.0.2.2/24',
    ]);
    expect(await get('10.1.0.5')).toBe('10.1.0.5 unreachable');
    expect(await get('10.1.255.255')).toBe('10.1.255.255 unreachable');
    // the primary address goes: the alias takes its place, and the network it shares stays
    await cp.ifAddressDelete('wm0', '192.0.2.1/24');
    expect(stack.tables.ifs[1]!.addr4).toBe(0xc0000202);
    expect(await get('192.0.2.1')).toBe('192.0.2.1 192.0.2.0/24 dev wm0');
    expect(await get('192.0.2.255')).toBe('192.0.2.255 192.0.2.255/32 broadcast dev wm0');
    // the last IPv4 address, and the only IPv6 one: none left of either kind
    await cp.ifAddressDelete('wm0', '192.0.2.2');
    const wm0 = await cp.ifAddressDelete('wm0', '2001:db8::1/64');
    expect(wm0.addresses).toEqual([]);
    expect([stack.tables.ifs[1]!.addr4, stack.tables.ifs[1]!.addr6]).toEqual([0, null]);
    expect((await cp.routeShow()).filter((r) => r.dev === 'wm0')).toEqual([]);
  });

  test("a route another interface's address brings too comes back through that interface", async () => {
    const stack = stackOf(engine);
    const cp = new ControlPlane(localDataplane(stack));
    await cp.ifAddressAdd('wm1', '192.0.2.200/24'); // the network and broadcast exist (wm0\'s): left alone
    await cp.ifAddressDelete('wm0', '192.0.2.1');
    expect((await cp.routeGet('192.0.2.5')).line).toBe('192.0.2.5 192.0.2.0/24 dev wm1');
    expect((await cp.routeGet('192.0.2.255')).line).toBe('192.0.2.255 192.0.2.255/32 broadcast dev wm1');
  });

  test('address refusals change nothing', async () => {
    const stack = stackOf(engine);
    const cp = new ControlPlane(localDataplane(stack));
    const state = async () => ({ routes: (await cp.routeShow()).map((r) => r.text), ifs: cp.ifconfig() });
    const before = await state();
    await expect(cp.ifAddressDelete('wm0', '192.0.2.7')).rejects.toThrow(
      /^192\.0\.2\.7 is not an address of wm0 \(it has 192\.0\.2\.1\/24, 2001:db8::1\/64\)$/,
    );
    await expect(cp.ifAddressDelete('wm0', '192.0.2.1/25')).rejects.toThrow(
      /^192\.0\.2\.1 is configured on wm0 as 192\.0\.2\.1\/24, not \/25$/,
    );
    await expect(cp.ifAddressDelete('wm0', 'bogus')).rejects.toThrow(/'bogus' is not an IPv4 or IPv6 address/);
    // the gateway of 203.0.113.0/24 is on link only through wm1's network
    const needs =
      /^1 route through 198\.51\.100\.254 needs 198\.51\.100\.1\/24 on wm1 to reach it: delete or change that route first$/;
    await expect(cp.ifAddressDelete('wm1', '198.51.100.1')).rejects.toThrow(needs);
    await expect(cp.ifAddressSet('wm1', '10.9.0.1/24')).rejects.toThrow(needs);
    await expect(cp.ifAddressSet('wm1', '192.0.2.1/24')).rejects.toThrow(/192\.0\.2\.1 is already configured on wm0/);
    await expect(cp.ifAddressSet('wm0', '2001:db8::1')).rejects.toThrow(/not an address with a prefix length/);
    expect(await state()).toEqual(before);
    // another address in the network keeps the gateway on link: then it may go
    await cp.ifAddressAdd('wm1', '198.51.100.2/24');
    await cp.ifAddressDelete('wm1', '198.51.100.1');
    expect((await cp.routeGet('203.0.113.9')).line).toBe('203.0.113.9 203.0.113.0/24 via 198.51.100.254 dev wm1');
  });

  test("ifconfig IF mtu N: the range, IPv6's minimum, vlans; the flow cache follows", async () => {
    const stack = stackOf(engine);
    const cp = new ControlPlane(localDataplane(stack));
    await expect(cp.ifMtu('wm1', 67)).rejects.toThrow(/^mtu must be 68\.\.9216, not 67$/);
    await expect(cp.ifMtu('wm1', 9217)).rejects.toThrow(/mtu must be 68\.\.9216/);
    await expect(cp.ifMtu('wm0', 1279)).rejects.toThrow(
      /^mtu 1279 is below 1280, the IPv6 minimum \(RFC 8200\), and wm0 has 2001:db8::1\/64$/,
    );
    await cp.ifCreateVlan('vlan5', 'wm1', 5);
    await expect(cp.ifMtu('vlan5', 1504)).rejects.toThrow(/mtu 1504 is larger than the parent wm1's mtu 1500/);
    expect((await cp.ifMtu('vlan5', 1400)).mtu).toBe(1400);
    await expect(cp.ifMtu('wm1', 1300)).rejects.toThrow(/vlan5 on wm1 has mtu 1400, larger than 1300: lower it first/);
    expect(cp.ifconfig('wm1')[0]!.mtu).toBe(1500);
    // an interface with IPv4 only (no address at all here) goes down to 68
    await cp.ifMtu('vlan5', 68);
    expect(cp.ifconfig('vlan5')[0]!.mtu).toBe(68);
    // a flow forwarded by the cache (fast) at 1500 needs fragmentation at 576, at once
    const frame = buildFrame({
      dstMac: Uint8Array.of(2, 0, 0, 0, 0, 1),
      srcMac: Uint8Array.of(2, 0, 0, 0, 0xaa, 0x10),
      src: parseIP('192.0.2.10')!.bytes,
      dst: parseIP('203.0.113.7')!.bytes,
      df: true,
      payload: 1000,
    });
    const send = () => stack.forward([{ data: frame, ifindex: 1 }], 1000)[0]!;
    expect(send().path).toBe('normal');
    expect(send().path).toBe('fast');
    expect((await cp.ifMtu('wm1', 576)).mtu).toBe(576);
    expect(send().reason).toBe('need-fragmentation');
    await cp.ifMtu('wm1', 1500);
    expect(send().path).toBe('normal');
  });

  test('a single-CPU stack has no interrupts or machine statistics to show', () => {
    const cp = new ControlPlane(localDataplane(stackOf(engine)));
    expect(() => cp.intrctlList()).toThrow(/no interrupts/);
    expect(() => cp.netstatM()).toThrow(/no machine statistics/);
  });
});

describe('the writer lock', () => {
  test('table writers outside the lock fail at once', () => {
    const stack = stackOf('ts');
    const gw = Uint8Array.of(198, 51, 100, 254);
    expect(() => stack.tables.addRoute(4, Uint8Array.of(10, 0, 0, 0), 8, 'unicast', 2, gw, 0)).toThrow(WriterLockError);
    expect(() => stack.tables.reclaim()).toThrow(/reclaim: called without the writer lock/);
    expect(() => stack.tables.walkRoutes(4)).toThrow(WriterLockError);
    // inside it, the same call works
    stack.tables.wlock.runSync('test', () =>
      stack.tables.addRoute(4, Uint8Array.of(10, 0, 0, 0), 8, 'unicast', 2, gw, 0),
    );
  });

  test('one writer at a time across awaits; a synchronous writer is refused meanwhile', async () => {
    const stack = stackOf('ts');
    const { dp, log, release } = gatedDataplane(stack);
    const cp = new ControlPlane(dp);
    await cp.routeAdd(parseRouteLine(stack, '10.0.0.0/8 via 198.51.100.254'));
    const del = cp.routeDelete([parseRouteKey('10.0.0.0/8')]);
    const add = cp.routeAdd(parseRouteLine(stack, '10.0.0.0/8 dev wm0')).then(() => log.push('add-done'));
    await tick();
    // the delete is in its grace period, holding the lock: the add waits, a sync writer is refused
    expect(log).toEqual(['grace-begin']);
    expect(stack.tables.wlock.held).toBe(true);
    expect(() => stack.tables.wlock.runSync('intruder', () => 0)).toThrow(/the writer lock is taken \(route delete\)/);
    release();
    await del;
    await add;
    expect(log).toEqual(['grace-begin', 'grace-end', 'reclaim', 'add-done']);
    expect((await cp.routeGet('10.1.1.1')).line).toBe('10.1.1.1 10.0.0.0/8 dev wm0');
  });

  test('free comes after the grace period: a deleted route is reclaimed only once readers have left', async () => {
    const stack = stackOf('wasm');
    const { dp, log, release } = gatedDataplane(stack);
    const cp = new ControlPlane(dp);
    await cp.routeAdd(parseRouteLine(stack, '10.0.0.0/8 via 198.51.100.254'));
    const del = cp.routeDelete([parseRouteKey('10.0.0.0/8')]);
    await tick();
    // unpublished (the data path answers no route) but not yet reclaimed
    expect(log).toEqual(['grace-begin']);
    expect(stack.tables.lookupNexthop4(0x0a010101)).toBe(0);
    release();
    await del;
    expect(log).toEqual(['grace-begin', 'grace-end', 'reclaim']);
  });

  test('an address is unpublished before the grace period, reclaimed and its IPv6 successor published after it', async () => {
    const stack = stackOf('wasm');
    const { dp, log, release } = gatedDataplane(stack);
    const cp = new ControlPlane(dp);
    const set = cp.ifAddressSet('wm0', '2001:db8:7::1/64');
    await tick();
    // the new address and its routes are in, the old one's routes out, no IPv6 primary address for now
    expect(log).toEqual(['grace-begin']);
    expect(stack.tables.lookupNexthop6(parseIP('2001:db8::5')!.bytes)).toBe(0);
    expect(stack.tables.lookupNexthop6(parseIP('2001:db8:7::5')!.bytes)).not.toBe(0);
    expect(stack.tables.ifs[1]!.addr6).toBeNull();
    release();
    await set;
    expect(log).toEqual(['grace-begin', 'grace-end', 'reclaim']);
    expect(stack.tables.ifs[1]!.addr6).toEqual(parseIP('2001:db8:7::1')!.bytes);
    // a delete likewise: unpublished, then the grace period, then reclaim
    log.length = 0;
    const del = cp.ifAddressDelete('wm0', '192.0.2.1');
    await tick();
    expect(log).toEqual(['grace-begin']);
    expect(stack.tables.lookupNexthop4(0xc0000205)).toBe(0);
    release();
    await del;
    expect(log).toEqual(['grace-begin', 'grace-end', 'reclaim']);
  });

  test('a vlan is unpublished before the grace period and its slot freed after it', async () => {
    const stack = stackOf('ts');
    const { dp, log, release } = gatedDataplane(stack);
    const cp = new ControlPlane(dp);
    const v = await cp.ifCreateVlan('vlan9', 'wm0', 9);
    const destroy = cp.ifDestroy('vlan9');
    await tick();
    expect(log).toEqual(['grace-begin']);
    expect(stack.ifByName.has('vlan9')).toBe(false); // unpublished
    expect(stack.tables.ifs[v.index]).toBeDefined(); // not yet freed
    release();
    await destroy;
    expect(stack.tables.ifs[v.index]).toBeUndefined();
    expect(log).toEqual(['grace-begin', 'grace-end', 'reclaim']);
  });
});
