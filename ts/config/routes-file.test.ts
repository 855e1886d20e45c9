import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { ConfigError } from './error.js';
import { parseRoutesBytes, parseRoutesText, type RouteSpec } from './routes-file.js';
import { formatIP, formatIPv4, formatIPv6 } from '../addr/addr.js';

/** A route as plain data, for toEqual (RouteSpec itself is reused between calls). */
interface Flat {
  family: 4 | 6;
  dst: string;
  via: string | null;
  dev: string | null;
  type: string;
  mtu: number;
  proto: string | null;
  line: number;
}

function flat(r: RouteSpec): Flat {
  return {
    family: r.family,
    dst: `${formatIP(r.dst)}/${r.plen}`,
    via: r.via && formatIP(r.via),
    dev: r.dev,
    type: r.type,
    mtu: r.mtu,
    proto: r.proto,
    line: r.line,
  };
}

function parseAll(text: string, devs?: string[]): Flat[] {
  const out: Flat[] = [];
  const n = parseRoutesText(text, 'rt.txt', (r) => out.push(flat(r)), devs ? { devs: new Set(devs) } : undefined);
  expect(n).toBe(out.length);
  return out;
}

function errorOf(text: string, devs?: string[]): ConfigError {
  try {
    parseAll(text, devs);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

const base = { via: null, dev: null, type: 'unicast', mtu: 0, proto: null };

describe('routes_file: accepted lines', () => {
  test('the iproute2 forms', () => {
    const text = [
      '# full table, exported by hand',
      '',
      '203.0.113.0/24 via 192.0.2.1 dev wm1',
      '2001:db8::/32 dev wm2',
      'default via 192.0.2.254',
      'route add 198.51.100.0/24 via 192.0.2.2',
      'ip route replace 198.51.101.0/24 dev wm1 mtu 1400',
      'ip -6 route append 2001:db8:1::/48 via fe80::1 dev wm2',
      'blackhole 10.0.0.0/8',
      'unreachable 172.16.0.0/12',
      'route add prohibit 2001:db8:dead::/48',
      'unicast 192.168.0.0/16 dev wm0 metric 0 proto static',
      '   to 100.64.0.0/10 via 192.0.2.3   # trailing comment',
      'default via 2001:db8::1',
      '192.0.2.99 dev wm1',
      '\t2001:db8:2::1\tdev\twm3\tproto\t4',
    ].join('\n');
    expect(parseAll(text)).toEqual([
      { ...base, family: 4, dst: '203.0.113.0/24', via: '192.0.2.1', dev: 'wm1', line: 3 },
      { ...base, family: 6, dst: '2001:db8::/32', dev: 'wm2', line: 4 },
      { ...base, family: 4, dst: '0.0.0.0/0', via: '192.0.2.254', line: 5 },
      { ...base, family: 4, dst: '198.51.100.0/24', via: '192.0.2.2', line: 6 },
      { ...base, family: 4, dst: '198.51.101.0/24', dev: 'wm1', mtu: 1400, line: 7 },
      { ...base, family: 6, dst: '2001:db8:1::/48', via: 'fe80::1', dev: 'wm2', line: 8 },
      { ...base, family: 4, dst: '10.0.0.0/8', type: 'blackhole', line: 9 },
      { ...base, family: 4, dst: '172.16.0.0/12', type: 'unreachable', line: 10 },
      { ...base, family: 6, dst: '2001:db8:dead::/48', type: 'prohibit', line: 11 },
      { ...base, family: 4, dst: '192.168.0.0/16', dev: 'wm0', proto: 'static', line: 12 },
      { ...base, family: 4, dst: '100.64.0.0/10', via: '192.0.2.3', line: 13 },
      { ...base, family: 6, dst: '::/0', via: '2001:db8::1', line: 14 },
      { ...base, family: 4, dst: '192.0.2.99/32', dev: 'wm1', line: 15 },
      { ...base, family: 6, dst: '2001:db8:2::1/128', dev: 'wm3', proto: '4', line: 16 },
    ]);
  });

  test('CRLF, a BOM, no final newline, blank and comment-only lines', () => {
    const text = '\ufeff# c\r\n\r\n10.0.0.0/8 dev wm0\r\n   \r\n  # indented comment\r\n10.1.0.0/16 dev wm0';
    expect(parseAll(text)).toEqual([
      { ...base, family: 4, dst: '10.0.0.0/8', dev: 'wm0', line: 3 },
      { ...base, family: 4, dst: '10.1.0.0/16', dev: 'wm0', line: 6 },
    ]);
    expect(parseAll('')).toEqual([]);
    expect(parseAll('\n\n# only\n')).toEqual([]);
  });

  test('bytes and text give the same routes; a Buffer works', () => {
    const text = '10.0.0.0/8 dev wm0\n2001:db8::/32 via 2001:db8:ffff::1\n';
    const a: Flat[] = [];
    const b: Flat[] = [];
    parseRoutesText(text, 'a', (r) => a.push(flat(r)));
    parseRoutesBytes(Buffer.from(text), 'a', (r) => b.push(flat(r)));
    expect(b).toEqual(a);
  });

  test('the RouteSpec and its address arrays are reused (the documented contract)', () => {
    const seen: RouteSpec[] = [];
    const dsts: Uint8Array[] = [];
    parseRoutesText('10.0.0.0/8 dev wm0\n11.0.0.0/8 dev wm0\n', 'a', (r) => {
      seen.push(r);
      dsts.push(r.dst);
    });
    expect(seen[0]).toBe(seen[1]);
    expect(dsts[0]).toBe(dsts[1]);
    expect(seen[0]!.file).toBe('a');
  });

  test('the same prefix in both families, and the same address at different lengths, are distinct', () => {
    expect(
      parseAll(
        '10.0.0.0/8 dev wm0\n10.0.0.0/16 dev wm0\n0.0.0.0/0 dev wm0\n::/0 dev wm0\n::/1 dev wm0\n10.0.0.0/31 dev wm0\n10.0.0.0 dev wm1',
      ),
    ).toHaveLength(7);
  });

  test('options.devs accepts known interfaces', () => {
    expect(parseAll('10.0.0.0/8 dev wm0\n', ['wm0'])).toHaveLength(1);
  });
});

describe('routes_file: errors name file:line:col, the field and the word', () => {
  const cases: [string, string, number, number, string, RegExp][] = [
    // text, why, line, col, field, detail
    [
      '10.0.0.0/8 dev wm0\n10.0.0.0/8 via 192.0.2.1 dev wm1',
      'duplicate',
      2,
      1,
      'dst',
      /route already exists.*line 1 \(this is line 2\)/,
    ],
    ['10.0.0.0/8 gateway 192.0.2.1', 'unknown word', 1, 12, 'route', /unknown word 'gateway'/],
    ['10.0.0.0/8 192.0.2.1', 'missing via', 1, 12, 'route', /unknown word '192\.0\.2\.1'/],
    [
      '10.0.0.1/8 dev wm0',
      'host bits',
      1,
      1,
      'dst',
      /Invalid prefix for given prefix length.*10\.0\.0\.1\/8.*10\.0\.0\.0\/8/,
    ],
    ['2001:db8::1/32 dev wm0', 'host bits v6', 1, 1, 'dst', /network is 2001:db8::\/32/],
    ['  10.0.0.0/33 dev wm0', 'bad plen', 1, 12, 'dst', /bad prefix length/],
    ['010.0.0.0/8 dev wm0', 'leading zero', 1, 1, 'dst', /'010\.0\.0\.0\/8' is not an IPv4 or IPv6 prefix/],
    ['10.0.0.0/8 via 2001:db8::1', 'via family', 1, 16, 'via', /IPv6 gateway for an IPv4 prefix/],
    ['2001:db8::/32 via 192.0.2.1', 'via family 6', 1, 19, 'via', /IPv4 gateway for an IPv6 prefix/],
    ['default dev wm0', 'default family', 1, 1, 'dst', /'default' needs 'via'/],
    ['ip -6 route add 10.0.0.0/8 dev wm0', 'forced family', 1, 17, 'dst', /IPv4 prefix in an 'ip -6' command/],
    ['10.0.0.0/8 dev wm0 metric 100', 'metric', 1, 27, 'metric', /metric 100 is not supported.*0 or absent/],
    ['10.0.0.0/8 dev wm0 metric x', 'metric nan', 1, 27, 'metric', /'x' is not a number/],
    ['10.0.0.0/8 dev wm0 mtu 9', 'mtu range', 1, 24, 'mtu', /'9' is not an MTU/],
    ['10.0.0.0/8 dev', 'missing dev', 1, 15, 'dev', /'dev' needs an interface name/],
    ['10.0.0.0/8 via # x', 'missing via', 1, 15, 'via', /'via' needs an address/],
    ['10.0.0.0/8 dev eth-0', 'bad dev', 1, 16, 'dev', /'eth-0' is not an interface name/],
    ['10.0.0.0/8 dev wm0 dev wm1', 'twice', 1, 20, 'dev', /'dev' given twice/],
    ['10.0.0.0/8', 'no nexthop', 1, 1, 'route', /needs 'via' or 'dev'/],
    ['blackhole 10.0.0.0/8 via 192.0.2.1', 'blackhole via', 1, 26, 'via', /blackhole route has no gateway/],
    ['prohibit 10.0.0.0/8 dev wm0', 'prohibit dev', 1, 25, 'dev', /prohibit route has no interface/],
    ['route del 10.0.0.0/8 dev wm0', 'verb', 1, 7, 'command', /expected 'add', 'replace' or 'append', got 'del'/],
    ['ip link add 10.0.0.0/8', 'object', 1, 4, 'command', /expected 'route', got 'link'/],
    ['route add', 'no prefix', 1, 10, 'dst', /missing prefix/],
    ['10.0.0.0/8 via 224.0.0.1', 'mcast via', 1, 16, 'via', /not a unicast address/],
    ['2001:db8::/32 via fe80::1', 'link-local via', 1, 19, 'via', /link-local gateway fe80::1 needs 'dev'/],
    ['10.0.0.0/8 dev wm0 proto Static', 'proto', 1, 26, 'proto', /'Static' is not a protocol name/],
    ['10.0.0.0/8 dev wm9', 'unknown dev', 1, 16, 'dev', /no interface named 'wm9'/],
    ['10.0.0.0/8 dév wm0', 'non-ascii', 1, 12, 'route', /unknown word 'dév'/],
    ['\r\n\r\n\t10.0.0.0/8 dev wm0 mtu\r\n', 'crlf col', 3, 24, 'mtu', /'mtu' needs a number/],
  ];
  test.each(cases)('%j (%s)', (text, _why, line, col, field, detail) => {
    const e = errorOf(text, ['wm0', 'wm1']);
    expect({ line: e.line, col: e.col, field: e.field, file: e.file }).toEqual({ line, col, field, file: 'rt.txt' });
    expect(e.detail).toMatch(detail);
    expect(e.message).toBe(`rt.txt:${line}:${col}: ${field}: ${e.detail}`);
  });

  test('a duplicate far down the file names both lines', () => {
    const lines = ['# header'];
    for (let i = 0; i < 1000; i++) lines.push(`10.${i >> 8}.${i & 255}.0/24 dev wm0`);
    lines.push('10.1.2.0/24 via 192.0.2.1');
    const e = errorOf(lines.join('\n'));
    expect(e.line).toBe(1002);
    expect(e.detail).toBe('route already exists: 10.1.2.0/24 is also at line 260 (this is line 1002)');
  });

  test('the same is true of IPv6 and of IPv4 longer than /24', () => {
    expect(errorOf('2001:db8::/32 dev wm0\n# x\n2001:0db8:0::/32 dev wm1').detail).toMatch(
      /2001:db8::\/32 is also at line 1 \(this is line 3\)/,
    );
    expect(errorOf('192.0.2.1 dev wm0\n192.0.2.1/32 dev wm1').detail).toMatch(/192\.0\.2\.1\/32 is also at line 1/);
    expect(errorOf('default via 192.0.2.1\n0.0.0.0/0 dev wm1').detail).toMatch(/0\.0\.0\.0\/0 is also at line 1/);
  });

  test('routes before the bad line have been delivered; onRoute errors propagate', () => {
    const got: number[] = [];
    expect(() =>
      parseRoutesText('10.0.0.0/8 dev wm0\n11.0.0.0/8 dev wm0\nbogus', 'f', (r) => got.push(r.line)),
    ).toThrow(ConfigError);
    expect(got).toEqual([1, 2]);
    const boom = new Error('boom');
    expect(() =>
      parseRoutesText('10.0.0.0/8 dev wm0', 'f', () => {
        throw boom;
      }),
    ).toThrow(boom);
  });

  test('garbage never throws anything but ConfigError', () => {
    const word = fc.oneof(
      fc.constantFrom(
        'via',
        'dev',
        'mtu',
        'metric',
        'proto',
        'default',
        'route',
        'add',
        'ip',
        '-6',
        'blackhole',
        'to',
        '#',
        'wm0',
        '0',
        '1500',
      ),
      fc.ipV4(),
      fc.ipV6(),
      fc.tuple(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: -1, max: 140 })).map(([a, n]) => `${a}/${n}`),
      fc.string({ maxLength: 6 }),
    );
    const line = fc.array(word, { maxLength: 8 }).map((ws) => ws.join(' '));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), fc.constantFrom('\n', '\r\n'), (ls, eol) => {
        try {
          parseRoutesText(ls.join(eol), 'g', () => {});
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          const ce = e as ConfigError;
          expect(ce.line).toBeGreaterThanOrEqual(1);
          expect(ce.col).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('routes_file: a generated 100k-line table', () => {
  test('every route comes back as generated', () => {
    // Mostly IPv4 /24s through four gateways, some /16s and host routes, an IPv6 /48 in every
    // 8th line, blackholes, comments, blank lines and CRLF, in a shuffled order.
    const N = 100_000;
    const lines: string[] = [];
    const want: string[] = [];
    for (let i = 0; i < N; i++) {
      let line: string;
      let key: string;
      if (i % 8 === 7) {
        const p = `2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64`;
        line = `${p} via fe80::${(i % 5) + 1} dev wm${i % 3}`;
        key = `6 ${p} fe80::${(i % 5) + 1} wm${i % 3} unicast 0`;
      } else if (i % 101 === 0) {
        const p = `${formatIPv4((0xc6000000 + i) >>> 0)}/32`; // 198.0.0.0 + i, host routes
        line = `blackhole ${p}`;
        key = `4 ${p} null null blackhole 0`;
      } else if (i % 17 === 0) {
        const p = `${formatIPv4((0x64000000 + i * 65536) >>> 0)}/16`; // wraps past 2^32, still distinct for these i
        line = `route add ${p} dev wm1 mtu 1400`;
        key = `4 ${p} null wm1 unicast 1400`;
      } else {
        const p = `${formatIPv4((0x01000000 + i * 256) >>> 0)}/24`;
        line = `${p} via 192.0.2.${(i % 4) + 1}`;
        key = `4 ${p} 192.0.2.${(i % 4) + 1} null unicast 0`;
      }
      lines.push(line);
      want.push(key);
    }
    // Deterministic shuffle (LCG), then decorate.
    let seed = 12345;
    for (let i = N - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = seed % (i + 1);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      [want[i], want[j]] = [want[j]!, want[i]!];
    }
    const out: string[] = [];
    for (let i = 0; i < N; i++) {
      if (i % 1000 === 0) out.push(`# block ${i / 1000}`, '');
      out.push(lines[i]!);
    }
    const text = out.join('\r\n') + '\r\n';

    const got: string[] = [];
    const n = parseRoutesText(text, 'full.txt', (r) => {
      const dst =
        r.family === 4
          ? formatIPv4(((r.dst[0]! << 24) | (r.dst[1]! << 16) | (r.dst[2]! << 8) | r.dst[3]!) >>> 0)
          : formatIPv6(r.dst);
      got.push(`${r.family} ${dst}/${r.plen} ${r.via ? formatIP(r.via) : null} ${r.dev} ${r.type} ${r.mtu}`);
    });
    expect(n).toBe(N);
    expect(got.length).toBe(N);
    for (let i = 0; i < N; i++) if (got[i] !== want[i]) expect([i, got[i]]).toEqual([i, want[i]]);
  });
});
