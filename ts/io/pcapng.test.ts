import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { CaptureError, type CapturedFrame } from './frame.js';
import { PCAPNG_DIR_INBOUND, PCAPNG_DIR_OUTBOUND, PcapngWriter, readPcapng } from './pcapng.js';

// --- Golden files, field by field (draft-ietf-opsawg-pcapng) --------------------------------

// Little-endian: SHB, IDB (Ethernet, snaplen 65535, if_tsresol 9 = ns), EPB of 5 bytes at
// 1700000000.123456789 s = 1700000000123456789 ns = 0x17979CFE_3D85CD15.
const LE_NS = Uint8Array.from([
  // SHB
  0x0a,
  0x0d,
  0x0d,
  0x0a, // block type
  0x1c,
  0x00,
  0x00,
  0x00, // block total length 28
  0x4d,
  0x3c,
  0x2b,
  0x1a, // byte-order magic 1A2B3C4D, little-endian
  0x01,
  0x00,
  0x00,
  0x00, // version 1.0
  0xff,
  0xff,
  0xff,
  0xff, // section length -1 (unknown)
  0xff,
  0xff,
  0xff,
  0xff,
  0x1c,
  0x00,
  0x00,
  0x00, // trailing length 28
  // IDB at 28
  0x01,
  0x00,
  0x00,
  0x00, // block type 1
  0x20,
  0x00,
  0x00,
  0x00, // length 32
  0x01,
  0x00,
  0x00,
  0x00, // linktype 1, reserved
  0xff,
  0xff,
  0x00,
  0x00, // snaplen 65535
  0x09,
  0x00,
  0x01,
  0x00, // if_tsresol, length 1
  0x09,
  0x00,
  0x00,
  0x00, // 9 (10^-9 s), padded
  0x00,
  0x00,
  0x00,
  0x00, // opt_endofopt
  0x20,
  0x00,
  0x00,
  0x00, // trailing length 32
  // EPB at 60
  0x06,
  0x00,
  0x00,
  0x00, // block type 6
  0x28,
  0x00,
  0x00,
  0x00, // length 40
  0x00,
  0x00,
  0x00,
  0x00, // interface 0
  0xfe,
  0x9c,
  0x97,
  0x17, // timestamp high 0x17979CFE
  0x15,
  0xcd,
  0x85,
  0x3d, // timestamp low 0x3D85CD15
  0x05,
  0x00,
  0x00,
  0x00, // captured length 5
  0x3c,
  0x00,
  0x00,
  0x00, // original length 60
  0x01,
  0x02,
  0x03,
  0x04, // data
  0x05,
  0x00,
  0x00,
  0x00, // data, padding
  0x28,
  0x00,
  0x00,
  0x00, // trailing length 40 (at 96)
]);

// Big-endian: SHB, IDB (LINKTYPE_RAW 101, snaplen 262144, no options: microseconds), EPB of 4
// bytes at 1700000000.123456 s = 1700000000123456 us = 0x00060A24_18202240.
const BE_US = Uint8Array.from([
  0x0a,
  0x0d,
  0x0d,
  0x0a,
  0x00,
  0x00,
  0x00,
  0x1c,
  0x1a,
  0x2b,
  0x3c,
  0x4d, // byte-order magic, big-endian
  0x00,
  0x01,
  0x00,
  0x00,
  0xff,
  0xff,
  0xff,
  0xff,
  0xff,
  0xff,
  0xff,
  0xff,
  0x00,
  0x00,
  0x00,
  0x1c,
  // IDB at 28
  0x00,
  0x00,
  0x00,
  0x01,
  0x00,
  0x00,
  0x00,
  0x14, // length 20
  0x00,
  0x65,
  0x00,
  0x00, // linktype 101
  0x00,
  0x04,
  0x00,
  0x00, // snaplen 262144
  0x00,
  0x00,
  0x00,
  0x14,
  // EPB at 48
  0x00,
  0x00,
  0x00,
  0x06,
  0x00,
  0x00,
  0x00,
  0x24, // length 36
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x06,
  0x0a,
  0x24,
  0x18,
  0x20,
  0x22,
  0x40,
  0x00,
  0x00,
  0x00,
  0x04,
  0x00,
  0x00,
  0x00,
  0x04,
  0xde,
  0xad,
  0xbe,
  0xef,
  0x00,
  0x00,
  0x00,
  0x24,
]);

