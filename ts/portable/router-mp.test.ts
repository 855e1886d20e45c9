// createRouter(config, { cpus: N }): the multi-CPU machine on Node's worker threads behind the same
// API: frames in through port links (LinkPort's RX rings), out through the ports' listeners and
// streams, ARP answered by the machine's neighbor cache, control through the ControlPlane. Needs the
// build (the CPUs run dist/ts/host/cpu-thread-node.js).
import { afterEach, describe, expect, test } from '@jest/globals';
import { buildArp, buildFrame } from '../packet/build.js';
import { parseIP, parseMac } from '../addr/addr.js';
import { NODE_HOST } from '../host/host-node.js';
import { createRouter } from './router.js';
import type { MpRouter } from './router-mp.js';

const ip = (s: string) => parseIP(s)!.bytes;
const mac = (s: string) => parseMac(s)!;

const CONFIG = {
  interfaces: [
    { name: 'wm0', mac: '02:00:00:00:0a:01', addresses: ['192.0.2.1/24'], rss: { queues: 2 } },
    { name: 'wm1', mac: '02:00:00:00:0a:02', addresses: ['198.51.100.1/24'], rss: { queues: 2 } },
  ],
  routes: [{ dst: '203.0.113.0/24', via: '198.51.100.2' }],
  neighbors: [
    { address: '198.51.100.2', mac: '02:00:00:00:0b:01', dev: 'wm1' },
    { address: '192.0.2.10', mac: '02:00:00:00:aa:10', dev: 'wm0' },
  ],
};

const fromHost = (dst: string, sport = 1000, ttl = 64, id = 0) =>
  buildFrame({
    id,
    dstMac: mac('02:00:00:00:0a:01'),
    srcMac: mac('02:00:00:00:aa:10'),
    src: ip('192.0.2.10'),
    dst: ip(dst),
    proto: 'udp',
    sport,
    dport: 2000,
    ttl,
  });

/** Resolves with the next `n` frames `r` sends on `ifname` (rejects after `ms`). */
function nextFrames(r: MpRouter, ifname: string, n: number, ms = 5000): Promise<Uint8Array[]> {
  const got: Uint8Array[] = [];
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off();
      reject(new Error(`${ifname}: ${got.length} of ${n} frames within ${ms} ms`));
    }, ms);
    const off = r.port(ifname).onFrame((f) => {
      got.push(f);
      if (got.length === n) {
        clearTimeout(t);
        off();
        resolve(got);
      }
    });
  });
}

