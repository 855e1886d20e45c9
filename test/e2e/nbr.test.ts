// End to end through the built CLI: `mpstack forward` answers ARP requests and neighbor solicitations
// for the router's addresses, and drops the invalid ones with their reasons; tshark (an independent
// decoder) reads the answers and checks their ICMPv6 checksums.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter } from '../../ts/io/pcap.js';
import { buildArp, buildFrame, buildNd } from '../../ts/packet/build.js';
import { MAC, ip } from '../fixtures/topology.js';
import { forwardBothEngines, mpstack, tshark as tsharkFields } from './forward-run.js';

const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24, 2001:db8::1/64]
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24, 2001:db8:1::1/64]
`;
const BCAST = new Uint8Array(6).fill(0xff);
const LL_HOST0 = ip('fe80::ff:fe00:aa10');
const arp = (targetIp: string, o: Partial<Parameters<typeof buildArp>[0]> = {}) =>
  buildArp({
    dstMac: BCAST,
    srcMac: MAC.host0,
    op: 1,
    senderMac: MAC.host0,
    senderIp: ip('192.0.2.10'),
    targetIp: ip(targetIp),
    ...o,
  });
const ns = (target: string, o: Partial<Parameters<typeof buildNd>[0]> = {}) => {
  const t = ip(target);
  return buildNd({
    dstMac: Uint8Array.from([0x33, 0x33, 0xff, t[13]!, t[14]!, t[15]!]),
    srcMac: MAC.host0,
    src: LL_HOST0,
    dst: Uint8Array.from([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, t[13]!, t[14]!, t[15]!]),
    type: 135,
    target: t,
    options: [[1, MAC.host0]],
    ...o,
  });
};
const INPUT = [
  arp('192.0.2.1'), // answered
  arp('192.0.2.99'), // not ours: taken, not answered
  arp('198.51.100.1'), // ours, but on wm1: not answered on wm0
  arp('192.0.2.1', { senderMac: BCAST }), // broadcast sender: dropped
  ns('2001:db8::1'), // answered from our link-local
  ns('fe80::ff:fe00:1'), // our EUI-64 link-local: answered
  ns('2001:db8::1', { hlim: 64 }), // off-link: dropped
  ns('2001:db8::1', { raw: Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0]) }), // option of length 0: dropped
];

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpstack-nbr-'));
  writeFileSync(join(dir, 'router.yaml'), CONFIG);
  forwardBothEngines(dir, INPUT);
});

const tshark = (file: string, filter: string, fields: string[]) => tsharkFields(file, fields, { filter });

describe('mpstack forward: ARP and neighbor discovery for the router', () => {
  test('verdicts in the trace, alike on both engines', () => {
    for (const f of ['trace.jsonl', 'wm0.pcap']) {
      expect(readFileSync(join(dir, 'out-ts', f)).equals(readFileSync(join(dir, 'out-wasm', f)))).toBe(true);
    }
    const lines = readFileSync(join(dir, 'out-wasm', 'trace.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.path}${l.reason ? `:${l.reason}` : ''}>${l.out.join(',')}`)).toEqual([
      'local:arp>wm0',
      'local:arp>',
      'local:arp>',
      'drop:arp-bad-sender>',
      'local:nd>wm0',
      'local:nd>wm0',
      'drop:nd-hop-limit>',
      'drop:nd-invalid>',
    ]);
  });

  test('tshark reads an ARP reply and two solicited NAs with good checksums', () => {
    const out = join(dir, 'out-wasm', 'wm0.pcap');
    expect(
      tshark(out, 'arp', [
        'arp.opcode',
        'arp.src.hw_mac',
        'arp.src.proto_ipv4',
        'arp.dst.hw_mac',
        'arp.dst.proto_ipv4',
      ]),
    ).toEqual([['2', '02:00:00:00:00:01', '192.0.2.1', '02:00:00:00:aa:10', '192.0.2.10']]);
    expect(
      tshark(out, 'icmpv6', [
        'eth.dst',
        'ipv6.src',
        'ipv6.dst',
        'ipv6.hlim',
        'icmpv6.type',
        'icmpv6.nd.na.flag.r',
        'icmpv6.nd.na.flag.s',
        'icmpv6.nd.na.flag.o',
        'icmpv6.nd.na.target_address',
        'icmpv6.opt.linkaddr',
        'icmpv6.checksum.status',
      ]),
    ).toEqual([
      [
        '02:00:00:00:aa:10',
        'fe80::ff:fe00:1',
        'fe80::ff:fe00:aa10',
        '255',
        '136',
        '1',
        '1',
        '1',
        '2001:db8::1',
        '02:00:00:00:00:01',
        '1',
      ],
      [
        '02:00:00:00:aa:10',
        'fe80::ff:fe00:1',
        'fe80::ff:fe00:aa10',
        '255',
        '136',
        '1',
        '1',
        '1',
        'fe80::ff:fe00:1',
        '02:00:00:00:00:01',
        '1',
      ],
    ]);
  });
});