// Little-endian: SHB, IDB (Ethernet, snaplen 8, microseconds), an obsolete Packet Block, a Simple
// Packet Block whose original length 10 is cut to the snaplen 8, and an unknown block 0x00000BAD.
const LE_PB_SPB = Uint8Array.from([
  0x0a,
  0x0d,
  0x0d,
  0x0a,
  0x1c,
  0x00,
  0x00,
  0x00,
  0x4d,
  0x3c,
  0x2b,
  0x1a,
  0x01,
  0x00,
  0x00,
  0x00,
  0xff,
  0xff,
  0xff,
  0xff,
  0xff,
  0xff,
  0xff,
  0xff,
  0x1c,
  0x00,
  0x00,
  0x00,
  // IDB at 28
  0x01,
  0x00,
  0x00,
  0x00,
  0x14,
  0x00,
  0x00,
  0x00,
  0x01,
  0x00,
  0x00,
  0x00,
  0x08,
  0x00,
  0x00,
  0x00, // snaplen 8
  0x14,
  0x00,
  0x00,
  0x00,
  // PB at 48
  0x02,
  0x00,
  0x00,
  0x00, // block type 2
  0x24,
  0x00,
  0x00,
  0x00, // length 36
  0x00,
  0x00,
  0x03,
  0x00, // interface 0 (u16), drops count 3 (u16)
  0x00,
  0x00,
  0x00,
  0x00, // timestamp high
  0x40,
  0x42,
  0x0f,
  0x00, // timestamp low 1000000 us = 1 s
  0x03,
  0x00,
  0x00,
  0x00, // captured length 3
  0x05,
  0x00,
  0x00,
  0x00, // original length 5
  0xaa,
  0xbb,
  0xcc,
  0x00,
  0x24,
  0x00,
  0x00,
  0x00,
  // SPB at 84
  0x03,
  0x00,
  0x00,
  0x00, // block type 3
  0x18,
  0x00,
  0x00,
  0x00, // length 24
  0x0a,
  0x00,
  0x00,
  0x00, // original length 10
  0x11,
  0x12,
  0x13,
  0x14,
  0x15,
  0x16,
  0x17,
  0x18,
  0x18,
  0x00,
  0x00,
  0x00,
  // unknown block at 108
  0xad,
  0x0b,
  0x00,
  0x00,
  0x10,
  0x00,
  0x00,
  0x00,
  0x99,
  0x99,
  0x99,
  0x99,
  0x10,
  0x00,
  0x00,
  0x00,
]);

// --- A small block builder for the structural and property tests ---------------------------

type Bytes = number[];
function u16(le: boolean, v: number): Bytes {
  return le ? [v & 0xff, (v >>> 8) & 0xff] : [(v >>> 8) & 0xff, v & 0xff];
}
function u32(le: boolean, v: number): Bytes {
  const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  return le ? b : b.reverse();
}
function i64(le: boolean, v: bigint): Bytes {
  const u = BigInt.asUintN(64, v);
  const lo = u32(le, Number(u & 0xffffffffn));
  const hi = u32(le, Number(u >> 32n));
  return le ? [...lo, ...hi] : [...hi, ...lo];
}
function pad4(b: Bytes): Bytes {
  return b.length % 4 === 0 ? b : [...b, ...new Array<number>(4 - (b.length % 4)).fill(0)];
}
function block(le: boolean, type: number, body: Bytes): Bytes {
  const b = pad4(body);
  const n = 12 + b.length;
  return [...u32(le, type), ...u32(le, n), ...b, ...u32(le, n)];
}
function shb(le: boolean, major = 1): Bytes {
  return block(le, 0x0a0d0d0a, [...u32(le, 0x1a2b3c4d), ...u16(le, major), ...u16(le, 0), ...i64(le, -1n)]);
}
function opt(le: boolean, code: number, value: Bytes): Bytes {
  return [...u16(le, code), ...u16(le, value.length), ...pad4(value)];
}
function idb(le: boolean, linktype: number, snaplen: number, options: Bytes = []): Bytes {
  const end = options.length > 0 ? u32(le, 0) : [];
  return block(le, 1, [...u16(le, linktype), 0, 0, ...u32(le, snaplen), ...options, ...end]);
}
function epb(le: boolean, ifid: number, ts: bigint, data: Bytes, origLen = data.length): Bytes {
  if (ts < 0n || ts >= 2n ** 64n) throw new Error(`test bug: timestamp ${ts} does not fit 64 bits`);
  return block(le, 6, [
    ...u32(le, ifid),
    ...u32(le, Number(ts >> 32n)),
    ...u32(le, Number(ts & 0xffffffffn)),
    ...u32(le, data.length),
    ...u32(le, origLen),
    ...pad4(data),
  ]);
}
const bytes = (...parts: Bytes[]): Uint8Array => Uint8Array.from(parts.flat());

