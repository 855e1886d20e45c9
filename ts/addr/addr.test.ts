import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import {
  formatIPv4,
  formatIPv6,
  formatMac,
  hostBitsZero,
  ipIsLinkLocal6,
  ipIsMulticast,
  ipv6Words,
  maskPrefix,
  parseIP,
  parseIPv4,
  parseIPv4Bytes,
  parseIPv6,
  parseMac,
  parsePrefix,
  prefixMask4,
  prefixMask6Word,
  prefixMaskBytes,
} from './addr.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const v6 = (s: string) => {
  const b = parseIPv6(s);
  if (b === null) throw new Error(`parseIPv6('${s}') failed`);
  return b;
};
/**
 * ipaddr.js's bytes for s, less one quirk: it reads '::a.b.c.d' as IPv4-mapped (::ffff:a.b.c.d),
 * where RFC 4291 section 2.5.5.1 (and inet_pton, and Python's ipaddress) read 96 zero bits.
 */
const refBytes = (s: string): number[] => {
  const m = /^::(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  return m
    ? [...new Array<number>(12).fill(0), ...ipaddr.IPv4.parse(m[1]!).toByteArray()]
    : ipaddr.IPv6.parse(s).toByteArray();
};
/** ::ffff:0:0/96, which formatIPv6 prints with a dotted quad (ipaddr.js does not). */
const isMapped = (b: Uint8Array) => b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

describe('IPv4', () => {
  test('parses strict dotted quads to host-order u32', () => {
    expect(parseIPv4('0.0.0.0')).toBe(0);
    expect(parseIPv4('192.0.2.1')).toBe(0xc0000201);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIPv4('10.0.0.255')).toBe(0x0a0000ff);
  });

  test.each([
    '',
    '1',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.2.3.00',
    '1.2.3.010',
    '256.0.0.1',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '1..2.3',
    '.1.2.3',
    '1.2.3.',
    '+1.2.3.4',
    '0x1.2.3.4',
    '1.2.3.4/8',
    '1.2.3.-4',
    '1.2.3.4\n',
    '１.2.3.4',
    '1000.1.1.1',
  ])('rejects %j', (s) => {
    expect(parseIPv4(s)).toBeNull();
  });

  test('parseIPv4Bytes parses a slice in place', () => {
    const b = new TextEncoder().encode('via 192.0.2.1 dev');
    expect(parseIPv4Bytes(b, 4, 13)).toBe(0xc0000201);
    expect(parseIPv4Bytes(b, 4, 14)).toBe(-1);
    expect(parseIPv4Bytes(b, 3, 13)).toBe(-1);
  });

  test('fc.ipV4(): parses, agrees with ipaddr.js, formats back to the same text', () => {
    fc.assert(
      fc.property(fc.ipV4(), (s) => {
        const a = parseIPv4(s);
        expect(a).not.toBeNull();
        const bytes = ipaddr.IPv4.parse(s).toByteArray();
        expect(a).toBe(((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0);
        expect(formatIPv4(a!)).toBe(s);
      }),
    );
  });

  test('accepts exactly what net.isIPv4 accepts', () => {
    const ch = fc.constantFrom(...'0123456789....x ');
    const s = fc.oneof(fc.string({ unit: ch, maxLength: 17 }), fc.ipV4(), fc.ipV4Extended());
    fc.assert(
      fc.property(s, (str) => {
        expect(parseIPv4(str) !== null).toBe(net.isIPv4(str));
      }),
      { numRuns: 5000 },
    );
  });

  test('format is the inverse of parse for every u32', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (a) => expect(parseIPv4(formatIPv4(a))).toBe(a)));
  });
});

