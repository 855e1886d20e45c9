// The multi-CPU engine resolves next hops: the CPUs post misses and ARP replies on their event rings,
// the neighbor cache's step drains them on the main thread, and what it sends (the request, the
// released packets, the give-up's host unreachable) goes down to a CPU and out its TX path.
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../ts/config/load.js';
import { NodeMachine } from '../../ts/host/host-node.js';
import { readCapture } from '../../ts/io/capture.js';
import { PcapWriter } from '../../ts/io/pcap.js';
import { buildArp, buildFrame } from '../../ts/packet/build.js';
import { MAC, ip } from '../fixtures/topology.js';

const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
    rss: { queues: 2 }
    driver: pcap
    pcap: { in: in0.pcap, loop: true, rate: 60, out: out0.pcap }
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24]
    driver: pcap
    pcap: { in: in1.pcap, loop: true, rate: 20, out: out1.pcap }
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
  - { dst: 10.0.0.0/8, via: 198.51.100.253 }
arp: { retrans_ms: 100, solicit: 2 }
icmp: { ratelimit: 0 }
`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');

describe('the engine resolves next hops (ARP)', () => {
  test('a miss sends a request through a CPU, the reply releases the held packets, silence gives up with host unreachable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpstack-nbr-engine-'));
    const w0 = new PcapWriter();
    const in0 = [
      // host0 asks for the router (so the router knows host0: the give-up's error goes back to it)
      buildArp({
        dstMac: new Uint8Array(6).fill(0xff),
        srcMac: MAC.host0,
        op: 1,
        senderMac: MAC.host0,
        senderIp: ip('192.0.2.10'),
        targetIp: ip('192.0.2.1'),
      }),
      buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('192.0.2.10'), dst: ip('203.0.113.7'), minFrame: 60 }),
      buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('192.0.2.10'), dst: ip('10.1.2.3'), minFrame: 60 }),
    ];
    in0.forEach((f, i) => w0.add(f, 1, i * 1000));
    writeFileSync(join(dir, 'in0.pcap'), w0.toBytes());
    const w1 = new PcapWriter();
    w1.add(
      buildArp({
        dstMac: MAC.wm1,
        srcMac: MAC.gw1,
        op: 2,
        senderMac: MAC.gw1,
        senderIp: ip('198.51.100.254'),
        targetMac: MAC.wm1,
        targetIp: ip('198.51.100.1'),
      }),
      1,
      0,
    );
    writeFileSync(join(dir, 'in1.pcap'), w1.toBytes());
    writeFileSync(join(dir, 'r.yaml'), CONFIG);
    const e = await NodeMachine.start(parseConfig(CONFIG, join(dir, 'r.yaml'), dir), {
      cpus: 2,
      engine: 'wasm',
      batch: 32,
    });
    await sleep(800);
    const list = e.stack.neighborList(4).map((n) => `${n.address.join('.')} ${n.state}`);
    await e.stop();
    const c = e.stats.netstatS(false).counters;
    expect(c['arp-requests-out']).toBeGreaterThanOrEqual(2);
    expect(c['nbr-released']).toBeGreaterThanOrEqual(1);
    expect(c['nbr-timeouts']).toBeGreaterThanOrEqual(1);
    expect(list).toEqual(expect.arrayContaining(['192.0.2.10 stale']));
    expect(list.some((l) => /^198\.51\.100\.254 (reachable|stale|delay|probe)$/.test(l))).toBe(true);
    const out1 = readCapture(readFileSync(join(dir, 'out1.pcap')), 'out1.pcap').frames.map((f) => f.data);
    // a broadcast request for each gateway, then packets to 203.0.113.7 sent to the gateway's MAC
    const requests = out1.filter((f) => f[12] === 0x08 && f[13] === 0x06 && f[21] === 1);
    expect(requests.map((f) => hex(f.subarray(0, 6)))).toContain('ff:ff:ff:ff:ff:ff');
    expect(requests.map((f) => f.subarray(38, 42).join('.'))).toEqual(
      expect.arrayContaining(['198.51.100.254', '198.51.100.253']),
    );
    const udp = out1.filter((f) => f[12] === 0x08 && f[13] === 0x00);
    expect(udp.length).toBeGreaterThan(0);
    expect(
      udp.every((f) => hex(f.subarray(0, 6)) === hex(MAC.gw1) && f.subarray(30, 34).join('.') === '203.0.113.7'),
    ).toBe(true);
    // wm0: the ARP replies to host0 and the host unreachable about 10.1.2.3
    const out0 = readCapture(readFileSync(join(dir, 'out0.pcap')), 'out0.pcap').frames.map((f) => f.data);
    const unreach = out0.filter((f) => f[12] === 0x08 && f[13] === 0x00 && f[23] === 1 && f[34] === 3 && f[35] === 1);
    expect(unreach.length).toBeGreaterThanOrEqual(1);
    expect(unreach[0]!.subarray(58, 62).join('.')).toBe('10.1.2.3'); // the quoted packet's destination
  }, 20_000);
});