/** Independent reference for timestamps: exact BigInt arithmetic straight from the spec. */
function refTimestamp(tsresol: number, ts: bigint, offset = 0n): [number, number] {
  const n = BigInt(tsresol & 0x7f);
  const units = tsresol & 0x80 ? 2n ** n : 10n ** n;
  return [Number(ts / units + offset), Number(((ts % units) * 1_000_000_000n) / units)];
}

function captureErrorOf(fn: () => unknown): CaptureError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CaptureError) return e;
    throw new Error(`expected CaptureError, got ${String(e)}`);
  }
  throw new Error('expected CaptureError, got no error');
}
function parsesOrCaptureError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof CaptureError)) throw new Error(`expected CaptureError, got ${String(e)}`);
  }
}
function withU32(b: Uint8Array, at: number, v: number, le: boolean): Uint8Array {
  const out = b.slice();
  new DataView(out.buffer).setUint32(at, v, le);
  return out;
}

// --- Tests ---------------------------------------------------------------------------------

describe('readPcapng golden files', () => {
  test('little-endian, nanosecond if_tsresol', () => {
    expect(readPcapng(LE_NS, 'le.pcapng')).toEqual([
      { data: Uint8Array.from([1, 2, 3, 4, 5]), tsSec: 1700000000, tsNsec: 123456789, origLen: 60, linktype: 1 },
    ]);
  });

  test('big-endian, default microsecond resolution, linktype 101', () => {
    expect(readPcapng(BE_US, 'be.pcapng')).toEqual([
      {
        data: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]),
        tsSec: 1700000000,
        tsNsec: 123456000,
        origLen: 4,
        linktype: 101,
      },
    ]);
  });

  test('obsolete Packet Block, Simple Packet Block cut to snaplen, unknown block skipped', () => {
    expect(readPcapng(LE_PB_SPB, 'pb.pcapng')).toEqual([
      { data: Uint8Array.from([0xaa, 0xbb, 0xcc]), tsSec: 1, tsNsec: 0, origLen: 5, linktype: 1 },
      {
        data: Uint8Array.from([0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18]),
        tsSec: 0,
        tsNsec: 0,
        origLen: 10,
        linktype: 1,
      },
    ]);
  });

  test('the builder reproduces the golden files byte for byte', () => {
    const le = bytes(
      shb(true),
      idb(true, 1, 65535, opt(true, 9, [9])),
      epb(true, 0, 0x17979cfe3d85cd15n, [1, 2, 3, 4, 5], 60),
    );
    expect(le).toEqual(LE_NS);
    expect(
      bytes(shb(false), idb(false, 101, 262144), epb(false, 0, 0x00060a2418202240n, [0xde, 0xad, 0xbe, 0xef])),
    ).toEqual(BE_US);
  });

  test('frames alias the input (no copy)', () => {
    const [f] = readPcapng(LE_NS, 'x');
    expect(f!.data.buffer).toBe(LE_NS.buffer);
    expect(f!.data.byteOffset).toBe(88);
  });

  test('a file holding only a section header has no frames', () => {
    expect(readPcapng(LE_NS.subarray(0, 28), 'x')).toEqual([]);
  });
});

