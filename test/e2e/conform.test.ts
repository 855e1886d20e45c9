// Router requirements end to end through the built CLI (CONFORMANCE.md names these tests): crafted
// frames go through `mpstack forward` with both engines and the router switches on, and tshark (an
// independent decoder, every checksum it knows validated) reads what left: a loose source route
// followed (destination rewritten, our address recorded), a strict one that fails (unreachable
// code 5), a directed broadcast forwarded as link-layer broadcast, a reverse-path filter drop, and an
// IPv6 Redirect (RFC 4861) beside the packet it is about.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFrame, type FrameSpec } from '../../ts/packet/build.js';
import { MAC, ip } from '../fixtures/topology.js';
import { forwardBothEngines, tshark as tsharkFields } from './forward-run.js';

const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24, 2001:db8::1/64, fe80::1/64]
    rp_filter: 1
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24, 2001:db8:1::1/64]
    directed_broadcast: true
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
  - { dst: 2001:db8:200::/48, via: fe80::fe, dev: wm0 }
neighbors:
  - { address: 192.0.2.10, mac: 02:00:00:00:aa:10, dev: wm0 }
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
  - { address: 2001:db8::10, mac: 02:00:00:00:aa:10, dev: wm0 }
  - { address: fe80::fe, mac: 02:00:00:00:bb:fe, dev: wm0 }
ip: { forward_source_route: true }
icmp: { ratelimit: 0 }
`;

const h4 = (o: Partial<FrameSpec>) =>
  buildFrame({
    dstMac: MAC.wm0,
    srcMac: MAC.host0,
    src: ip('192.0.2.10'),
    dst: ip('203.0.113.5'),
    proto: 'udp',
    sport: 40000,
    dport: 9,
    payload: 16,
    ...o,
  });
const srr = (t: number, hops: string[]) => {
  const o = [1, t, 3 + 4 * hops.length, 4, ...hops.flatMap((h) => [...ip(h)])];
  while (o.length % 4) o.push(0);
  return Uint8Array.from(o);
};

// [what it is, the frame, its expected trace verdict]
const INPUT: [string, Uint8Array, string][] = [
  ['loose source route via us', h4({ dst: ip('192.0.2.1'), options: srr(131, ['203.0.113.5']) }), 'normal>wm1'],
  [
    'strict source route, next hop off-link',
    h4({ dst: ip('192.0.2.1'), options: srr(137, ['203.0.113.5']) }),
    'drop:source-route>wm0',
  ],
  ['directed broadcast to wm1', h4({ dst: ip('198.51.100.255') }), 'normal>wm1'],
  ['spoofed source on wm0 (rp_filter strict)', h4({ src: ip('203.0.113.9') }), 'drop:rp-filter>'],
  [
    'IPv6 back out wm0 toward fe80::fe',
    buildFrame({
      dstMac: MAC.wm0,
      srcMac: MAC.host0,
      src: ip('2001:db8::10'),
      dst: ip('2001:db8:200::5'),
      proto: 'udp',
      sport: 40001,
      dport: 9,
      payload: 20,
    }),
    'normal>wm0,wm0',
  ],
];

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpstack-conform-'));
  writeFileSync(join(dir, 'router.yaml'), CONFIG);
  forwardBothEngines(
    dir,
    INPUT.map(([, f]) => f),
  );
});

/** tshark's fields for each frame of a pcap, every checksum validated, the non-empty ones joined. */
const tshark = (file: string, fields: string[]) =>
  tsharkFields(file, fields, { check: ['ip', 'udp'] }).map((r) => r.filter((x) => x !== '').join(' '));

describe('mpstack forward: router requirements with the switches on', () => {
  test('both engines write the same bytes; the trace has each verdict', () => {
    for (const f of ['trace.jsonl', 'wm0.pcap', 'wm1.pcap'])
      expect(readFileSync(join(dir, 'out-ts', f)).equals(readFileSync(join(dir, 'out-wasm', f)))).toBe(true);
    const lines = readFileSync(join(dir, 'out-wasm', 'trace.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.path}${l.reason ? `:${l.reason}` : ''}>${l.out.join(',')}`)).toEqual(
      INPUT.map(([, , v]) => v),
    );
  });

  test('wm1: the source route followed (our address recorded) and the directed broadcast as link-layer broadcast', () => {
    expect(
      tshark(join(dir, 'out-wasm', 'wm1.pcap'), [
        'eth.dst',
        'ip.src',
        'ip.dst',
        'ip.ttl',
        'ip.checksum.status',
        'ip.opt.type',
        'ip.opt.ptr',
        'ip.options.route',
        'udp.checksum.status',
      ]),
    ).toEqual([
      // LSRR: destination now 203.0.113.5, wm1's 198.51.100.1 in the slot, pointer 8
      // (the option's bytes as tshark shows them: type 131, length 7, pointer 8, 198.51.100.1)
      '02:00:00:00:bb:fe 192.0.2.10 203.0.113.5 63 1 1,131 8 830708c6336401 0',
      'ff:ff:ff:ff:ff:ff 192.0.2.10 198.51.100.255 63 1 1',
    ]);
  });

  test('wm0: source route failed, and the IPv6 Redirect naming fe80::fe beside the packet it is about', () => {
    expect(
      tshark(join(dir, 'out-wasm', 'wm0.pcap'), [
        'eth.dst',
        'ip.src',
        'ip.dst',
        'icmp.type',
        'icmp.code',
        'icmp.checksum.status',
        'ipv6.src',
        'ipv6.dst',
        'ipv6.hlim',
        'icmpv6.type',
        'icmpv6.checksum.status',
        'icmpv6.nd.rd.target_address',
        'icmpv6.rd.na.destination_address',
        'icmpv6.opt.linkaddr',
      ]),
    ).toEqual([
      // tshark names a source-routed datagram's final destination (the route's last address) as ip.dst
      expect.stringMatching(/^02:00:00:00:aa:10 192\.0\.2\.1,192\.0\.2\.10 192\.0\.2\.10,203\.0\.113\.5 3 5 1/),
      expect.stringMatching(
        /^02:00:00:00:aa:10 fe80::1,2001:db8::10 2001:db8::10,2001:db8:200::5 255,64 137 1 fe80::fe 2001:db8:200::5 02:00:00:00:bb:fe/,
      ),
      expect.stringMatching(/^02:00:00:00:bb:fe 2001:db8::10 2001:db8:200::5 63/),
    ]);
  });
});
