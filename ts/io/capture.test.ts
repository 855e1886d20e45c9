import { afterAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CaptureError,
  PcapWriter,
  readCapture,
  readCaptureFile,
  writePcapFile,
  type CapturedFrame,
} from './capture.js';

/** Bytes from hex text; spaces are ignored. */
function hex(s: string): Uint8Array {
  const t = s.replace(/\s+/g, '');
  return Uint8Array.from(t.match(/../g) ?? [], (b) => parseInt(b, 16));
}

// One 2-byte frame (ab cd) at 1 s + 2 us (or 2 ns), in each of the four pcap magics; and the
// smallest useful pcapng: SHB, IDB (Ethernet, no options), EPB of the same frame at 1000002 us.
const PCAP_LE_USEC = hex(
  'd4c3b2a1 02000400 00000000 00000000 ffff0000 01000000  01000000 02000000 02000000 02000000 abcd',
);
const PCAP_BE_USEC = hex(
  'a1b2c3d4 00020004 00000000 00000000 0000ffff 00000001  00000001 00000002 00000002 00000002 abcd',
);
const PCAP_LE_NSEC = hex(
  '4d3cb2a1 02000400 00000000 00000000 ffff0000 01000000  01000000 02000000 02000000 02000000 abcd',
);
const PCAP_BE_NSEC = hex(
  'a1b23c4d 00020004 00000000 00000000 0000ffff 00000001  00000001 00000002 00000002 00000002 abcd',
);
const PCAPNG_LE = hex(
  '0a0d0d0a 1c000000 4d3c2b1a 01000000 ffffffff ffffffff 1c000000' +
    '01000000 14000000 01000000 00000000 14000000' +
    '06000000 24000000 00000000 00000000 42420f00 02000000 02000000 abcd0000 24000000',
);
const AB_CD = Uint8Array.from([0xab, 0xcd]);

function captureErrorOf(fn: () => unknown): CaptureError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CaptureError) return e;
    throw new Error(`expected CaptureError, got ${String(e)}`);
  }
  throw new Error('expected CaptureError, got no error');
}

