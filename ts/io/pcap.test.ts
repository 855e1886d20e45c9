import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { CaptureError } from './frame.js';
import { PcapWriter, readPcap } from './pcap.js';

// One frame, de ad be ef, at 1700000000 s + 123456 us (or 123456789 ns), 4 of 60 bytes captured,
// in each of the four magics. Laid out field by field, numbers from draft-ietf-opsawg-pcap.
const LE_USEC = Uint8Array.from([
  0xd4,
  0xc3,
  0xb2,
  0xa1, // magic A1B2C3D4, little-endian
  0x02,
  0x00,
  0x04,
  0x00, // version 2.4
  0x00,
  0x00,
  0x00,
  0x00, // reserved1
  0x00,
  0x00,
  0x00,
  0x00, // reserved2
  0xff,
  0xff,
  0x00,
  0x00, // snaplen 65535
  0x01,
  0x00,
  0x00,
  0x00, // linktype 1 (Ethernet)
  0x00,
  0xf1,
  0x53,
  0x65, // ts seconds 1700000000 (0x6553F100)
  0x40,
  0xe2,
  0x01,
  0x00, // ts microseconds 123456 (0x0001E240)
  0x04,
  0x00,
  0x00,
  0x00, // captured length 4
  0x3c,
  0x00,
  0x00,
  0x00, // original length 60
  0xde,
  0xad,
  0xbe,
  0xef,
]);
const BE_USEC = Uint8Array.from([
  0xa1, 0xb2, 0xc3, 0xd4, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
  0xff, 0x00, 0x00, 0x00, 0x01, 0x65, 0x53, 0xf1, 0x00, 0x00, 0x01, 0xe2, 0x40, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,
  0x00, 0x3c, 0xde, 0xad, 0xbe, 0xef,
]);
const LE_NSEC = Uint8Array.from([
  0x4d,
  0x3c,
  0xb2,
  0xa1, // magic A1B23C4D, little-endian
  0x02,
  0x00,
  0x04,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0xff,
  0xff,
  0x00,
  0x00,
  0x01,
  0x00,
  0x00,
  0x00,
  0x00,
  0xf1,
  0x53,
  0x65,
  0x15,
  0xcd,
  0x5b,
  0x07, // ts nanoseconds 123456789 (0x075BCD15)
  0x04,
  0x00,
  0x00,
  0x00,
  0x3c,
  0x00,
  0x00,
  0x00,
  0xde,
  0xad,
  0xbe,
  0xef,
]);
const BE_NSEC = Uint8Array.from([
  0xa1, 0xb2, 0x3c, 0x4d, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
  0xff, 0x00, 0x00, 0x00, 0x01, 0x65, 0x53, 0xf1, 0x00, 0x07, 0x5b, 0xcd, 0x15, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,
  0x00, 0x3c, 0xde, 0xad, 0xbe, 0xef,
]);
const DEADBEEF = Uint8Array.from([0xde, 0xad, 0xbe, 0xef]);

/** Runs `fn`; passes if it returns or throws CaptureError, fails on any other throw. */
function parsesOrCaptureError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof CaptureError)) throw new Error(`expected CaptureError, got ${String(e)}`);
  }
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

function withU32(bytes: Uint8Array, at: number, v: number, le: boolean): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(at, v, le);
  return out;
}

describe('readPcap golden files', () => {
  test.each([
    ['little-endian microsecond', LE_USEC, 123456000],
    ['big-endian microsecond', BE_USEC, 123456000],
    ['little-endian nanosecond', LE_NSEC, 123456789],
    ['big-endian nanosecond', BE_NSEC, 123456789],
  ])('%s', (_what, file, tsNsec) => {
    const frames = readPcap(file, 'golden.pcap');
    expect(frames).toHaveLength(1);
    expect(frames[0]).toEqual({ data: DEADBEEF, tsSec: 1700000000, tsNsec, origLen: 60, linktype: 1 });
  });

  test('frames alias the input (no copy)', () => {
    const f = readPcap(LE_USEC, 'x')[0]!;
    expect(f.data.buffer).toBe(LE_USEC.buffer);
    expect(f.data.byteOffset).toBe(40);
  });

  test('reads from a subarray at a non-zero offset', () => {
    const padded = new Uint8Array(LE_NSEC.length + 7);
    padded.set(LE_NSEC, 7);
    expect(readPcap(padded.subarray(7), 'x')[0]!.tsNsec).toBe(123456789);
  });

  test('header only: no frames', () => {
    expect(readPcap(LE_USEC.subarray(0, 24), 'x')).toEqual([]);
  });

  test('linktype keeps only the low 16 bits (upper bits are FCS information)', () => {
    const f = withU32(BE_USEC, 20, 0x1400_0069, false); // FCS length 4 present, LINKTYPE 105
    expect(readPcap(f, 'x')[0]!.linktype).toBe(105);
  });

  test('a microsecond field of 1e6 or more carries into the seconds', () => {
    const f = withU32(LE_USEC, 28, 2_500_000, true);
    const fr = readPcap(f, 'x')[0]!;
    expect([fr.tsSec, fr.tsNsec]).toEqual([1700000002, 500_000_000]);
  });

  test('snaplen 0 means unknown: only the 256 KiB ceiling applies', () => {
    const f = withU32(LE_USEC, 16, 0, true);
    expect(readPcap(f, 'x')).toHaveLength(1);
  });
});

