// The nexthop's neighbor hint (NH_NBR, nb_find4_hinted) under neighbor changes between batches, WASM
// against TS: a changed MAC is used at once, a deleted neighbor is never used (the frame goes to
// resolution), and after reclaim and reuse of slots a re-added one is found again. Verdicts, output
// frames, counters and the whole layout (hints included) identical on both engines.
import { describe, expect, test } from '@jest/globals';
import { LAYOUT_BASE } from '../../assembly/layout.js';
import { Stack } from '../../ts/stack/stack.js';
import { buildFrame } from '../../ts/packet/build.js';
import { MAC, ip, mac, topology } from '../fixtures/topology.js';
import { lockedStack } from '../fixtures/locked.js';

const GW = ip('198.51.100.254');
const WM1 = 2;

const frames = () =>
  Array.from({ length: 8 }, (_, i) => ({
    data: buildFrame({
      dstMac: MAC.wm0,
      srcMac: MAC.host0,
      src: ip('192.0.2.10'),
      dst: ip(`203.0.113.${i + 1}`),
      proto: 'udp',
      sport: 1000 + i,
      dport: 53,
    }),
    ifindex: 1,
  }));

describe('neighbor hint differential (WASM vs TS)', () => {
  test('MAC change, delete, reclaim and re-add between batches: the live entry only, alike on both', () => {
    const cfg = topology({ fastforward: false });
    const stacks = [new Stack(cfg, { engine: 'wasm', batch: 16 }), new Stack(cfg, { engine: 'ts', batch: 16 })].map(
      lockedStack,
    );
    let now = 1_000;
    /** Forwards one batch on both; returns the wasm side's results. */
    const run = () => {
      now += 10;
      const [rw, rs] = stacks.map((s) => s.forward(frames(), now));
      expect(rs).toEqual(rw);
      return rw!;
    };
    /** The destination MACs of one batch's frames, each forwarded. */
    const step = () =>
      run().map((r) => (r.path === 'normal' ? Array.from(r.out[0]!.data.subarray(0, 6)) : `${r.path} ${r.reason}`));
    const all = (f: (s: Stack) => void) => stacks.forEach(f);
    const macOf = (m: Uint8Array) => Array.from(m);

    expect(step()).toEqual(Array(8).fill(macOf(MAC.gw1)));
    const other = mac('02:00:00:00:cc:01');
    all((s) => s.neighborSet(GW, WM1, other)); // updated in place: the hinted entry's new MAC
    expect(step()).toEqual(Array(8).fill(macOf(other)));
    all((s) => s.neighborDelete(GW, WM1));
    // held for resolution (the first one's ARP request is its output), never sent to the old MAC
    expect(run().map((r) => r.reason)).toEqual(Array(8).fill('held'));
    all((s) => s.reclaim());
    // other neighbors may take the old slot; the gateway comes back elsewhere with a third MAC
    for (let i = 1; i <= 6; i++) all((s) => s.neighborSet(ip(`198.51.100.${i + 10}`), WM1, other));
    const third = mac('02:00:00:00:cc:03');
    all((s) => s.neighborSet(GW, WM1, third));
    expect(step()).toEqual(Array(8).fill(macOf(third)));
    const [w, s] = stacks as [Stack, Stack];
    expect(s.counters()).toEqual(w.counters());
    const mw = new Uint8Array(w.k.memory.buffer, LAYOUT_BASE, w.L.bytes - LAYOUT_BASE);
    const ms = new Uint8Array(s.k.memory.buffer, LAYOUT_BASE, s.L.bytes - LAYOUT_BASE);
    expect(Buffer.compare(mw, ms)).toBe(0);
  });
});
