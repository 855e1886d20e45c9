// End to end through the built CLI: `mpstack forward` answers ARP requests and neighbor solicitations
// for the router's addresses, and drops the invalid ones with their reasons; tshark (an independent
// decoder) reads the answers and checks their ICMPv6 checksums.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter } from '../../ts/io/pcap.js';
import { buildArp, buildNd } from '../../ts/packet/build.js';
import { MAC, ip } from '../fixtures/topology.js';

const CLI = join(process.cwd(), 'dist/ts/cli/main.js');
const mpstack = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

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
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'mpstack-nbr-'));
  writeFileSync(join(dir, 'router.yaml'), CONFIG);
  const w = new PcapWriter();
  INPUT.forEach((f, i) => w.add(f, 1_700_000_000 + i, 0));
  writeFileSync(join(dir, 'in.pcap'), w.toBytes());
  for (const e of ['wasm', 'ts']) {
    const r = mpstack([
      'forward',
      '--config',
      join(dir, 'router.yaml'),
      '--in',
      `wm0=${join(dir, 'in.pcap')}`,
      '--out',
      join(dir, `out-${e}`),
      '--engine',
      e,
      '-q',
    ]);
    expect([r.status, r.stderr]).toEqual([0, '']);
  }
});

const tshark = (file: string, filter: string, fields: string[]) => {
  const r = spawnSync('tshark', ['-r', file, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
  });
  if (r.error) throw new Error(`tshark is needed for this test (apt-get install tshark): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter((l) => l)
    .map((l) => l.split('\t'));
};

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
