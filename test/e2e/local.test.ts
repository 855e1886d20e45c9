// End to end through the built CLI: frames for the router's own addresses go through `mpstack forward`
// with both engines, and tshark (an independent decoder, every checksum it knows validated) reads the
// replies: echo replies with the payload whole, port unreachables quoting the probe, RSTs with RFC 9293
// numbers, and nothing for what must not be answered.
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
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24, 2001:db8:1::1/64]
  - name: vlan100
    vlan: { parent: wm0, id: 100 }
    addresses: [10.100.0.1/24]
neighbors:
  - { address: 192.0.2.10, mac: 02:00:00:00:aa:10, dev: wm0 }
  - { address: 2001:db8::10, mac: 02:00:00:00:aa:10, dev: wm0 }
icmp: { ratelimit: 0 }
`;

const h4 = (o: Partial<FrameSpec>) =>
  buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('192.0.2.10'), dst: ip('192.0.2.1'), minFrame: 60, ...o });
const h6 = (o: Partial<FrameSpec>) =>
  buildFrame({
    dstMac: MAC.wm0,
    srcMac: MAC.host0,
    src: ip('2001:db8::10'),
    dst: ip('2001:db8::1'),
    minFrame: 60,
    ...o,
  });
const badCk = (f: Uint8Array, at: number) => {
  f[at]! ^= 0x55;
  return f;
};

// [what it is, the frame, its expected trace verdict]
const INPUT: [string, Uint8Array, string][] = [
  ['echo', h4({ proto: 'icmp', payload: 56 }), 'local:echo-reply>wm0'],
  ['echo to wm1 address', h4({ proto: 'icmp', payload: 1000, dst: ip('198.51.100.1') }), 'local:echo-reply>wm0'],
  ['echo6', h6({ proto: 58, payload: 56 }), 'local:echo-reply>wm0'],
  [
    'echo6 link-local',
    h6({ proto: 58, payload: 8, src: ip('fe80::aa10'), dst: ip('fe80::1') }),
    'local:echo-reply>wm0',
  ],
  [
    'echo on vlan100',
    buildFrame({
      dstMac: MAC.wm0,
      srcMac: MAC.host100,
      vlan: 100,
      src: ip('10.100.0.5'),
      dst: ip('10.100.0.1'),
      proto: 'icmp',
      payload: 20,
    }),
    'local:echo-reply>wm0',
  ],
  ['traceroute probe', h4({ sport: 40000, dport: 33434 }), 'local:port-unreachable>wm0'],
  ['traceroute6 probe', h6({ sport: 40000, dport: 33434 }), 'local:port-unreachable>wm0'],
  ['syn', h4({ proto: 'tcp', sport: 40001, dport: 22, tcpFlags: 0x02, seq: 1000, payload: 0 }), 'local:tcp-reset>wm0'],
  ['ack', h6({ proto: 'tcp', sport: 40002, dport: 80, tcpFlags: 0x10, seq: 5, ack: 777 }), 'local:tcp-reset>wm0'],
  ['rst', h4({ proto: 'tcp', sport: 40003, dport: 22, tcpFlags: 0x04 }), 'local:local>'],
  [
    'echo to the directed broadcast',
    h4({ proto: 'icmp', dst: ip('192.0.2.255'), dstMac: new Uint8Array(6).fill(0xff) }),
    'local:echo-broadcast>',
  ],
  ['echo with a bad checksum', badCk(h4({ proto: 'icmp', payload: 8 }), 45), 'drop:l4-checksum>'],
  ['truncated echo', h4({ proto: 'icmp', payload: 0 }).slice(0, 14 + 20 + 4), 'drop:ip-length>'],
];

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpstack-local-'));
  writeFileSync(join(dir, 'router.yaml'), CONFIG);
  forwardBothEngines(
    dir,
    INPUT.map(([, f]) => f),
  );
});

/** tshark's fields for each frame of a pcap, every checksum validated. */
const tshark = (file: string, fields: string[]) => tsharkFields(file, fields, { check: ['ip', 'udp', 'tcp'] });

describe('mpstack forward: the router answers for its own addresses', () => {
  test('both engines write the same bytes; the trace has each verdict', () => {
    for (const f of ['trace.jsonl', 'wm0.pcap'])
      expect(readFileSync(join(dir, 'out-ts', f)).equals(readFileSync(join(dir, 'out-wasm', f)))).toBe(true);
    const lines = readFileSync(join(dir, 'out-wasm', 'trace.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.path}${l.reason ? `:${l.reason}` : ''}>${l.out.join(',')}`)).toEqual(
      INPUT.map(([, , v]) => v),
    );
  });

  test('tshark decodes the replies and finds every checksum good', () => {
    const got = tshark(join(dir, 'out-wasm', 'wm0.pcap'), [
      'eth.dst',
      'vlan.id',
      'ip.src',
      'ip.dst',
      'ip.ttl',
      'ip.checksum.status',
      'icmp.type',
      'icmp.code',
      'icmp.checksum.status',
      'ipv6.src',
      'ipv6.dst',
      'ipv6.hlim',
      'icmpv6.type',
      'icmpv6.code',
      'icmpv6.checksum.status',
      'udp.dstport',
      'tcp.srcport',
      'tcp.dstport',
      'tcp.seq_raw',
      'tcp.ack_raw',
      'tcp.flags',
      'tcp.checksum.status',
      'data.len',
    ]).map((f) => f.filter((x) => x !== '').join(' '));
    expect(got).toEqual([
      // echo replies: addresses swapped, TTL 64, the data whole (56 and 1000 bytes)
      '02:00:00:00:aa:10 192.0.2.1 192.0.2.10 64 1 0 0 1 56',
      '02:00:00:00:aa:10 198.51.100.1 192.0.2.10 64 1 0 0 1 1000',
      '02:00:00:00:aa:10 2001:db8::1 2001:db8::10 64 129 0 1 56',
      '02:00:00:00:aa:10 fe80::1 fe80::aa10 64 129 0 1 8',
      '02:00:00:00:cc:05 100 10.100.0.1 10.100.0.5 64 1 0 0 1 20',
      // port unreachable, quoting the probe (ip.* and udp.* list the error's and the quoted headers)
      '02:00:00:00:aa:10 192.0.2.1,192.0.2.10 192.0.2.10,192.0.2.1 64,64 1,1 3 3 1 33434 18',
      '02:00:00:00:aa:10 2001:db8::1,2001:db8::10 2001:db8::10,2001:db8::1 64,64 1 4 1 33434 18',
      // RSTs: to a SYN <SEQ=0><ACK=1001><RST,ACK>; to an ACK <SEQ=777><RST>
      '02:00:00:00:aa:10 192.0.2.1 192.0.2.10 64 1 22 40001 0 1001 0x0014 1',
      '02:00:00:00:aa:10 2001:db8::1 2001:db8::10 64 80 40002 777 0 0x0004 1',
    ]);
  });
});