describe('readCapture format detection', () => {
  test.each([
    ['pcap, little-endian, microseconds', PCAP_LE_USEC, 'pcap', 2000],
    ['pcap, big-endian, microseconds', PCAP_BE_USEC, 'pcap', 2000],
    ['pcap, little-endian, nanoseconds', PCAP_LE_NSEC, 'pcap', 2],
    ['pcap, big-endian, nanoseconds', PCAP_BE_NSEC, 'pcap', 2],
    ['pcapng', PCAPNG_LE, 'pcapng', 2000],
  ])('%s', (_what, file, format, tsNsec) => {
    expect(readCapture(file, 'f')).toEqual({
      format,
      frames: [{ data: AB_CD, tsSec: 1, tsNsec, origLen: 2, linktype: 1 }],
    });
  });

  test.each([
    ['empty', new Uint8Array(0), /^x\.cap: offset 0: file too short for a capture file magic: 0 bytes$/],
    ['three bytes', hex('d4c3b2'), /file too short for a capture file magic: 3 bytes/],
    ['unknown magic', hex('00010203 04050607'), /^x\.cap: offset 0: bad magic 00 01 02 03: neither pcap nor pcapng$/],
    ['modified-pcap magic (not supported)', hex('34cdb2a1 02000400'), /bad magic 34 cd b2 a1/],
  ])('%s is a CaptureError', (_what, file, message) => {
    expect(captureErrorOf(() => readCapture(file, 'x.cap')).message).toMatch(message);
  });

  test('any bytes at all parse or throw CaptureError', () => {
    const magics = [PCAP_LE_USEC, PCAP_BE_USEC, PCAP_LE_NSEC, PCAP_BE_NSEC, PCAPNG_LE].map((m) => m.subarray(0, 4));
    fc.assert(
      fc.property(fc.option(fc.constantFrom(...magics)), fc.uint8Array({ maxLength: 200 }), (magic, tail) => {
        const f = new Uint8Array((magic?.length ?? 0) + tail.length);
        if (magic) f.set(magic);
        f.set(tail, magic?.length ?? 0);
        try {
          readCapture(f, 'rand');
        } catch (e) {
          if (!(e instanceof CaptureError)) throw new Error(`expected CaptureError, got ${String(e)}`);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

const dir = mkdtempSync(join(tmpdir(), 'mpstack-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('file helpers', () => {
  test('writePcapFile then readCaptureFile round-trips, taking the linktype from the frames', async () => {
    const path = join(dir, 'rt.pcap');
    const frames = [
      { data: Uint8Array.from([1, 2, 3]), tsSec: 10, tsNsec: 999_999_999, linktype: 101 },
      { data: Uint8Array.from([4]), tsSec: 11, tsNsec: 5_000, origLen: 1500, linktype: 101 },
    ];
    await writePcapFile(path, frames);
    expect(await readCaptureFile(path)).toEqual({
      format: 'pcap',
      frames: [
        { data: Uint8Array.from([1, 2, 3]), tsSec: 10, tsNsec: 999_999_000, origLen: 3, linktype: 101 },
        { data: Uint8Array.from([4]), tsSec: 11, tsNsec: 5_000, origLen: 1500, linktype: 101 },
      ],
    });
  });

  test('writePcapFile with no frames writes a bare header', async () => {
    const path = join(dir, 'empty.pcap');
    await writePcapFile(path, [], { nanosecond: true });
    expect(await readCaptureFile(path)).toEqual({ format: 'pcap', frames: [] });
  });

  test('writePcapFile refuses mixed linktypes and writes nothing', async () => {
    const path = join(dir, 'mixed.pcap');
    const frames = [
      { data: AB_CD, tsSec: 0, tsNsec: 0, linktype: 1 },
      { data: AB_CD, tsSec: 0, tsNsec: 0, linktype: 101 },
    ];
    await expect(writePcapFile(path, frames)).rejects.toThrow(/frame 1 has linktype 101 but the file's is 1/);
    expect(existsSync(path)).toBe(false);
  });

  test('readCaptureFile names the path in a CaptureError, and passes fs errors through', async () => {
    const path = join(dir, 'trunc.pcap');
    const w = new PcapWriter();
    w.add(AB_CD, 0, 0);
    await writeFile(path, w.toBytes().subarray(0, 41));
    await expect(readCaptureFile(path)).rejects.toThrow(
      new CaptureError(path, 24, 'truncated record: captured length 2 but only 1 bytes left in file'),
    );
    await expect(readCaptureFile(join(dir, 'missing.pcap'))).rejects.toThrow(/ENOENT/);
  });
});

// --- Independent decoder: Wireshark's tshark, editcap and mergecap ---------------------------

/** Fails (never skips) when the Wireshark command-line tools are missing. */
function requireWiresharkTools(): void {
  for (const tool of ['tshark', 'editcap', 'mergecap']) {
    const r = spawnSync(tool, ['--version'], { stdio: 'ignore' });
    if (r.error !== undefined || r.status !== 0) {
      throw new Error(`${tool} is not installed (needed as the independent decoder for ts/io): apt-get install tshark`);
    }
  }
}

/** Runs a Wireshark tool; its "running as root" warning on stderr is ignored. */
function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tsharkFields(path: string, fields: string[]): string[][] {
  const out = run('tshark', ['-r', path, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])]);
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}

interface UdpSpec {
  src: string;
  dst: string;
  sip: string;
  dip: string;
  sport: number;
  dport: number;
  payload: number[];
}

/** Ethernet II + IPv4 (checksummed, no options) + UDP (checksum 0, allowed over IPv4). */
function ethIpv4Udp(s: UdpSpec): Uint8Array {
  const mac = (m: string) => m.split(':').map((b) => parseInt(b, 16));
  const ip = (a: string) => a.split('.').map(Number);
  const udpLen = 8 + s.payload.length;
  const totLen = 20 + udpLen;
  const iph = [0x45, 0, totLen >> 8, totLen & 0xff, 0, 1, 0, 0, 64, 17, 0, 0, ...ip(s.sip), ...ip(s.dip)];
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (iph[i]! << 8) | iph[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  iph[10] = (~sum >> 8) & 0xff;
  iph[11] = ~sum & 0xff;
  const udp = [s.sport >> 8, s.sport & 0xff, s.dport >> 8, s.dport & 0xff, udpLen >> 8, udpLen & 0xff, 0, 0];
  return Uint8Array.from([...mac(s.dst), ...mac(s.src), 0x08, 0x00, ...iph, ...udp, ...s.payload]);
}

const SPECS: UdpSpec[] = [
  {
    src: '02:00:00:00:00:01',
    dst: '02:00:00:00:00:02',
    sip: '192.0.2.1',
    dip: '198.51.100.7',
    sport: 40000,
    dport: 40001,
    payload: [0x68, 0x69],
  },
  {
    src: '0a:1b:2c:3d:4e:5f',
    dst: 'ff:ff:ff:ff:ff:ff',
    sip: '10.0.0.1',
    dip: '10.255.255.255',
    sport: 50123,
    dport: 50124,
    payload: new Array<number>(100).fill(0x5a),
  },
  {
    src: '02:aa:bb:cc:dd:ee',
    dst: '02:11:22:33:44:55',
    sip: '203.0.113.200',
    dip: '192.0.2.99',
    sport: 61000,
    dport: 61001,
    payload: [],
  },
  {
    src: '02:00:00:00:00:03',
    dst: '02:00:00:00:00:04',
    sip: '172.16.5.4',
    dip: '172.16.5.5',
    sport: 45678,
    dport: 45679,
    payload: new Array<number>(1400).fill(0).map((_, i) => i & 0xff),
  },
];
// Timestamps chosen to exercise carries and both resolutions: exact microseconds, sub-us digits
// that microsecond files must drop, 0 and 999999999 ns.
const TIMES: [number, number][] = [
  [1700000000, 123456789],
  [1700000000, 999999999],
  [1700000001, 0],
  [4000000000, 1000],
];
const FRAMES = SPECS.map((s, i) => ({ data: ethIpv4Udp(s), tsSec: TIMES[i]![0], tsNsec: TIMES[i]![1] }));
// Frame 2 (42 bytes, no payload) is recorded as 60 bytes on the wire, as if Ethernet padding had
// been cut off by the capture: it checks origLen separately from the captured length.
const ORIG_LENS = [FRAMES[0]!.data.length, FRAMES[1]!.data.length, 60, FRAMES[3]!.data.length];

const epoch = (sec: number, ns: number) => `${sec}.${String(ns).padStart(9, '0')}`;
const payloadHex = (p: number[]) => p.map((b) => b.toString(16).padStart(2, '0')).join('');

async function writeTestPcap(path: string, nanosecond: boolean): Promise<void> {
  await writePcapFile(
    path,
    FRAMES.map((f, i) => ({ ...f, origLen: ORIG_LENS[i]! })),
    { nanosecond },
  );
}

function comparable(frames: CapturedFrame[]): unknown[] {
  return frames.map((f) => ({ ...f, data: Array.from(f.data) }));
}

describe('independent decoder: tshark reads what PcapWriter writes', () => {
  test.each([
    ['microsecond', false],
    ['nanosecond', true],
  ])('%s pcap: lengths, addresses, ports, payload and timestamps agree', async (_what, nanosecond) => {
    requireWiresharkTools();
    const path = join(dir, `tshark-${nanosecond ? 'ns' : 'us'}.pcap`);
    await writeTestPcap(path, nanosecond);
    const rows = tsharkFields(path, [
      'frame.len',
      'frame.cap_len',
      'frame.time_epoch',
      'eth.src',
      'eth.dst',
      'ip.src',
      'ip.dst',
      'udp.srcport',
      'udp.dstport',
      'udp.payload',
    ]);
    expect(rows).toEqual(
      SPECS.map((s, i) => [
        String(ORIG_LENS[i]),
        String(FRAMES[i]!.data.length),
        epoch(TIMES[i]![0], nanosecond ? TIMES[i]![1] : Math.floor(TIMES[i]![1] / 1000) * 1000),
        s.src,
        s.dst,
        s.sip,
        s.dip,
        String(s.sport),
        String(s.dport),
        payloadHex(s.payload),
      ]),
    );
  });
});

describe('independent encoder: readCapture reads what editcap and mergecap write', () => {
  test.each([
    ['microsecond', false, 6],
    ['nanosecond', true, 9],
  ])('editcap -F pcapng of a %s pcap: same frames and timestamps', async (what, nanosecond, tsresol) => {
    requireWiresharkTools();
    const pcap = join(dir, `ed-${what}.pcap`);
    const ng = join(dir, `ed-${what}.pcapng`);
    await writeTestPcap(pcap, nanosecond);
    run('editcap', ['-F', 'pcapng', pcap, ng]);
    const a = await readCaptureFile(pcap);
    const b = await readCaptureFile(ng);
    expect(b.format).toBe('pcapng');
    expect(comparable(b.frames)).toEqual(comparable(a.frames));
    expect(b.frames.map((f) => f.tsNsec)).toEqual(
      TIMES.map(([, ns]) => (tsresol === 9 ? ns : Math.floor(ns / 1000) * 1000)),
    );
    // And tshark's own reading of that pcapng agrees on every timestamp.
    expect(tsharkFields(ng, ['frame.time_epoch']).map((r) => r[0])).toEqual(
      b.frames.map((f) => epoch(f.tsSec, f.tsNsec)),
    );
  });

  test('editcap -s 20 (snaplen) into pcapng: captured bytes cut, original lengths kept', async () => {
    requireWiresharkTools();
    const pcap = join(dir, 'snap.pcap');
    const ng = join(dir, 'snap.pcapng');
    await writeTestPcap(pcap, true);
    run('editcap', ['-F', 'pcapng', '-s', '20', pcap, ng]);
    const { frames } = await readCaptureFile(ng);
    expect(frames.map((f) => Array.from(f.data))).toEqual(FRAMES.map((f) => Array.from(f.data.subarray(0, 20))));
    expect(frames.map((f) => f.origLen)).toEqual(ORIG_LENS);
  });

  test('mergecap -F pcapng of an Ethernet and a raw-IP pcap: two interfaces, per-frame linktype', async () => {
    requireWiresharkTools();
    const eth = join(dir, 'm-eth.pcap');
    const raw = join(dir, 'm-raw.pcap');
    const ng = join(dir, 'm.pcapng');
    await writeTestPcap(eth, true);
    // The same IPv4 packets without their Ethernet header, 500 ns after each Ethernet frame.
    const rawFrames = FRAMES.map((f) => ({
      data: f.data.subarray(14),
      tsSec: f.tsSec,
      tsNsec: f.tsNsec + 500 >= 1e9 ? f.tsNsec - 500 : f.tsNsec + 500,
    }));
    await writePcapFile(raw, rawFrames, { linktype: 101, nanosecond: true });
    run('mergecap', ['-F', 'pcapng', '-w', ng, eth, raw]);
    const { format, frames } = await readCaptureFile(ng);
    expect(format).toBe('pcapng');
    expect(frames).toHaveLength(8);
    const rows = tsharkFields(ng, ['frame.interface_id', 'frame.time_epoch', 'frame.cap_len', 'ip.src']);
    expect(frames.map((f) => [f.linktype === 1 ? '0' : '1', epoch(f.tsSec, f.tsNsec), String(f.data.length)])).toEqual(
      rows.map((r) => r.slice(0, 3)),
    );
    expect(new Set(frames.map((f) => f.linktype))).toEqual(new Set([1, 101]));
    // Each raw-IP frame is the IPv4 part of an Ethernet frame in the file.
    for (const f of frames.filter((x) => x.linktype === 101)) {
      expect(FRAMES.some((e) => Buffer.from(e.data.subarray(14)).equals(Buffer.from(f.data)))).toBe(true);
    }
  });
});
