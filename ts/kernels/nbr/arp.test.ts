// ARP input on both engines, through the Stack: literal request and reply bytes (RFC 826 layout).
import { describe, expect, test } from '@jest/globals';
import { Stack, type FrameResult } from '../../stack/stack.js';
import { topology } from '../../../test/fixtures/topology.js';

const hex = (s: string) =>
  Uint8Array.from(
    s
      .replace(/\s+/g, '')
      .match(/../g)!
      .map((h) => parseInt(h, 16)),
  );
const PAD = '00'.repeat(18);
// who-has 192.0.2.1 tell 192.0.2.10, from host0 (02:00:00:00:aa:10) on wm0
const REQUEST = hex(
  `ffffffffffff 02000000aa10 0806  0001 0800 06 04 0001  02000000aa10 c000020a  000000000000 c0000201 ${PAD}`,
);
// 192.0.2.1 is-at 02:00:00:00:00:01, to host0
const REPLY = hex(
  `02000000aa10 020000000001 0806  0001 0800 06 04 0002  020000000001 c0000201  02000000aa10 c000020a ${PAD}`,
);

describe.each(['wasm', 'ts'] as const)('arp_input (%s)', (engine) => {
  const stack = () => new Stack(topology(), { engine, batch: 32 });
  const one = (s: Stack, f: Uint8Array, ifindex = 1): FrameResult => s.forward([{ data: f, ifindex }], 1000)[0]!;
  const with_ = (f: Uint8Array, at: number, bytes: number[]) => {
    const g = Uint8Array.from(f);
    g.set(bytes, at);
    return g;
  };

  test('a request for our address is answered in place, out the receiving interface', () => {
    const s = stack();
    const r = one(s, REQUEST);
    expect([r.path, r.reason]).toEqual(['local', 'arp']);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]!.ifindex).toBe(1);
    expect(Buffer.from(r.out[0]!.data).toString('hex')).toBe(Buffer.from(REPLY).toString('hex'));
    const c = s.counters();
    expect([c['arp-requests-in'], c['arp-replies-out']]).toEqual([1, 1]);
  });

  test('on a vlan: the reply is tagged with the vlan id, from the vlan MAC', () => {
    const s = stack();
    // who-has 10.100.0.1 tell 10.100.0.5, tagged 100, on wm0
    const req = hex(
      `ffffffffffff 02000000cc05 8100 0064 0806 0001 0800 0604 0001 02000000cc05 0a640005 000000000000 0a640001 ${PAD}`,
    );
    const r = one(s, req);
    expect([r.path, r.reason, r.rxif]).toEqual(['local', 'arp', 3]);
    expect(Buffer.from(r.out[0]!.data).toString('hex')).toBe(
      '02000000cc05 020000000001 8100 0064 0806 0001 0800 0604 0002 020000000001 0a640001 02000000cc05 0a640005'.replace(
        / /g,
        '',
      ) + '00'.repeat(14),
    );
  });

  test('requests for other addresses, replies and gratuitous ARP are taken and not answered', () => {
    const s = stack();
    expect(one(s, with_(REQUEST, 38, [192, 0, 2, 99])).out).toHaveLength(0); // not ours
    expect(one(s, with_(REQUEST, 38, [198, 51, 100, 1])).out).toHaveLength(0); // ours, other interface
    const rep = with_(REQUEST, 20, [0, 2]);
    expect([one(s, rep).reason, one(s, rep).out.length]).toEqual(['arp', 0]);
    // an RFC 5227 probe (sender 0.0.0.0) for our address is answered
    expect(one(s, with_(REQUEST, 28, [0, 0, 0, 0])).out).toHaveLength(1);
    expect(s.counters()['arp-replies-in']).toBe(2);
  });

  test('another MAC claiming our address is a conflict', () => {
    const s = stack();
    one(s, with_(REQUEST, 28, [192, 0, 2, 1]));
    expect(s.counters()['arp-conflicts']).toBe(1);
  });

  test('bad ARP is dropped with a reason and answered by nothing', () => {
    const s = stack();
    const bad: [Uint8Array, string][] = [
      [REQUEST.subarray(0, 41), 'arp-invalid'], // 27 bytes of ARP
      [with_(REQUEST, 14, [0, 6]), 'arp-invalid'], // htype IEEE 802
      [with_(REQUEST, 16, [0x86, 0xdd]), 'arp-invalid'], // ptype
      [with_(REQUEST, 18, [8]), 'arp-invalid'], // hlen
      [with_(REQUEST, 19, [16]), 'arp-invalid'], // plen
      [with_(REQUEST, 20, [0, 3]), 'arp-invalid'], // RARP request opcode
      [with_(REQUEST, 22, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 'arp-bad-sender'],
      [with_(REQUEST, 22, [0x01, 0, 0x5e, 0, 0, 1]), 'arp-bad-sender'],
      [with_(REQUEST, 22, [2, 0, 0, 0, 0, 1]), 'arp-bad-sender'], // our own MAC
      [with_(REQUEST, 28, [224, 0, 0, 1]), 'arp-bad-sender'],
      [with_(REQUEST, 28, [255, 255, 255, 255]), 'arp-bad-sender'],
    ];
    for (const [f, reason] of bad) {
      const r = one(s, f);
      expect([r.path, r.reason, r.out.length]).toEqual(['drop', reason, 0]);
    }
    expect(s.counters()['arp-requests-in']).toBe(0);
  });
});