describe('readPcapng timestamps', () => {
  const S = 1700000000n;
  test.each([
    ['10^0 (seconds)', 0, S],
    ['10^-3', 3, S * 1000n + 123n],
    ['10^-6 (explicit)', 6, S * 1_000_000n + 999_999n],
    ['10^-9', 9, S * 1_000_000_000n + 1n],
    // A 64-bit count of picoseconds reaches only ~213 days past the epoch.
    ['10^-12, finer than ns: truncated', 12, 10_000_000n * 10n ** 12n + 123_456_789_012n],
    ['10^-19 (BigInt path)', 19, 10n ** 19n + 5n * 10n ** 18n],
    ['2^-10', 0x80 | 10, S * 1024n + 512n],
    ['2^-30', 0x80 | 30, S * 2n ** 30n + 1n],
    ['2^-32 (16-bit digit path)', 0x80 | 32, S * 2n ** 32n + 0x80000000n],
    ['2^-40 (BigInt path)', 0x80 | 40, 9n * 2n ** 40n + 3n],
    ['2^0', 0x80, 42n],
  ])('if_tsresol %s', (_what, tsresol, ts) => {
    const f = bytes(shb(true), idb(true, 1, 0, opt(true, 9, [tsresol])), epb(true, 0, ts, [0]));
    const [got] = readPcapng(f, 'ts.pcapng');
    expect([got!.tsSec, got!.tsNsec]).toEqual(refTimestamp(tsresol, ts));
  });

  test('spot values against hand arithmetic', () => {
    const at = (tsresol: number, ts: bigint): number[] => {
      const [g] = readPcapng(
        bytes(shb(false), idb(false, 1, 0, opt(false, 9, [tsresol])), epb(false, 0, ts, [0])),
        'x',
      );
      return [g!.tsSec, g!.tsNsec];
    };
    expect(at(0x80 | 10, 1700000000n * 1024n + 512n)).toEqual([1700000000, 500_000_000]);
    expect(at(12, 10000000_123456789012n)).toEqual([10000000, 123456789]);
    expect(at(19, 15_000_000_000_000_000_001n)).toEqual([1, 500_000_000]);
    expect(at(0x80 | 32, 0x6553f100_80000000n)).toEqual([1700000000, 500_000_000]);
    expect(at(3, 1700000000123n)).toEqual([1700000000, 123_000_000]);
  });

  test('if_tsoffset adds whole seconds, negative too', () => {
    const mk = (off: bigint) =>
      bytes(
        shb(true),
        idb(true, 1, 0, [...opt(true, 14, i64(true, off)), ...opt(true, 9, [9])]),
        epb(true, 0, 5_000_000_001n, [0]),
      );
    expect(readPcapng(mk(1700000000n), 'x')[0]).toMatchObject({ tsSec: 1700000005, tsNsec: 1 });
    expect(readPcapng(mk(-3n), 'x')[0]).toMatchObject({ tsSec: 2, tsNsec: 1 });
  });

  test('property: any 64-bit count at any resolution matches the BigInt reference', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.oneof(
          fc.integer({ min: 0, max: 20 }),
          fc.integer({ min: 0, max: 64 }).map((n) => 0x80 | n),
        ),
        fc.boolean(),
        (ts, tsresol, le) => {
          const want = refTimestamp(tsresol, ts);
          fc.pre(want[0] <= Number.MAX_SAFE_INTEGER); // seconds past 2^53 are not exact in any JS number
          const [g] = readPcapng(bytes(shb(le), idb(le, 1, 0, opt(le, 9, [tsresol])), epb(le, 0, ts, [0])), 'p');
          expect([g!.tsSec, g!.tsNsec]).toEqual(want);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('readPcapng sections and interfaces', () => {
  // Section 1, little-endian: Ethernet at microseconds and LINKTYPE_RAW at nanoseconds, packets
  // on both, a Name Resolution Block and an Interface Statistics Block to skip.
  // Section 2, big-endian: interfaces start over; its interface 0 is Linux cooked (113) at 2^-20.
  const s1 = [
    shb(true),
    idb(true, 1, 1514),
    idb(true, 101, 0, [...opt(true, 2, [0x65, 0x74, 0x68, 0x31]), ...opt(true, 9, [9])]),
    epb(true, 1, 1700000001_000000007n, [0x45, 0, 0, 20]),
    block(true, 4, [0, 0, 0, 0]), // NRB: only nrb_record_end
    epb(true, 0, 1700000002_000003n, [1, 2, 3], 1000),
    block(true, 5, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), // ISB: interface 0, timestamp 0
  ];
  const s2 = [
    shb(false),
    idb(false, 113, 65535, opt(false, 9, [0x80 | 20])),
    epb(false, 0, 1700000003n * 2n ** 20n + 2n ** 19n, [9, 9]),
  ];

  test('two sections of opposite byte order, three interfaces, blocks skipped', () => {
    expect(readPcapng(bytes(...s1, ...s2), 'multi.pcapng')).toEqual([
      { data: Uint8Array.from([0x45, 0, 0, 20]), tsSec: 1700000001, tsNsec: 7, origLen: 4, linktype: 101 },
      { data: Uint8Array.from([1, 2, 3]), tsSec: 1700000002, tsNsec: 3000, origLen: 1000, linktype: 1 },
      { data: Uint8Array.from([9, 9]), tsSec: 1700000003, tsNsec: 500_000_000, origLen: 2, linktype: 113 },
    ]);
  });

  test("a new section forgets the previous section's interfaces", () => {
    const f = bytes(...s1, ...s2, epb(false, 1, 0n, [0]));
    const e = captureErrorOf(() => readPcapng(f, 'multi.pcapng'));
    expect(e.message).toMatch(/enhanced packet block names interface 1 but its section describes 1/);
  });
});

describe('readPcapng errors', () => {
  const lenEpb = LE_NS.length;
  test.each([
    ['block length not a multiple of 4', withU32(LE_NS, 32, 0x21, true), 32, /block length 33 is not a multiple of 4/],
    [
      'mismatched trailing length',
      withU32(LE_NS, 96, 44, true),
      96,
      /trailing block length 44 does not match leading block length 40/,
    ],
    ['truncated final block', LE_NS.subarray(0, lenEpb - 1), 60, /truncated block: length 40 but only 39 bytes left/],
    ['truncated block header', bytes([...LE_NS], [6, 0, 0]), lenEpb, /truncated block header: 3 of 8/],
    ['block length under 12', withU32(LE_NS, 32, 8, true), 32, /block length 8 is under the minimum 12/],
    ['bad byte-order magic', withU32(LE_NS, 8, 0x11223344, true), 8, /bad pcapng byte-order magic 0x11223344/],
    [
      'section header too short',
      bytes(block(true, 0x0a0d0d0a, [0x4d, 0x3c, 0x2b, 0x1a])),
      4,
      /block length 16 is under the minimum 28/,
    ],
    ['truncated section header', LE_NS.subarray(0, 10), 0, /truncated section header block/],
    ['empty file', new Uint8Array(0), 0, /empty file: no section header block/],
    ['unsupported version', bytes(shb(true, 2)), 12, /unsupported pcapng version 2\.0/],
    ['first block not a section header', bytes(idb(true, 1, 0)), 0, /not a pcapng file/],
    [
      'packet before any interface',
      bytes(shb(true), epb(true, 0, 0n, [1])),
      36,
      /names interface 0 but its section describes 0/,
    ],
    ['interface out of range', bytes(shb(false), idb(false, 1, 0), epb(false, 7, 0n, [1])), 56, /names interface 7/],
    [
      'captured length overruns the block',
      withU32(LE_NS, 80, 9, true),
      80,
      /truncated record: captured length 9 overruns its enhanced packet block \(room for 8\)/,
    ],
    [
      'captured length over snaplen',
      bytes(shb(true), idb(true, 1, 4), epb(true, 0, 0n, [1, 2, 3, 4, 5])),
      68,
      /captured length 5 is over its interface's snaplen 4/,
    ],
    [
      'IDB too short',
      bytes(shb(true), block(true, 1, [1, 0, 0, 0])),
      32,
      /interface description block length 16 is under 20/,
    ],
    [
      'EPB too short',
      bytes(shb(true), idb(true, 1, 0), block(true, 6, [0, 0, 0, 0])),
      52,
      /enhanced packet block length 16 is under 32/,
    ],
    [
      'option overruns its block',
      bytes(shb(true), idb(true, 1, 0, [...u16(true, 9), ...u16(true, 200), 9, 0, 0, 0])),
      44,
      /option 9 of length 200 overruns/,
    ],
    [
      'SPB before any interface',
      bytes(shb(true), block(true, 3, [...u32(true, 1), 1])),
      28,
      /simple packet block before any interface/,
    ],
  ])('%s', (_what, file, offset, message) => {
    const e = captureErrorOf(() => readPcapng(file, 'bad.pcapng'));
    expect(e.message).toMatch(/^bad\.pcapng: offset \d+: /);
    expect(e.message).toMatch(message);
    expect(e.offset).toBe(offset);
  });

  test('captured length over 256 KiB', () => {
    const big = new Array<number>(262145).fill(0);
    const f = bytes(shb(true), idb(true, 1, 0), epb(true, 0, 0n, big));
    expect(captureErrorOf(() => readPcapng(f, 'big.pcapng')).message).toMatch(
      /captured length 262145 is over the 262144-byte maximum/,
    );
  });
});

// --- Properties ----------------------------------------------------------------------------

const TSRESOLS = [6, 9, 3, 0x80 | 10, 0x80 | 32, 12];
const arbSections = fc.array(
  fc.record({
    le: fc.boolean(),
    ifaces: fc.array(
      fc.record({ linktype: fc.integer({ min: 0, max: 0xffff }), tsresol: fc.constantFrom(...TSRESOLS) }),
      { minLength: 1, maxLength: 3 },
    ),
    packets: fc.array(
      fc.record({
        ifSeed: fc.nat(),
        ts: fc.bigInt({ min: 0n, max: 2n ** 63n }),
        data: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 70 }),
        extra: fc.nat({ max: 100 }),
      }),
      { maxLength: 6 },
    ),
  }),
  { minLength: 1, maxLength: 3 },
);
type Sections = typeof arbSections extends fc.Arbitrary<infer T> ? T : never;

/** Builds a file from `sections`; returns it, the frames a reader must see, and block starts. */
function buildFile(sections: Sections): { file: Uint8Array; want: CapturedFrame[]; boundaries: number[] } {
  const blocks: Bytes[] = [];
  const want: CapturedFrame[] = [];
  for (const s of sections) {
    blocks.push(shb(s.le));
    for (const i of s.ifaces) blocks.push(idb(s.le, i.linktype, 0, opt(s.le, 9, [i.tsresol])));
    for (const p of s.packets) {
      const ifid = p.ifSeed % s.ifaces.length;
      const ifc = s.ifaces[ifid]!;
      blocks.push(epb(s.le, ifid, p.ts, p.data, p.data.length + p.extra));
      const [tsSec, tsNsec] = refTimestamp(ifc.tsresol, p.ts);
      want.push({
        data: Uint8Array.from(p.data),
        tsSec,
        tsNsec,
        origLen: p.data.length + p.extra,
        linktype: ifc.linktype,
      });
    }
  }
  const boundaries = [0];
  for (const b of blocks) boundaries.push(boundaries[boundaries.length - 1]! + b.length);
  return { file: bytes(...blocks), want, boundaries };
}

describe('readPcapng properties', () => {
  test('random sections, interfaces and packets read back as built', () => {
    fc.assert(
      fc.property(arbSections, (sections) => {
        const { file, want } = buildFile(sections);
        const got = readPcapng(file, 'rt.pcapng');
        // Seconds past 2^53 are inexact in both; compare those loosely.
        expect(got.length).toBe(want.length);
        got.forEach((g, k) => {
          const w = want[k]!;
          expect({ ...g, tsSec: 0 }).toEqual({ ...w, tsSec: 0 });
          if (w.tsSec <= Number.MAX_SAFE_INTEGER) expect(g.tsSec).toBe(w.tsSec);
          else expect(g.tsSec / w.tsSec).toBeCloseTo(1, 10);
        });
      }),
    );
  });

  test('truncation: a cut on a block boundary (after the first) parses, any other cut is a CaptureError', () => {
    fc.assert(
      fc.property(arbSections, fc.nat(), (sections, seed) => {
        const { file, boundaries } = buildFile(sections);
        const cut = seed % (file.length + 1);
        if (cut > 0 && boundaries.includes(cut)) {
          expect(() => readPcapng(file.subarray(0, cut), 't')).not.toThrow();
        } else {
          expect(() => readPcapng(file.subarray(0, cut), 't')).toThrow(CaptureError);
        }
      }),
    );
  });

  test('byte mutations of valid files parse or throw CaptureError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(LE_NS, BE_US, LE_PB_SPB),
          arbSections.map((s) => buildFile(s).file),
        ),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (file, edits) => {
          const m = file.slice();
          for (const [i, b] of edits) m[i % m.length] = b;
          parsesOrCaptureError(() => readPcapng(m, 'mut.pcapng'));
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('random bytes after a section header parse or throw CaptureError', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 300 }), (le, tail) => {
        parsesOrCaptureError(() => readPcapng(bytes(shb(le), [...tail]), 'rand.pcapng'));
      }),
    );
  });
});