describe('IPv6', () => {
  test('RFC 4291 section 2.2 text forms', () => {
    expect(hex(v6('2001:db8:0:0:8:800:200c:417a'))).toBe('20010db80000000000080800200c417a');
    expect(hex(v6('2001:DB8::8:800:200C:417A'))).toBe('20010db80000000000080800200c417a');
    expect(hex(v6('ff01::101'))).toBe('ff010000000000000000000000000101');
    expect(hex(v6('::1'))).toBe('00000000000000000000000000000001');
    expect(hex(v6('::'))).toBe('00000000000000000000000000000000');
    expect(hex(v6('0:0:0:0:0:0:13.1.68.3'))).toBe('0000000000000000000000000d014403');
    expect(hex(v6('::13.1.68.3'))).toBe('0000000000000000000000000d014403');
    expect(hex(v6('::ffff:129.144.52.38'))).toBe('00000000000000000000ffff81903426');
    expect(hex(v6('1:2:3:4:5:6:7::'))).toBe('00010002000300040005000600070000');
    expect(hex(v6('::2:3:4:5:6:7:8'))).toBe('00000002000300040005000600070008');
    expect(hex(v6('0001:0002::0003'))).toBe('00010002000000000000000000000003');
    expect(hex(v6('1:2:3:4:5:6:1.2.3.4'))).toBe('00010002000300040005000601020304');
  });

  test.each([
    '',
    ':',
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    '12345::',
    'g::',
    ':1::',
    '1::2:',
    '1:2:3:4:5:6:7:',
    'fe80::1%eth0',
    '::%1',
    '::1.2.3',
    '::1.2.3.04',
    '::256.1.1.1',
    '1:2:3:4:5:6:7:1.2.3.4',
    '1.2.3.4::',
    '::1.2.3.4:5',
    ' ::1',
    '::1 ',
    '[::1]',
    '::1/128',
  ])('rejects %j', (s) => {
    expect(parseIPv6(s)).toBeNull();
  });

  test('RFC 5952 section 4 canonical text', () => {
    // 4.1 leading zeros; 4.2.1 shorten as much as possible; 4.2.2 not a lone 16-bit 0 field;
    // 4.2.3 the longest run, the first of equal runs; 4.3 lower case.
    const cases: [string, string][] = [
      ['2001:0db8::0001', '2001:db8::1'],
      ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
      ['2001:db8::0:1', '2001:db8::1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:DB8::AAAA', '2001:db8::aaaa'],
      // Section 2 lists these as the same address in different spellings.
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:0db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8::0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:0db8::1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0000:0:1::1', '2001:db8::1:0:0:1'],
      ['2001:DB8:0:0:1::1', '2001:db8::1:0:0:1'],
      // Section 5: IPv4-mapped keeps the dotted quad.
      ['::ffff:c000:0280', '::ffff:192.0.2.128'],
      ['::ffff:0:0', '::ffff:0.0.0.0'],
      ['::1', '::1'],
      ['::', '::'],
      ['1::', '1::'],
      ['0:1:0:1:0:1:0:1', '0:1:0:1:0:1:0:1'],
      ['1:0:0:2:0:0:0:0', '1:0:0:2::'],
      ['::13.1.68.3', '::d01:4403'],
    ];
    for (const [input, want] of cases) expect([input, formatIPv6(v6(input))]).toEqual([input, want]);
  });

  test('fc.ipV6(): parses to the bytes ipaddr.js reads, formats as RFC 5952', () => {
    fc.assert(
      fc.property(fc.ipV6(), (s) => {
        const b = parseIPv6(s);
        expect(b).not.toBeNull();
        expect(Array.from(b!)).toEqual(refBytes(s));
        const text = formatIPv6(b!);
        if (!isMapped(b!)) expect(text).toBe((ipaddr.fromByteArray(Array.from(b!)) as ipaddr.IPv6).toRFC5952String());
        expect(hex(v6(text))).toBe(hex(b!));
      }),
      { numRuns: 3000 },
    );
  });

  test('format then parse is the identity on random bytes, and node accepts the text', () => {
    const addr = fc.oneof(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      // Mostly-zero addresses exercise the '::' choice.
      fc.array(fc.constantFrom(0, 0, 0, 1, 0xffff), { minLength: 8, maxLength: 8 }).map((w) => {
        const b = new Uint8Array(16);
        w.forEach((x, i) => {
          b[2 * i] = x >> 8;
          b[2 * i + 1] = x & 0xff;
        });
        return b;
      }),
    );
    fc.assert(
      fc.property(addr, (b) => {
        const text = formatIPv6(b);
        expect(net.isIPv6(text)).toBe(true);
        expect(hex(v6(text))).toBe(hex(b));
        if (!isMapped(b)) expect(text).toBe((ipaddr.fromByteArray(Array.from(b)) as ipaddr.IPv6).toRFC5952String());
      }),
      { numRuns: 3000 },
    );
  });

  test('accepts exactly what net.isIPv6 accepts, less zone ids', () => {
    const ch = fc.constantFrom(...'0123456789abcdefABCDEF::::....%g');
    const s = fc.oneof(
      fc.string({ unit: ch, maxLength: 24 }),
      fc.ipV6(),
      fc.ipV6().map((x) => x + '%eth0'),
    );
    fc.assert(
      fc.property(s, (str) => {
        expect(parseIPv6(str) !== null).toBe(net.isIPv6(str) && !str.includes('%'));
      }),
      { numRuns: 10000 },
    );
  });

  test('ipv6Words: host-order u32 words, most significant first', () => {
    expect(ipv6Words(v6('2001:db8:1:2:3:4:5:6'))).toEqual([0x20010db8, 0x00010002, 0x00030004, 0x00050006]);
    expect(ipv6Words(v6('ffff:ffff::'))).toEqual([0xffffffff, 0, 0, 0]);
  });
});

