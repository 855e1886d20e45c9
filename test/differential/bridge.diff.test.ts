// Differential, bridge(4): the WASM bridge and its TS twin must agree byte for byte — verdicts,
// switched and flooded frames, counters and every byte of linear memory (the FDB included) — on
// random frames between a small set of stations on the members (unicast, broadcast, multicast, to the
// bridge's own MAC, truncated, ARP and echo for its address, routed in from another port), with the
// clock running past the FDB's timeout, a small maxaddr, and members deleted and added between batches.
import { expect, test } from '@jest/globals';
import fc from 'fast-check';
import { LAYOUT_BASE } from '../../assembly/layout.js';
import { parseConfig } from '../../ts/config/load.js';
import { buildArp, buildFrame } from '../../ts/packet/build.js';
import { Stack } from '../../ts/stack/stack.js';
import { ip, mac } from '../fixtures/topology.js';
import { lockedStack } from '../fixtures/locked.js';

const CONFIG = `interfaces:
  - { name: wm0, mac: 02:00:00:00:00:01, addresses: [192.0.2.1/24] }
  - { name: wm1, mac: 02:00:00:00:00:02 }
  - { name: wm2, mac: 02:00:00:00:00:03 }
  - name: bridge0
    mac: 02:00:00:00:00:b0
    bridge: { members: [wm1, wm2, wm3], maxaddr: 6, timeout: 2 }
    addresses: [198.51.100.1/24]
  - { name: wm3, mac: 02:00:00:00:00:04 }
  - { name: wm4, mac: 02:00:00:00:00:05 }
neighbors:
  - { address: 192.0.2.10, mac: 02:00:00:00:0a:10, dev: wm0 }
ipflow: { hashsize: 8, maxflows: 8 }
icmp: { ratelimit: 0 }
fib: radix
`;
const MEMBERS = [2, 3, 5, 6]; // wm1, wm2, wm3, wm4 (wm4 joins and leaves)
const STATIONS = Array.from({ length: 10 }, (_, i) => mac(`02:00:00:00:0a:${(0x20 + i).toString(16)}`));
const BRMAC = mac('02:00:00:00:00:b0');
const GROUPS = [mac('ff:ff:ff:ff:ff:ff'), mac('01:00:5e:00:00:01'), mac('33:33:00:00:00:01')];

const station = fc.integer({ min: 0, max: STATIONS.length - 1 });
const frameArb = fc.oneof(
  // station to station (switched or flooded), to a group, to the bridge
  fc
    .record({
      port: fc.constantFrom(...MEMBERS),
      src: station,
      dst: fc.oneof(
        station.map((i) => STATIONS[i]!),
        fc.constantFrom(...GROUPS, BRMAC),
      ),
      host: fc.integer({ min: 1, max: 40 }),
      proto: fc.constantFrom('udp' as const, 'icmp' as const),
      cut: fc.option(fc.integer({ min: 0, max: 60 }), { freq: 6 }),
    })
    .map((r) => {
      const data = buildFrame({
        dstMac: r.dst,
        srcMac: STATIONS[r.src]!,
        src: ip(`198.51.100.${100 + r.src}`),
        dst: ip(`198.51.100.${r.host}`),
        proto: r.proto,
      });
      return { ifindex: r.port, data: r.cut === null ? data : data.slice(0, r.cut) };
    }),
  // ARP for the bridge's address (or another), broadcast
  fc.record({ port: fc.constantFrom(...MEMBERS), src: station, t: fc.integer({ min: 1, max: 3 }) }).map((r) => ({
    ifindex: r.port,
    data: buildArp({
      dstMac: GROUPS[0]!,
      srcMac: STATIONS[r.src]!,
      op: 1,
      senderMac: STATIONS[r.src]!,
      senderIp: ip(`198.51.100.${100 + r.src}`),
      targetIp: ip(`198.51.100.${r.t}`),
    }),
  })),
  // echo to the bridge's address, unicast to its MAC
  fc.record({ port: fc.constantFrom(...MEMBERS), src: station }).map((r) => ({
    ifindex: r.port,
    data: buildFrame({
      dstMac: BRMAC,
      srcMac: STATIONS[r.src]!,
      src: ip(`198.51.100.${100 + r.src}`),
      dst: ip('198.51.100.1'),
      proto: 'icmp',
    }),
  })),
  // routed in from wm0 to a station behind the bridge (resolved by ARP, then by the FDB)
  station.map((i) => ({
    ifindex: 1,
    data: buildFrame({
      dstMac: mac('02:00:00:00:00:01'),
      srcMac: mac('02:00:00:00:0a:10'),
      src: ip('192.0.2.10'),
      dst: ip(`198.51.100.${100 + i}`),
    }),
  })),
);
/** Between batches: nothing, or a member change. */
const opArb = fc.constantFrom('none', 'none', 'none', 'add-wm4', 'delete-wm4', 'delete-wm2', 'add-wm2', 'flush');

test('bridge differential (WASM vs TS): identical verdicts, output, counters and memory', () => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          frames: fc.array(frameArb, { minLength: 1, maxLength: 40 }),
          op: opArb,
          dt: fc.integer({ min: 0, max: 1500 }),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      (batches) => {
        const cfg = parseConfig(CONFIG, 'test.yaml', '/nonexistent');
        const w = lockedStack(new Stack(cfg, { engine: 'wasm', batch: 16 }));
        const s = lockedStack(new Stack(cfg, { engine: 'ts', batch: 16 }));
        let now = 1000;
        for (const b of batches) {
          for (const st of [w, s]) {
            const members = st.bridgeShow('bridge0', now).members.map((m) => m.name);
            if (b.op === 'add-wm4' && !members.includes('wm4')) st.bridgeAdd('bridge0', 'wm4');
            if (b.op === 'add-wm2' && !members.includes('wm2')) st.bridgeAdd('bridge0', 'wm2');
            for (const [op, name] of [
              ['delete-wm4', 'wm4'],
              ['delete-wm2', 'wm2'],
            ] as const) {
              if (b.op === op && members.includes(name)) {
                const { index } = st.bridgeUnpublishMember('bridge0', name);
                st.bridgeFreeMember('bridge0', index);
              }
            }
            if (b.op === 'flush') st.bridgeFlush('bridge0');
          }
          now += b.dt;
          const rw = w.forward(
            b.frames.map((f) => ({ ifindex: f.ifindex, data: f.data.slice() })),
            now,
          );
          const rs = s.forward(
            b.frames.map((f) => ({ ifindex: f.ifindex, data: f.data.slice() })),
            now,
          );
          expect(rs).toEqual(rw);
          for (const r of rw) seen.add(r.reason ?? r.path);
          expect(s.bridgeShow('bridge0', now)).toEqual(w.bridgeShow('bridge0', now));
        }
        expect(s.counters()).toEqual(w.counters());
        const c = w.counters();
        expect(c['fast']! + c['normal']! + c['bridge']! + c['local']! + c['drop']!).toBe(c['rx-frames']);
        const mw = new Uint8Array(w.k.memory.buffer, LAYOUT_BASE, w.L.bytes - LAYOUT_BASE);
        const ms = new Uint8Array(s.k.memory.buffer, LAYOUT_BASE, s.L.bytes - LAYOUT_BASE);
        expect(Buffer.compare(mw, ms)).toBe(0);
      },
    ),
    { numRuns: 80 },
  );
  // every run reaches the bridge's verdicts: switched or flooded, filtered, ARP and echo answered on it
  for (const v of ['bridge', 'bridge-same-port', 'arp', 'echo-reply', 'normal']) expect(seen).toContain(v);
});
