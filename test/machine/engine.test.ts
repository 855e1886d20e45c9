// The multi-CPU engine with real worker threads (needs the built dist/: `npm test` builds first).
import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../../ts/config/load.js';
import { NodeMachine } from '../../ts/host/host-node.js';
import { runSummary } from '../../ts/cli/run.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readCapture } from '../../ts/io/capture.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter } from '../../ts/io/pcap.js';
import { buildFrame } from '../../ts/packet/build.js';

const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
    rss: { queues: 4, udp: true }
    driver: gen
    gen: { src: 192.0.2.0/24, dst: 203.0.113.0/24, flows: 64, size: 64, rate: RATE }
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24]
    driver: sink
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
`;
const cfg = (rate: number) => parseConfig(CONFIG.replace('RATE', String(rate)), 'test.yaml', process.cwd());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['wasm', 'ts'] as const)('NodeMachine (%s)', (engine) => {
  test('two CPUs share the queues, and every generated frame is accounted for', async () => {
    const e = await NodeMachine.start(cfg(0), { cpus: 2, engine, batch: 64 });
    await sleep(400);
    await e.stop();
    const per = e.stats.cpuCounters();
    expect(per.every((c) => c['rx-frames']! > 0)).toBe(true);
    const rx = per.reduce((s, c) => s + c['rx-frames']!, 0);
    expect(e.stats.generated().frames).toBe(rx);
    expect(per.reduce((s, c) => s + c['fast']! + c['normal']!, 0)).toBe(rx);
    expect(runSummary(e)).toMatch(/accounting: .*: ok/);
    expect(runSummary(e)).toMatch(/buffers: \d+ clusters, each found once/);
    expect(e.bufferAudit().ok).toBe(true);
    expect(e.stats.rxLost()).toEqual({ missed: 0, nobufs: 0, pktqDrops: 0, queued: 0 });
    // the traffic source's copy is timed apart, as a part of each CPU's NIC time
    for (const t of e.stats.cpuTimes()) {
      expect(t.sourceNs).toBeGreaterThan(0);
      expect(t.sourceNs).toBeLessThan(t.nicNs);
    }
    // the default affinity spreads the four queues over both CPUs
    expect(
      e.interrupts.vectors.filter((v) => v.ifindex === 1 && v.queue >= 0).map((v) => e.interrupts.boundCpu(v)),
    ).toEqual([0, 1, 0, 1]);
    expect(e.interrupts.vectors.map((v) => v.name)).toEqual([
      'wm0 link',
      'wm0 txrx0',
      'wm0 txrx1',
      'wm0 txrx2',
      'wm0 txrx3',
      'wm1 link',
      'wm1 txrx0',
    ]);
  });

  test('intrctl affinity moves a queue under traffic without losing a frame; nointr / intr', async () => {
    const e = await NodeMachine.start(cfg(200_000), { cpus: 2, engine, batch: 64 });
    await sleep(150);
    const v = e.interrupts.vector('wm0 txrx1');
    const before = e.interrupts.interruptCounts(v);
    e.interrupts.affinity('wm0 txrx1', 0);
    await sleep(150);
    const after = e.interrupts.interruptCounts(v);
    expect(after[0]!).toBeGreaterThan(before[0]!); // CPU0 now services it
    expect(e.interrupts.ownerCpu(v)).toBe(0);
    e.interrupts.nointr(1);
    await sleep(100);
    expect(e.interrupts.vectors.map((x) => e.interrupts.boundCpu(x)).every((c) => c === 0)).toBe(true);
    e.interrupts.intr(1);
    expect(e.intrctlList()).toMatch(/^interrupt id\s+CPU0\s+CPU1/);
    await e.stop();
    const rx = e.stats.cpuCounters().reduce((s, c) => s + c['rx-frames']!, 0);
    expect(rx).toBeGreaterThan(0);
    expect(e.stats.generated().frames).toBe(rx);
  });
});

describe.each(['wasm', 'ts'] as const)('NodeMachine packet buffers (%s)', (engine) => {
  // half the destinations have no route (ICMP errors back to the sources, unlimited, each in a
  // cluster of its own), the other half leave through a 576-byte MTU (two fragments each): clusters
  // are taken for fragments and errors, and every received cluster is given back or sent
  const sources = Array.from(
    { length: 253 },
    (_, i) => `  - { address: 192.0.2.${i + 2}, mac: 02:00:00:00:aa:01, dev: wm0 }\n`,
  ).join('');
  const y =
    CONFIG.replace('RATE', '0')
      .replace('size: 64', 'size: 1000')
      .replace('dst: 203.0.113.0/24, via', 'dst: 203.0.113.0/25, via')
      .replace('    driver: sink\n', '    mtu: 576\n    driver: sink\n') +
    sources +
    'icmp: { ratelimit: 0 }\n';
  test('frames, fragments and ICMP errors move clusters by address; after the run each cluster is found once', async () => {
    const e = await NodeMachine.start(parseConfig(y, 'b.yaml', '.'), { cpus: 2, engine, batch: 64 });
    await sleep(400);
    await e.stop();
    const per = e.stats.cpuCounters();
    const sum = (k: string) => per.reduce((s, c) => s + (c[k] ?? 0), 0);
    expect(sum('fragments-out')).toBeGreaterThan(0);
    expect(sum('reason:no-route')).toBeGreaterThan(0);
    expect(sum('icmp-errors-out')).toBeGreaterThan(0);
    const a = e.bufferAudit();
    expect(a).toMatchObject({ ok: true, duplicates: 0, foreign: 0, missing: 0 });
    expect(a.pool + a.caches + a.rxRings + a.pktqs + a.txRings).toBe(a.total);
    expect(a.rxRings).toBeGreaterThan(0);
    expect(e.stats.generated().frames).toBe(sum('rx-frames'));
    // the sink's NIC sent every fragment: what its TX rings reclaimed and still hold
    expect(e.stack.interfaceCounters()['wm1']!.opkts).toBe(sum('fragments-out'));
  });
});

describe('NodeMachine control input', () => {
  test('unknown interrupt, missing CPU, last CPU: clear errors, nothing changes', async () => {
    const e = await NodeMachine.start(cfg(100_000), { cpus: 2, engine: 'wasm', batch: 32 });
    try {
      const bound = e.interrupts.vectors.map((v) => e.interrupts.boundCpu(v));
      expect(() => e.interrupts.affinity('wm7 txrx0', 0)).toThrow(/no interrupt 'wm7 txrx0'/);
      expect(() => e.interrupts.affinity('wm0 txrx0', 5)).toThrow(/no CPU 5/);
      e.interrupts.nointr(1);
      expect(() => e.interrupts.nointr(0)).toThrow(/last CPU/);
      expect(() => e.interrupts.affinity('wm0 txrx0', 1)).toThrow(/takes no interrupts/);
      e.interrupts.intr(1);
      expect(e.interrupts.vectors.map((v) => e.interrupts.boundCpu(v))).toEqual(bound);
    } finally {
      await e.stop();
    }
  });

  test('poll mode takes several batches per interrupt; moderation batches up slow traffic', async () => {
    const polled = parseConfig(
      CONFIG.replace('RATE', '0').replace('    driver: gen\n', '    driver: gen\n    poll: { budget: 8 }\n'),
      'p.yaml',
      '.',
    );
    const e = await NodeMachine.start(polled, { cpus: 1, engine: 'wasm', batch: 32 });
    await sleep(200);
    await e.stop();
    const intr = e.interrupts.vectors.reduce((s, v) => s + e.interrupts.interruptCounts(v)[0]!, 0);
    const batches = e.stats.cpuTimes()[0]!.batches;
    expect(batches).toBeGreaterThan(intr * 4); // up to 8 batches per interrupt at line rate
    expect(e.stats.generated().frames).toBe(e.stats.cpuCounters()[0]!['rx-frames']);
    // 20 kframes/s with moderation of 16 frames / 50 ms: interrupts come with 16 frames, not 1
    const slow = parseConfig(
      CONFIG.replace('RATE', '20000').replace(
        '    driver: gen\n',
        '    driver: gen\n    moderation: { frames: 16, usecs: 50000 }\n',
      ),
      'm.yaml',
      '.',
    );
    const m = await NodeMachine.start(slow, { cpus: 1, engine: 'wasm', batch: 64 });
    await sleep(300);
    await m.stop();
    // the receiving NIC's interrupts: wm1's own vector raises transmit-completion interrupts (txeof
    // of the forwarded frames), which carry no received frame and are not what moderation batches
    const mi = m.interrupts.vectors
      .filter((v) => v.name.startsWith('wm0 txrx'))
      .reduce((s, v) => s + m.interrupts.interruptCounts(v)[0]!, 0);
    // about 19 here; without moderation the 1 ms naps alone batch about 12, so the bound sits above that
    expect(mi).toBeGreaterThan(0);
    expect(m.stats.generated().frames / mi).toBeGreaterThanOrEqual(15);
  });

  test('pcap replay: a capture of mixed lengths played once, each frame on its RSS queue', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpstack-pcap-'));
    const w = new PcapWriter();
    const mac = Uint8Array.of(2, 0, 0, 0, 0, 1);
    for (let i = 0; i < 500; i++) {
      w.add(
        buildFrame({
          dstMac: mac,
          srcMac: Uint8Array.of(2, 0, 0, 0, 0xaa, 1),
          src: Uint8Array.of(192, 0, 2, 10),
          dst: Uint8Array.of(203, 0, 113, i & 255),
          sport: 1000 + i,
          payload: (i * 37) % 900,
          minFrame: 60,
        }),
        1_700_000_000,
        i,
      );
    }
    writeFileSync(join(dir, 'in.pcap'), w.toBytes());
    const yaml = CONFIG.replace('RATE', '0')
      .replace(
        '    driver: gen\n    gen: { src: 192.0.2.0/24, dst: 203.0.113.0/24, flows: 64, size: 64, rate: 0 }\n',
        '    driver: pcap\n    pcap: { in: in.pcap, loop: false }\n',
      )
      .replace('    driver: sink\n', '    driver: pcap\n    pcap: { out: out.pcap }\n');
    const e = await NodeMachine.start(parseConfig(yaml, join(dir, 'r.yaml'), dir), {
      cpus: 2,
      engine: 'wasm',
      batch: 32,
    });
    await sleep(300);
    await e.stop();
    const per = e.stats.cpuCounters();
    expect(e.stats.generated().frames).toBe(500);
    expect(per.reduce((s, c) => s + c['rx-frames']!, 0)).toBe(500);
    expect(per.reduce((s, c) => s + c['fast']! + c['normal']!, 0)).toBe(500);
    expect(per.every((c) => c['rx-frames']! > 0)).toBe(true); // RSS put frames on queues of both CPUs
    // the transmit side recorded every forwarded frame, rewritten (TTL 63, the gateway's MAC)
    expect(e.recordings()).toEqual([{ name: 'wm1', path: join(dir, 'out.pcap'), frames: 500, overruns: 0 }]);
    const out = readCapture(readFileSync(join(dir, 'out.pcap')), 'out.pcap');
    expect(out.frames).toHaveLength(500);
    expect(out.frames.every((f) => f.data[22] === 63 && f.data[0] === 2 && f.data[4] === 0xbb)).toBe(true);
  });

  test("a vioif (one TX queue) takes every CPU's transmits through its if_snd lock; multi-queue NICs don't", async () => {
    const y = CONFIG.replace('RATE', '0').replace('    driver: sink\n', '    model: vioif\n    driver: sink\n');
    const e = await NodeMachine.start(parseConfig(y, 'v.yaml', '.'), { cpus: 2, engine: 'wasm', batch: 64 });
    await sleep(300);
    await e.stop();
    const q = e.stats.ifSnd();
    expect(q.map((x) => x.name)).toEqual(['wm1']);
    const out = e.stack.interfaceCounters()['wm1']!.opkts;
    expect(out).toBeGreaterThan(0);
    expect(q[0]!.frames).toBe(out); // every frame sent on wm1 went through the one queue
    expect(q[0]!.contended).toBeGreaterThanOrEqual(0);
  });

  test('a queue count the NIC model does not have is a clear error', async () => {
    await expect(
      NodeMachine.start(
        parseConfig(
          CONFIG.replace('RATE', '0').replace('    driver: gen\n', '    driver: gen\n    model: vioif\n'),
          'v.yaml',
          '.',
        ),
        { cpus: 1, engine: 'wasm' },
      ),
    ).rejects.toThrow(/wm0: rss.queues 4 is more than vioif has \(1/);
  });

  test('a bad gen config is a clear error', async () => {
    await expect(
      NodeMachine.start(parseConfig(CONFIG.replace('rate: RATE', 'rate: 0, colour: red'), 't.yaml', '.'), {
        cpus: 1,
        engine: 'wasm',
      }),
    ).rejects.toThrow(/^t\.yaml:7:\d+: interfaces\[0\]\.gen\.colour: unknown key 'colour'/);
  });
});