describe('parseIP / parsePrefix', () => {
  test('parseIP picks the family', () => {
    expect(parseIP('192.0.2.1')).toEqual({ family: 4, bytes: Uint8Array.of(192, 0, 2, 1) });
    expect(parseIP('2001:db8::1')?.family).toBe(6);
    expect(parseIP('192.0.2.1/24')).toBeNull();
    expect(parseIP('default')).toBeNull();
  });

  test('prefixes and bare addresses (host prefixes)', () => {
    expect(parsePrefix('203.0.113.0/24')).toEqual({ family: 4, bytes: Uint8Array.of(203, 0, 113, 0), plen: 24 });
    expect(parsePrefix('192.0.2.1')).toEqual({ family: 4, bytes: Uint8Array.of(192, 0, 2, 1), plen: 32 });
    expect(parsePrefix('0.0.0.0/0')?.plen).toBe(0);
    const p6 = parsePrefix('2001:db8::/32')!;
    expect([p6.family, hex(p6.bytes), p6.plen]).toEqual([6, '20010db8000000000000000000000000', 32]);
    expect(parsePrefix('::1')?.plen).toBe(128);
    expect(parsePrefix('::/0')?.plen).toBe(0);
    expect(parsePrefix('fe80::1/64')?.plen).toBe(64);
  });

  test.each([
    'default',
    '10.0.0.0/33',
    '10.0.0.0/',
    '10.0.0.0/024',
    '10.0.0.0/-1',
    '10.0.0.0/8/8',
    '::/129',
    '2001:db8::/ 32',
    '10/8',
    '/8',
    'x/8',
  ])('rejects %j', (s) => {
    expect(parsePrefix(s)).toBeNull();
  });

  test('agrees with ipaddr.js CIDR parsing on generated prefixes', () => {
    const p4 = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, n]) => `${a}/${n}`);
    const p6 = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, n]) => `${a}/${n}`);
    fc.assert(
      fc.property(fc.oneof(p4, p6), (s) => {
        const p = parsePrefix(s)!;
        const [addr, plen] = ipaddr.parseCIDR(s);
        expect([Array.from(p.bytes), p.plen]).toEqual([
          p.family === 6 ? refBytes(s.split('/')[0]!) : addr.toByteArray(),
          plen,
        ]);
      }),
    );
  });
});