describe('PcapWriter golden bytes', () => {
  test('microsecond (default): exactly LE_USEC, nanoseconds truncated to microseconds', () => {
    const w = new PcapWriter();
    w.add(DEADBEEF, 1700000000, 123456789, 60);
    expect(w.toBytes()).toEqual(LE_USEC);
    expect(w.count).toBe(1);
  });

  test('nanosecond: exactly LE_NSEC', () => {
    const w = new PcapWriter({ nanosecond: true });
    w.add(DEADBEEF, 1700000000, 123456789, 60);
    expect(w.toBytes()).toEqual(LE_NSEC);
  });

  test('empty writer is a bare header', () => {
    expect(new PcapWriter().toBytes()).toEqual(LE_USEC.subarray(0, 24));
  });

  test('linktype option lands in the header', () => {
    const b = new PcapWriter({ linktype: 101 }).toBytes();
    expect(Array.from(b.subarray(20, 24))).toEqual([101, 0, 0, 0]);
  });

  test('frames over the snaplen are cut, keeping their original length', () => {
    const w = new PcapWriter({ snaplen: 8 });
    w.add(new Uint8Array(20).fill(7), 1, 0);
    const [f] = readPcap(w.toBytes(), 'x');
    expect(f!.data).toEqual(new Uint8Array(8).fill(7));
    expect(f!.origLen).toBe(20);
  });

  test('toBytes is a snapshot; the buffer grows past its first 4 KiB', () => {
    const w = new PcapWriter();
    const before = w.toBytes();
    for (let i = 0; i < 100; i++) w.add(new Uint8Array(100).fill(i), i, i * 1000);
    expect(before).toHaveLength(24);
    const frames = readPcap(w.toBytes(), 'x');
    expect(frames).toHaveLength(100);
    expect(frames[99]!.data[0]).toBe(99);
    expect(frames[99]!.tsNsec).toBe(99_000);
  });

  test.each([
    ['tsSec', () => new PcapWriter().add(DEADBEEF, -1, 0)],
    ['tsSec', () => new PcapWriter().add(DEADBEEF, 2 ** 32, 0)],
    ['tsNsec', () => new PcapWriter().add(DEADBEEF, 0, 1e9)],
    ['tsNsec', () => new PcapWriter().add(DEADBEEF, 0, 0.5)],
    ['origLen', () => new PcapWriter().add(DEADBEEF, 0, 0, 3)],
    ['linktype', () => new PcapWriter({ linktype: 70000 })],
    ['snaplen', () => new PcapWriter({ snaplen: 0 })],
  ])('bad %s argument throws RangeError', (what, fn) => {
    expect(fn).toThrow(RangeError);
    expect(fn).toThrow(what);
  });
});

describe('readPcap errors', () => {
  test.each([
    ['empty file', new Uint8Array(0), 0, /truncated pcap file header: 0 of 24/],
    ['bad magic', Uint8Array.from([1, 2, 3, 4, 5, 6]), 0, /bad pcap magic 0x04030201/],
    ['truncated file header', LE_USEC.subarray(0, 23), 0, /truncated pcap file header: 23 of 24/],
    ['partial record header', LE_USEC.subarray(0, 30), 24, /truncated record header: 6 of 16/],
    [
      'truncated final record',
      LE_USEC.subarray(0, 43),
      24,
      /truncated record: captured length 4 but only 3 bytes left/,
    ],
    ['version 1.0', withU32(LE_USEC, 4, 1, true), 4, /unsupported pcap version 1\.0/],
    [
      'caplen over snaplen',
      withU32(withU32(LE_USEC, 16, 3, true), 32, 4, true),
      32,
      /captured length 4 is over the file's snaplen 3/,
    ],
    [
      'caplen over 256 KiB',
      withU32(withU32(BE_USEC, 16, 0, false), 32, 262145, false),
      32,
      /captured length 262145 is over the 262144-byte maximum/,
    ],
  ])('%s', (_what, file, offset, message) => {
    const e = captureErrorOf(() => readPcap(file, 'bad.pcap'));
    expect(e.message).toMatch(/^bad\.pcap: offset \d+: /);
    expect(e.message).toMatch(message);
    expect(e.file).toBe('bad.pcap');
    expect(e.offset).toBe(offset);
    expect(e.name).toBe('CaptureError');
    expect(e).toBeInstanceOf(Error);
  });
});

