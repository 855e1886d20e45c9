// Live captures on a running engine (MpMachine.tapOpen / tapRead / tapClose): armed at run time on
// any physical interface and direction, disarmed with nothing written afterwards, the slots reused,
// the refusals; and the pcap driver's out: file, valid and growing while the engine runs.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../ts/config/load.js';
import { NodeMachine } from '../../ts/host/host-node.js';
import { readCapture } from '../../ts/io/capture.js';
import { PcapWriter } from '../../ts/io/pcap.js';
import { CRD_IN, CRD_OUT, type TapFrame } from '../../ts/machine/capture-ring.js';
import { LIVE_TAPS } from '../../ts/machine/machine.js';
import { buildFrame } from '../../ts/packet/build.js';
import { MAC, ip } from '../fixtures/topology.js';

// wm0: echo requests to the router at 400/s (replies go back out wm0) and UDP to 203.0.113.9
// (forwarded out wm1, recorded to out.pcap); wm2 carries nothing
const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
    driver: pcap
    pcap: { in: in.pcap, loop: true, rate: 400 }
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24]
    driver: pcap
    pcap: { out: out.pcap }
  - name: wm2
    mac: 02:00:00:00:00:03
    addresses: [100.64.0.1/24]
    driver: sink
  - name: vlan7
    vlan: { parent: wm0, id: 7 }
    addresses: [10.7.0.1/24]
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
  - { address: 192.0.2.10, mac: 02:00:00:00:aa:10, dev: wm0 }
icmp: { ratelimit: 0 }
`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir = '';
let e: NodeMachine;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mpstack-tap-'));
  const w = new PcapWriter();
  const h = { dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('192.0.2.10'), minFrame: 60 };
  for (let i = 0; i < 8; i++) {
    w.add(buildFrame({ ...h, dst: ip('192.0.2.1'), proto: 'icmp', payload: 32, id: i }), 1, 0);
    w.add(buildFrame({ ...h, dst: ip('203.0.113.9'), sport: 2000 + i }), 1, 0);
  }
  writeFileSync(join(dir, 'in.pcap'), w.toBytes());
  e = await NodeMachine.start(parseConfig(CONFIG, join(dir, 'r.yaml'), dir), { cpus: 2, engine: 'wasm', batch: 32 });
});

afterAll(async () => {
  await e?.stop();
});

/** Reads the tap until it has `n` frames (or 5 s pass). */
async function collect(tap: number, n: number): Promise<TapFrame[]> {
  const out: TapFrame[] = [];
  const deadline = Date.now() + 5000;
  while (out.length < n && Date.now() < deadline) {
    out.push(...e.tapRead(tap));
    await sleep(5);
  }
  return out;
}

describe('live captures', () => {
  test('in, out and both: each tap takes its interface and directions, in time order', async () => {
    const both = e.tapOpen('wm0', 'both');
    const inOnly = e.tapOpen('wm0', 'in');
    const out1 = e.tapOpen('wm1', 'out');
    const [fb, fi, fo] = await Promise.all([collect(both, 40), collect(inOnly, 20), collect(out1, 10)]);
    // wm0 both ways: requests and UDP in, echo replies out (ICMP type 0 from the router)
    expect(fb.some((f) => f.dir === CRD_IN && f.data[34] === 8)).toBe(true);
    expect(fb.some((f) => f.dir === CRD_OUT && f.data[34] === 0 && f.data[26] === 192 && f.data[29] === 1)).toBe(true);
    for (let i = 1; i < fb.length; i++)
      expect(fb[i]!.sec * 1e9 + fb[i]!.nsec).toBeGreaterThanOrEqual(fb[i - 1]!.sec * 1e9 + fb[i - 1]!.nsec);
    expect(fi.every((f) => f.dir === CRD_IN)).toBe(true);
    // wm1: the forwarded UDP, rewritten (TTL 63, the gateway's MAC)
    expect(fo.length).toBeGreaterThanOrEqual(10);
    expect(fo.every((f) => f.dir === CRD_OUT && f.data[22] === 63 && f.data[4] === 0xbb)).toBe(true);
    for (const t of [both, inOnly, out1]) expect((await e.tapClose(t)).dropped).toBe(0);
  });

  test('a closed tap is disarmed (nothing more is written) and its slot serves the next capture', async () => {
    const t = e.tapOpen('wm0', 'in');
    expect((await collect(t, 1)).length).toBeGreaterThan(0);
    await e.tapClose(t);
    expect(() => e.tapRead(t)).toThrow(`no live capture ${t}`);
    await expect(e.tapClose(t)).rejects.toThrow(`no live capture ${t}`);
    // every slot can be armed at once; one more is refused; closing one frees it
    const all = Array.from({ length: LIVE_TAPS }, () => e.tapOpen('wm2', 'both'));
    expect(all).toContain(t);
    expect(() => e.tapOpen('wm0', 'in')).toThrow(`all ${LIVE_TAPS} live captures are in use`);
    await e.tapClose(all[0]!);
    // a tap re-armed on another interface starts empty: nothing of its previous arming shows up
    const again = e.tapOpen('wm2', 'both');
    expect(again).toBe(all[0]);
    await sleep(100);
    expect(e.tapRead(again)).toEqual([]); // wm2 carries nothing
    for (const x of all) await e.tapClose(x);
  });

  test('unknown interfaces and vlans are refused with what to do instead', () => {
    expect(() => e.tapOpen('wm9', 'in')).toThrow("no interface 'wm9' (have: wm0, wm1, wm2, vlan7)");
    expect(() => e.tapOpen('vlan7', 'in')).toThrow('vlan7 is a vlan: capture on wm0, where its frames pass');
  });

  test("the pcap driver's out: file is valid and grows while the engine runs", async () => {
    const path = join(dir, 'out.pcap');
    const first = readCapture(readFileSync(path), path).frames.length;
    await sleep(300);
    const later = readCapture(readFileSync(path), path).frames;
    expect(later.length).toBeGreaterThan(first);
    expect(later.every((f) => f.data[22] === 63)).toBe(true);
    expect(e.recordings()[0]!.frames).toBeGreaterThanOrEqual(later.length);
  });
});