// --- The writer -----------------------------------------------------------------------------

describe('PcapngWriter', () => {
  test('SHB, an IDB per interface, EPBs with epb_flags: read back whole, valid after every takeBytes', () => {
    const w = new PcapngWriter();
    expect(w.addInterface('wm0')).toBe(0);
    expect(w.addInterface('wm1.long-name', 1, 64)).toBe(1);
    const head = w.takeBytes();
    expect(readPcapng(head, 'head.pcapng')).toEqual([]);
    w.add(0, Uint8Array.of(1, 2, 3, 4, 5), 1_700_000_000, 123_456_789, PCAPNG_DIR_INBOUND);
    w.add(1, new Uint8Array(100).fill(7), 4_000_000_000, 999_999_999, PCAPNG_DIR_OUTBOUND);
    w.add(0, Uint8Array.of(9), 0, 0);
    expect(w.count).toBe(3);
    const all = bytes([...head], [...w.takeBytes()]);
    const f = readPcapng(all, 'w.pcapng');
    expect(f.map((x) => [x.data.length, x.tsSec, x.tsNsec, x.origLen])).toEqual([
      [5, 1_700_000_000, 123_456_789, 5],
      [64, 4_000_000_000, 999_999_999, 100], // cut at its interface's snaplen
      [1, 0, 0, 1],
    ]);
    // the first EPB (after SHB 28, IDB wm0 40, IDB wm1.long-name 52): its option 2 (epb_flags) = inbound
    const dv = new DataView(all.buffer, all.byteOffset);
    expect(dv.getUint32(120, true)).toBe(6); // EPB
    expect(dv.getUint32(120 + 4, true)).toBe(52); // 12 + 20 fixed + 5 bytes padded to 8 + epb_flags 8 + end 4
    expect([dv.getUint16(120 + 36, true), dv.getUint16(120 + 38, true), dv.getUint32(120 + 40, true)]).toEqual([
      2, 4, 1,
    ]);
    expect(w.takeBytes()).toEqual(new Uint8Array(0));
  });

  test("an unknown interface or a bad timestamp is the caller's bug: RangeError", () => {
    const w = new PcapngWriter();
    expect(() => w.add(0, Uint8Array.of(1), 0, 0)).toThrow(RangeError);
    w.addInterface('x');
    expect(() => w.add(0, Uint8Array.of(1), 0, 1e9)).toThrow(RangeError);
    expect(() => w.add(0, Uint8Array.of(1), -1, 0)).toThrow(RangeError);
  });
});
