import { describe, expect, test } from '@jest/globals';
import { EtherSwitch, type SwitchPort, type SwitchStation } from './ws-switch.js';

const mac = (last: number, first = 0x02) => Uint8Array.from([first, 0, 0, 0, 0, last]);
const ROUTER = mac(0x01);
const A = mac(0x0a);
const B = mac(0x0b);
const C = mac(0x0c);
const BCAST = new Uint8Array(6).fill(0xff);
const MCAST = Uint8Array.from([0x33, 0x33, 0, 0, 0, 1]);

/** An Ethernet frame from src to dst, tagged with a byte to tell frames apart. */
function frame(dst: Uint8Array, src: Uint8Array, tag = 0, len = 60): Uint8Array {
  const f = new Uint8Array(len);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x08;
  f[14] = tag;
  return f;
}

/** A client whose queue holds `room` frames (what it got, by tag). */
class Client implements SwitchStation {
  got: number[] = [];
  constructor(public room = Infinity) {}
  send(f: Uint8Array): boolean {
    if (this.got.length >= this.room) return false;
    this.got.push(f[14]!);
    return true;
  }
}

function setup(o: { maxClients?: number; maxMacs?: number; routerRoom?: number } = {}) {
  let now = 0;
  const router: number[] = [];
  const sw = new EtherSwitch({
    routerMac: ROUTER,
    maxClients: o.maxClients ?? 8,
    maxMacs: o.maxMacs,
    now: () => now,
    toRouter: (f) => {
      if (router.length >= (o.routerRoom ?? Infinity)) return false;
      router.push(f[14]!);
      return true;
    },
  });
  const plug = (room?: number): [SwitchPort, Client] => {
    const c = new Client(room);
    const p = sw.attach(`peer${sw.ports.size}`, c);
    if (!p) throw new Error('refused');
    return [p, c];
  };
  return { sw, router, plug, tick: (ms: number) => (now += ms) };
}

describe('EtherSwitch: learning and forwarding', () => {
  test('broadcast and unknown unicast flood to the other clients and the router; learned unicast goes to its client only', () => {
    const { sw, router, plug } = setup();
    const [pa, a] = plug();
    const [pb, b] = plug();
    const [, c] = plug();
    sw.input(pa, frame(BCAST, A, 1)); // learns A
    expect([a.got, b.got, c.got, router]).toEqual([[], [1], [1], [1]]);
    sw.input(pb, frame(A, B, 2)); // A known: to a only; learns B
    expect([a.got, b.got, c.got, router]).toEqual([[2], [1], [1], [1]]);
    sw.input(pa, frame(C, A, 3)); // C unknown: flooded
    expect([a.got, b.got, c.got, router]).toEqual([[2], [1, 3], [1, 3], [1, 3]]);
    sw.input(pa, frame(MCAST, A, 4)); // multicast: flooded
    expect([a.got, b.got, c.got, router]).toEqual([[2], [1, 3, 4], [1, 3, 4], [1, 3, 4]]);
    expect([sw.flooded, sw.macs, pa.macs, pb.macs]).toEqual([3, 2, 1, 1]);
    expect([pa.rxFrames, pa.rxBytes, pb.txFrames, pb.txBytes]).toEqual([3, 180, 3, 180]);
  });

  test('frames to the router go to the router only; the router sends to the owner of the MAC, or floods', () => {
    const { sw, router, plug } = setup();
    const [pa, a] = plug();
    const [pb, b] = plug();
    sw.input(pa, frame(ROUTER, A, 1));
    expect([a.got, b.got, router]).toEqual([[], [], [1]]);
    sw.output(frame(A, ROUTER, 2)); // A learned: a only
    sw.output(frame(B, ROUTER, 3)); // B not learned yet: every client
    sw.output(frame(BCAST, ROUTER, 4));
    expect([a.got, b.got, router]).toEqual([
      [2, 3, 4],
      [3, 4],
      [1], // never back to the router
    ]);
    sw.input(pb, frame(ROUTER, B, 5));
    sw.output(frame(B, ROUTER, 6));
    expect(b.got).toEqual([3, 4, 6]);
    expect(a.got).toEqual([2, 3, 4]);
    expect([sw.fromRouter, sw.toRouter, sw.portOf(ROUTER)]).toEqual([4, 2, undefined]);
  });

  test('a frame to a MAC on its own client is filtered; a MAC that moves is re-learned', () => {
    const { sw, router, plug } = setup();
    const [pa, a] = plug();
    const [pb, b] = plug();
    sw.input(pa, frame(BCAST, A, 1));
    sw.input(pa, frame(BCAST, C, 2)); // C behind a (a VM bridging two MACs)
    sw.input(pa, frame(C, A, 3));
    expect([a.got, b.got, router, sw.filtered]).toEqual([[], [1, 2], [1, 2], 1]);
    sw.input(pb, frame(BCAST, C, 4)); // C moved to b
    expect([sw.moves, pa.macs, pb.macs, sw.portOf(C)]).toEqual([1, 1, 1, pb]);
    sw.input(pa, frame(C, A, 5));
    expect(b.got).toEqual([1, 2, 5]);
  });

  test('the router MAC or a group address as source: dropped and counted, nothing learned', () => {
    const { sw, router, plug } = setup();
    const [pa] = plug();
    const [, b] = plug();
    sw.input(pa, frame(BCAST, ROUTER, 1));
    sw.input(pa, frame(BCAST, BCAST, 2));
    sw.input(pa, frame(B, MCAST, 3));
    expect([b.got, router, pa.rxSpoofed, pa.rxFrames, sw.macs]).toEqual([[], [], 3, 0, 0]);
  });

  test('bad messages (shorter than a header, and what the link reports: text, oversized) are counted drops', () => {
    const { sw, router, plug } = setup();
    const [pa] = plug();
    const [, b] = plug();
    sw.input(pa, new Uint8Array(0));
    sw.input(pa, frame(BCAST, A, 1).subarray(0, 13));
    sw.inputBad(pa);
    expect([b.got, router, pa.rxBad, pa.rxFrames]).toEqual([[], [], 3, 0]);
    sw.input(pa, frame(BCAST, A, 2).subarray(0, 14)); // a bare header is a frame
    expect(b.got).toHaveLength(1);
  });
});

