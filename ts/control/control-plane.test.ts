// The control plane's operations over a single-CPU stack: what each one changes, what it refuses
// (changing nothing), the writer lock (asserted, one writer at a time across awaits) and the order
// unpublish → grace period → free, watched through a dataplane whose grace period the test controls.
import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../config/load.js';
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