describe.each(['wasm', 'ts'] as const)('createRouter with cpus: 2 (%s)', (engine) => {
  let r: MpRouter | null = null;
  afterEach(async () => {
    await r?.close();
    r = null;
  });
  const make = async (cfg: Record<string, unknown> = CONFIG) => {
    r = await createRouter(cfg, { engine, cpus: 2, host: NODE_HOST });
    return r;
  };

  test('a received frame is forwarded by a CPU and comes out of the route port, rewritten', async () => {
    const router = await make();
    const out = nextFrames(router, 'wm1', 1);
    await expect(router.receive('wm0', fromHost('203.0.113.9'))).resolves.toBe(true);
    const [f] = await out;
    expect([...f!.subarray(0, 6)]).toEqual([...mac('02:00:00:00:0b:01')]);
    expect([...f!.subarray(6, 12)]).toEqual([...mac('02:00:00:00:0a:02')]);
    expect(f![14 + 8]).toBe(63);
    expect(router.tick(Date.now())).toEqual([]);
    await new Promise((res) => setTimeout(res, 20)); // the CPUs' counters are written after the batch
    expect(router.counters()['ip-forwarded'] ?? router.counters()['normal']).toBeGreaterThanOrEqual(1);
    expect(router.portStats()['wm0']!['rx-frames']).toBe(1);
  }, 20_000);

  test('ARP: the machine answers a request for its address on the port it came in', async () => {
    const router = await make();
    const out = nextFrames(router, 'wm0', 1);
    const req = buildArp({
      dstMac: mac('ff:ff:ff:ff:ff:ff'),
      srcMac: mac('02:00:00:00:aa:20'),
      op: 1,
      senderMac: mac('02:00:00:00:aa:20'),
      senderIp: ip('192.0.2.20'),
      targetIp: ip('192.0.2.1'),
    });
    await router.receive('wm0', req);
    const [f] = await out;
    expect([f![12], f![13], f![21]]).toEqual([0x08, 0x06, 2]); // an ARP reply
    expect([...f!.subarray(0, 6)]).toEqual([...mac('02:00:00:00:aa:20')]);
  }, 20_000);

  test('control: a route added through the ControlPlane changes where frames go', async () => {
    const router = await make();
    expect(router.interfaces.list().map((i) => i.name)).toEqual(['wm0', 'wm1']);
    expect(router.machine.linkStats().map((l) => [l.name, l.driver, l.carrier])).toEqual([
      ['wm0', 'port', true],
      ['wm1', 'port', true],
    ]);
    const back = nextFrames(router, 'wm0', 1);
    await router.receive('wm0', fromHost('10.1.2.3')); // no route: unreachable, back to the host
    expect((await back)[0]![14 + 20]).toBe(3);
    await router.routes.add('10.0.0.0/8 via 198.51.100.2');
    expect((await router.routes.get('10.1.2.3')).line).toBe('10.1.2.3 10.0.0.0/8 via 198.51.100.2 dev wm1');
    const out = nextFrames(router, 'wm1', 1);
    await router.receive('wm0', fromHost('10.1.2.3'));
    expect((await out)[0]![14 + 8]).toBe(63);
    await router.routes.delete('10.0.0.0/8'); // resolves after a grace period of the CPUs
    expect((await router.routes.get('10.1.2.3')).type).toBeNull();
  }, 20_000);

  test('streams: a burst written through the writable arrives whole and in order per flow', async () => {
    const router = await make();
    const N = 3000; // more than an RX ring holds: the writable waits for room
    const flows = 4;
    const out = nextFrames(router, 'wm1', N, 15_000);
    const src = new ReadableStream<Uint8Array>({
      start(ctl) {
        for (let i = 0; i < N; i++) {
          ctl.enqueue(fromHost('203.0.113.9', 1000 + (i % flows), 64, i)); // the IP id: the sequence number
        }
        ctl.close();
      },
    });
    await src.pipeTo(router.port('wm0').writable);
    const got = await out;
    const seqByFlow = new Map<number, number[]>();
    for (const f of got) {
      const sport = (f[34]! << 8) | f[35]!;
      const list = seqByFlow.get(sport) ?? [];
      list.push((f[18]! << 8) | f[19]!);
      seqByFlow.set(sport, list);
    }
    expect(seqByFlow.size).toBe(flows);
    for (const seqs of seqByFlow.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(router.portStats()['wm0']!['rx-missed']).toBe(0);
  }, 30_000);

  test('errors: unknown interface, closed router, manual clock', async () => {
    const router = await make();
    await expect(router.receive('wm9', new Uint8Array(60))).rejects.toThrow(/no interface 'wm9'/);
    await router.close();
    await expect(router.receive('wm0', fromHost('203.0.113.9'))).rejects.toThrow(/closed/);
    await expect(createRouter(CONFIG, { engine, cpus: 2, clock: 'manual', host: NODE_HOST })).rejects.toThrow(
      /wall clock/,
    );
    await expect(createRouter(CONFIG, { engine, cpus: 2, busyPollUs: -1, host: NODE_HOST })).rejects.toThrow(
      'busy poll must be an integer from 0 to 1000000 µs, not -1',
    );
  }, 20_000);

  test('busy polling (busyPollUs): frames still forwarded while the CPUs spin between them', async () => {
    r = await createRouter(CONFIG, { engine, cpus: 2, busyPollUs: 5000, host: NODE_HOST });
    for (let i = 0; i < 3; i++) {
      const out = nextFrames(r, 'wm1', 1);
      await r.receive('wm0', fromHost('203.0.113.9', 1000 + i, 64, i));
      expect((await out)[0]!.length).toBe(fromHost('203.0.113.9').length);
    }
  }, 20_000);
});

test('mpstack/core in Node: no Web Workers, so cpus asks for the Node entry', async () => {
  await expect(createRouter(CONFIG, { cpus: 2, engine: 'ts' })).rejects.toThrow(/import createRouter from 'mpstack'/);
});