describe('EtherSwitch: ageing', () => {
  test('an entry not refreshed for 300 s is gone (flooded again); traffic from the MAC keeps it', () => {
    const { sw, plug, tick } = setup();
    const [pa, a] = plug();
    const [pb, b] = plug();
    const [, c] = plug();
    sw.input(pa, frame(BCAST, A, 1));
    sw.input(pb, frame(BCAST, B, 2));
    tick(200_000);
    sw.input(pa, frame(B, A, 3)); // refreshes A; B still known
    expect([b.got, c.got]).toEqual([
      [1, 3],
      [1, 2],
    ]);
    tick(100_001); // B last seen 300.001 s ago, A 100.001 s ago
    sw.input(pa, frame(B, A, 4)); // B aged: flooded
    expect([b.got, c.got]).toEqual([
      [1, 3, 4],
      [1, 2, 4],
    ]);
    expect([sw.portOf(B), sw.portOf(A), pb.macs]).toEqual([undefined, pa, 0]);
    sw.output(frame(A, ROUTER, 5));
    expect(a.got).toEqual([2, 5]);
    tick(300_001); // A last seen (frame 4) 300.001 s ago
    expect([sw.age(), sw.macs, pa.macs]).toEqual([1, 0, 0]);
    sw.output(frame(A, ROUTER, 6));
    expect([a.got, b.got, c.got].map((g) => g.at(-1))).toEqual([6, 6, 6]);
  });

  test('a client that leaves takes its MACs with it', () => {
    const { sw, plug } = setup();
    const [pa] = plug();
    const [pb, b] = plug();
    const [, c] = plug();
    sw.input(pa, frame(BCAST, A, 1));
    sw.input(pa, frame(BCAST, C, 2));
    sw.detach(pa);
    expect([sw.macs, sw.ports.size]).toEqual([0, 2]);
    sw.input(pb, frame(A, B, 3)); // unknown now: flooded
    expect([b.got, c.got]).toEqual([
      [1, 2],
      [1, 2, 3],
    ]);
  });
});

describe('EtherSwitch: limits', () => {
  test('maxClients: the next client is refused and counted; a slot frees when one leaves', () => {
    const { sw, plug } = setup({ maxClients: 2 });
    const [pa] = plug();
    plug();
    expect(sw.attach('late', new Client())).toBeNull();
    expect(sw.rejected).toBe(1);
    sw.detach(pa);
    expect(sw.attach('later', new Client())).not.toBeNull();
  });

  test('a full client queue drops and counts; the others still get the frame', () => {
    const { sw, router, plug } = setup();
    const [pa] = plug();
    const [pb, b] = plug(2);
    const [, c] = plug();
    for (let i = 1; i <= 5; i++) sw.input(pa, frame(BCAST, A, i));
    expect([b.got, c.got.length, router.length]).toEqual([[1, 2], 5, 5]);
    expect([pb.txFrames, pb.txDrops]).toEqual([2, 3]);
  });

  test('a full router ring is a counted miss', () => {
    const { sw, router, plug } = setup({ routerRoom: 1 });
    const [pa] = plug();
    sw.input(pa, frame(ROUTER, A, 1));
    sw.input(pa, frame(ROUTER, A, 2));
    expect([router, sw.toRouter, sw.toRouterMissed]).toEqual([[1], 1, 1]);
  });

  test('a full table learns no more sources (frames to them flood), but refreshes and moves known ones', () => {
    const { sw, plug } = setup({ maxMacs: 2 });
    const [pa] = plug();
    const [pb, b] = plug();
    sw.input(pa, frame(BCAST, A, 1));
    sw.input(pa, frame(BCAST, B, 2));
    sw.input(pa, frame(BCAST, C, 3));
    expect([sw.macs, sw.learnFull, sw.portOf(C)]).toEqual([2, 1, undefined]);
    sw.input(pb, frame(BCAST, B, 4)); // B moves to b
    expect([sw.portOf(B), sw.moves]).toEqual([pb, 1]);
    sw.input(pa, frame(B, A, 5));
    expect(b.got).toEqual([1, 2, 3, 5]);
    // 48-bit MACs as keys: ones that differ only in the high bytes are distinct
    sw.detach(pa);
    sw.detach(pb);
    const [pc] = plug();
    sw.input(pc, frame(BCAST, mac(0x0a, 0x06), 6));
    sw.input(pc, frame(BCAST, mac(0x0a, 0x0a), 7));
    expect(sw.macs).toBe(2);
  });
});