describe('mpstack forward: next hops resolved by ARP and ND across two captures, by capture time', () => {
  const CFG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24, 2001:db8::1/64]
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24, 2001:db8:1::1/64]
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
  - { dst: 10.0.0.0/8, via: 198.51.100.253 }
  - { dst: 2001:db8:100::/48, via: 2001:db8:1::fe }
`;
  const udp4 = (dst: string) =>
    buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('192.0.2.10'), dst: ip(dst), minFrame: 60 });
  const udp6 = (dst: string) =>
    buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('2001:db8::10'), dst: ip(dst), minFrame: 60 });
  // host0 makes itself known: an ARP request and an NS (with its link-layer address) for the router
  const hello4 = arp('192.0.2.1');
  const hello6 = ns('2001:db8::1', { src: ip('2001:db8::10') });
  const WM0: [number, Uint8Array][] = [
    [0, hello4],
    [1, hello6],
    [1000, udp4('203.0.113.7')], // miss: ARP request for 198.51.100.254 on wm1, held
    [1001, udp4('203.0.113.8')], // held behind it, no second request
    [1002, udp6('2001:db8:100::1')], // miss: NS for 2001:db8:1::fe to its solicited-node group, held
    [1003, udp4('10.1.2.3')], // miss: 198.51.100.253 never answers
    [2000, udp4('203.0.113.9')], // resolved by now: forwarded at once
    [2003, hello4], // 198.51.100.253: second request
    [3003, hello4], // third and last
    [4003, hello4], // gave up: host unreachable back to 192.0.2.10
  ];
  const WM1: [number, Uint8Array][] = [
    [
      1500,
      buildArp({
        dstMac: MAC.wm1,
        srcMac: MAC.gw1,
        op: 2,
        senderMac: MAC.gw1,
        senderIp: ip('198.51.100.254'),
        targetMac: MAC.wm1,
        targetIp: ip('198.51.100.1'),
      }),
    ],
    [
      1600,
      buildNd({
        dstMac: MAC.wm1,
        srcMac: MAC.gw1,
        src: ip('2001:db8:1::fe'),
        dst: ip('2001:db8:1::1'),
        type: 136,
        flags: 0xe0000000,
        target: ip('2001:db8:1::fe'),
        options: [[2, MAC.gw1]],
      }),
    ],
  ];
  let out = '';
  beforeAll(() => {
    writeFileSync(join(dir, 'resolve.yaml'), CFG);
    for (const [name, list] of [
      ['r0', WM0],
      ['r1', WM1],
    ] as const) {
      const w = new PcapWriter();
      for (const [ms, f] of list) w.add(f, 1_700_000_000 + Math.floor(ms / 1000), (ms % 1000) * 1e6);
      writeFileSync(join(dir, `${name}.pcap`), w.toBytes());
    }
    for (const e of ['wasm', 'ts']) {
      const r = mpstack([
        'forward',
        '--config',
        join(dir, 'resolve.yaml'),
        '--in',
        `wm0=${join(dir, 'r0.pcap')}`,
        '--in',
        `wm1=${join(dir, 'r1.pcap')}`,
        '--out',
        join(dir, `resolve-${e}`),
        '--engine',
        e,
        '-q',
      ]);
      expect([r.status, r.stderr]).toEqual([0, '']);
    }
    out = join(dir, 'resolve-wasm');
  });

  test('the trace: held, released by the replies, retried and given up, alike on both engines', () => {
    for (const f of ['trace.jsonl', 'wm0.pcap', 'wm1.pcap']) {
      expect(readFileSync(join(dir, 'resolve-ts', f)).equals(readFileSync(join(out, f)))).toBe(true);
    }
    const lines = readFileSync(join(out, 'trace.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.if}:${l.path}${l.reason ? `:${l.reason}` : ''}>${l.out.join(',')}`)).toEqual([
      'wm0:local:arp>wm0',
      'wm0:local:nd>wm0',
      'wm0:local:held>wm1',
      'wm0:local:held>',
      'wm0:local:held>wm1',
      'wm0:local:held>wm1',
      'wm1:local:arp>wm1,wm1',
      'wm1:local:nd>wm1',
      'wm0:normal>wm1',
      'wm0:local:arp>wm0,wm1',
      'wm0:local:arp>wm0,wm1',
      'wm0:local:arp>wm0,wm0',
    ]);
  });

  test('tshark: the requests, the released packets in order with their MACs, the unreachable', () => {
    const fields = [
      'frame.time_relative',
      'eth.dst',
      'arp.opcode',
      'arp.dst.proto_ipv4',
      'icmpv6.type',
      'icmpv6.nd.ns.target_address',
      'ipv6.hlim',
      'ipv6.dst',
      'ip.dst',
      'ip.ttl',
      'icmp.type',
      'icmp.code',
      'icmpv6.checksum.status',
    ];
    const rows = (f: string) => tshark(join(out, f), '', fields).map((r) => r.join(' ').replace(/ +/g, ' ').trim());
    // times are relative to each file's first frame: wm1's is at 1.000 s, wm0's at 0
    expect(rows('wm1.pcap')).toEqual([
      '0.000000000 ff:ff:ff:ff:ff:ff 1 198.51.100.254', // request on the first miss
      '0.002000000 33:33:ff:00:00:fe 135 2001:db8:1::fe 255 ff02::1:ff00:fe 1', // NS to the solicited-node group
      '0.003000000 ff:ff:ff:ff:ff:ff 1 198.51.100.253',
      '0.500000000 02:00:00:00:bb:fe 203.0.113.7 63', // released by the reply, in order, TTL decremented once
      '0.500000000 02:00:00:00:bb:fe 203.0.113.8 63',
      '0.600000000 02:00:00:00:bb:fe 63 2001:db8:100::1', // released by the NA
      '1.000000000 02:00:00:00:bb:fe 203.0.113.9 63', // resolved: forwarded at once
      '1.003000000 ff:ff:ff:ff:ff:ff 1 198.51.100.253', // retransmitted after retransMs (1 s)
      '2.003000000 ff:ff:ff:ff:ff:ff 1 198.51.100.253', // the third and last
    ]);
    expect(rows('wm0.pcap')).toEqual([
      '0.000000000 02:00:00:00:aa:10 2 192.0.2.10',
      '0.001000000 02:00:00:00:aa:10 136 255 2001:db8::10 1',
      '2.003000000 02:00:00:00:aa:10 2 192.0.2.10',
      '3.003000000 02:00:00:00:aa:10 2 192.0.2.10',
      '4.003000000 02:00:00:00:aa:10 2 192.0.2.10',
      '4.003000000 02:00:00:00:aa:10 192.0.2.10,10.1.2.3 64,63 3 1', // gave up: host unreachable to the sender
    ]);
  });
});