// Random frames: lengths up to 300 bytes (past one 256-byte buffer step), any u32 second,
// any nanosecond, origLen at or above the captured length.
const arbFrames = fc.array(
  fc.record({
    data: fc.uint8Array({ maxLength: 300 }),
    tsSec: fc.integer({ min: 0, max: 0xffffffff }),
    tsNsec: fc.integer({ min: 0, max: 999_999_999 }),
    extra: fc.nat({ max: 2000 }),
  }),
  { maxLength: 25 },
);

function writeAll(
  frames: { data: Uint8Array; tsSec: number; tsNsec: number; extra: number }[],
  nanosecond: boolean,
): Uint8Array {
  const w = new PcapWriter({ nanosecond });
  for (const f of frames) w.add(f.data, f.tsSec, f.tsNsec, f.data.length + f.extra);
  return w.toBytes();
}

describe('readPcap properties', () => {
  test('random frame lists round-trip through PcapWriter (usec and nsec)', () => {
    fc.assert(
      fc.property(arbFrames, fc.boolean(), (frames, nanosecond) => {
        const got = readPcap(writeAll(frames, nanosecond), 'rt.pcap');
        expect(got).toEqual(
          frames.map((f) => ({
            data: f.data,
            tsSec: f.tsSec,
            tsNsec: nanosecond ? f.tsNsec : Math.floor(f.tsNsec / 1000) * 1000,
            origLen: f.data.length + f.extra,
            linktype: 1,
          })),
        );
      }),
    );
  });

  test('truncation: a cut on a record boundary parses, any other cut is a CaptureError', () => {
    fc.assert(
      fc.property(arbFrames, fc.boolean(), fc.nat(), (frames, nanosecond, cutSeed) => {
        const file = writeAll(frames, nanosecond);
        const cut = cutSeed % (file.length + 1);
        const boundaries = [24];
        for (const f of frames) boundaries.push(boundaries[boundaries.length - 1]! + 16 + f.data.length);
        const at = boundaries.indexOf(cut);
        if (at >= 0) {
          expect(readPcap(file.subarray(0, cut), 't')).toHaveLength(at);
        } else {
          expect(() => readPcap(file.subarray(0, cut), 't')).toThrow(CaptureError);
        }
      }),
    );
  });

  test('byte mutations of a valid file parse or throw CaptureError, nothing else', () => {
    const seeds = [LE_USEC, BE_USEC, LE_NSEC, BE_NSEC];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(...seeds),
          fc.tuple(arbFrames, fc.boolean()).map(([f, n]) => writeAll(f, n)),
        ),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (file, edits) => {
          const m = file.slice();
          for (const [i, b] of edits) m[i % m.length] = b;
          parsesOrCaptureError(() => readPcap(m, 'mut.pcap'));
        },
      ),
    );
  });

  test('random bytes after a valid magic parse or throw CaptureError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(LE_USEC, BE_USEC, LE_NSEC, BE_NSEC),
        fc.uint8Array({ maxLength: 200 }),
        (seed, tail) => {
          const f = new Uint8Array(4 + tail.length);
          f.set(seed.subarray(0, 4));
          f.set(tail, 4);
          parsesOrCaptureError(() => readPcap(f, 'rand.pcap'));
        },
      ),
    );
  });
});

describe('PcapWriter.takeBytes', () => {
  test('the appends in order are the whole file, valid after each', () => {
    const w = new PcapWriter();
    const parts = [w.takeBytes()];
    expect(readPcap(parts[0]!, 'h.pcap')).toEqual([]);
    w.add(Uint8Array.of(1, 2, 3), 5, 6000);
    parts.push(w.takeBytes());
    w.add(Uint8Array.of(4), 7, 8000);
    w.add(Uint8Array.of(5, 6), 9, 0);
    parts.push(w.takeBytes());
    const file = Uint8Array.from(parts.flatMap((p) => [...p]));
    expect(readPcap(file, 'f.pcap').map((f) => [...f.data])).toEqual([[1, 2, 3], [4], [5, 6]]);
    expect(w.count).toBe(3);
    expect(w.takeBytes()).toHaveLength(0);
  });
});