describe('masks and host bits', () => {
  test('prefixMask4', () => {
    expect(prefixMask4(0)).toBe(0);
    expect(prefixMask4(1)).toBe(0x80000000);
    expect(prefixMask4(24)).toBe(0xffffff00);
    expect(prefixMask4(32)).toBe(0xffffffff);
  });

  test('prefixMask6Word and prefixMaskBytes agree', () => {
    for (let plen = 0; plen <= 128; plen++) {
      const b = prefixMaskBytes(6, plen);
      expect([0, 1, 2, 3].map((w) => prefixMask6Word(plen, w))).toEqual(ipv6Words(b));
      const bits = Array.from(b, (x) => x.toString(2).padStart(8, '0')).join('');
      expect(bits).toBe('1'.repeat(plen) + '0'.repeat(128 - plen));
    }
    expect(Array.from(prefixMaskBytes(4, 20))).toEqual([255, 255, 240, 0]);
  });

  test('hostBitsZero and maskPrefix', () => {
    expect(hostBitsZero(Uint8Array.of(10, 0, 0, 0), 8)).toBe(true);
    expect(hostBitsZero(Uint8Array.of(10, 0, 0, 1), 8)).toBe(false);
    expect(hostBitsZero(Uint8Array.of(10, 128, 0, 0), 9)).toBe(true);
    expect(hostBitsZero(Uint8Array.of(10, 64, 0, 0), 9)).toBe(false);
    expect(hostBitsZero(Uint8Array.of(10, 1, 2, 3), 32)).toBe(true);
    expect(hostBitsZero(Uint8Array.of(0, 0, 0, 0), 0)).toBe(true);
    expect(hostBitsZero(v6('2001:db8::'), 32)).toBe(true);
    expect(hostBitsZero(v6('2001:db8::1'), 64)).toBe(false);
    expect(Array.from(maskPrefix(Uint8Array.of(192, 0, 2, 77), 26))).toEqual([192, 0, 2, 64]);
    expect(formatIPv6(maskPrefix(v6('2001:db8:abcd:1234::1'), 36))).toBe('2001:db8:a000::');
  });

  test('hostBitsZero matches ipaddr.js network address on random prefixes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 }), (b, plen) => {
        const net6 = ipaddr.IPv6.networkAddressFromCIDR(`${formatIPv6(b)}/${plen}`).toByteArray();
        expect(Array.from(maskPrefix(b, plen))).toEqual(net6);
        expect(hostBitsZero(b, plen)).toBe(hex(b) === hex(Uint8Array.from(net6)));
      }),
    );
  });

  test('classifiers', () => {
    expect(ipIsMulticast(Uint8Array.of(224, 0, 0, 1))).toBe(true);
    expect(ipIsMulticast(Uint8Array.of(223, 255, 255, 255))).toBe(false);
    expect(ipIsMulticast(v6('ff02::1'))).toBe(true);
    expect(ipIsLinkLocal6(v6('fe80::1'))).toBe(true);
    expect(ipIsLinkLocal6(v6('febf::1'))).toBe(true);
    expect(ipIsLinkLocal6(v6('fec0::1'))).toBe(false);
  });
});

describe('MAC', () => {
  test('colon and dash forms, any case', () => {
    expect(Array.from(parseMac('02:00:00:00:00:01')!)).toEqual([2, 0, 0, 0, 0, 1]);
    expect(Array.from(parseMac('AA-bb-CC-dd-EE-ff')!)).toEqual([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
    expect(formatMac(Uint8Array.of(0x02, 0x6d, 0x70, 0, 0x0a, 0xff))).toBe('02:6d:70:00:0a:ff');
  });

  test.each([
    '',
    '02:00:00:00:00',
    '02:00:00:00:00:01:02',
    '02:00-00:00:00:01',
    '2:0:0:0:0:1',
    '02:00:00:00:00:0g',
    '0200.0000.0001',
    '02:00:00:00:00:01 ',
  ])('rejects %j', (s) => {
    expect(parseMac(s)).toBeNull();
  });

  test('format then parse is the identity', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (b) => {
        expect(Array.from(parseMac(formatMac(b))!)).toEqual(Array.from(b));
        expect(Array.from(parseMac(formatMac(b).replaceAll(':', '-').toUpperCase())!)).toEqual(Array.from(b));
      }),
    );
  });
});
