// The packed package's core under `deno test` (and under Node, the same file): it imports only
// `mpstack/core` as a user's project does (test/package.test.ts installs the tarball into an empty
// project, copies this file there and runs it with both runtimes). Golden vectors: literal frames
// in, the literal bytes the router must send out, for both engines; then a forwarding scenario
// (two routers joined by their ports, flows of UDP) whose output digest is a golden value too; and,
// where the runtime has Web Workers (Deno), the same scenario with `cpus: 2`.
//
// Plain JavaScript with no test library, so that it runs unchanged in both runtimes: each test is
// registered with Deno.test under Deno and run in order under Node (exit code 1 on a failure).
import {
  attachFrameRings,
  ConfigError,
  configFrom,
  createRouter,
  createStack,
  FrameRing,
  hasWebWorkers,
  loadWasm,
} from 'mpstack/core';

const hex = (s) => Uint8Array.from(s.match(/../g), (b) => Number.parseInt(b, 16));
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
function assertEquals(got, want, what) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) throw new Error(`${what}: got ${g}, want ${w}`);
}

const CONFIG_A = {
  interfaces: [
    { name: 'wm0', mac: '02:00:00:00:0a:01', addresses: ['192.0.2.1/24'] },
    { name: 'wm1', mac: '02:00:00:00:0a:02', addresses: ['198.51.100.1/24'] },
  ],
  routes: [{ dst: '203.0.113.0/24', via: '198.51.100.2' }],
  neighbors: [
    { address: '198.51.100.2', mac: '02:00:00:00:0b:01', dev: 'wm1' },
    { address: '192.0.2.10', mac: '02:00:00:00:aa:10', dev: 'wm0' },
  ],
};
const CONFIG_B = {
  interfaces: [
    { name: 'wm0', mac: '02:00:00:00:0b:01', addresses: ['198.51.100.2/24'] },
    { name: 'wm1', mac: '02:00:00:00:0b:02', addresses: ['203.0.113.1/24'] },
  ],
  neighbors: [{ address: '203.0.113.9', mac: '02:00:00:00:cc:09', dev: 'wm1' }],
};

/** UDP 192.0.2.10:sport -> 203.0.113.9:2000 from host 02:00:00:00:aa:10 to wm0, with IP id and TTL (no UDP checksum). */
function udp(sport, id, ttl = 64) {
  const f = hex(
    '020000000a0102000000aa1008004500002e0000000040117cabc000020acb00710903e807d0001ae099030a11181f262d343b424950575e656c737a',
  );
  f[18] = id >> 8;
  f[19] = id & 0xff;
  f[22] = ttl;
  f[34] = sport >> 8;
  f[35] = sport & 0xff;
  f[40] = 0;
  f[41] = 0;
  f[24] = 0;
  f[25] = 0;
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += (f[i] << 8) | f[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  f[24] = (~sum >> 8) & 0xff;
  f[25] = ~sum & 0xff;
  return f;
}

const ARP_REQUEST = hex('ffffffffffff02000000aa500806000108000604000102000000aa50c0000232000000000000c0000201');

// Recorded from the Node run (both engines agree), their fields read by hand when recorded: the
// gateway's MAC and wm1's, TTL 63 (RFC 1812); ICMP time exceeded (RFC 792) from 192.0.2.1, TOS 0xc0,
// quoting the whole datagram as it arrived (TTL 1); the ARP reply (RFC 826) padded to 60 bytes. The
// checksums are as the router computed them (the jest suites check checksums separately).
const GOLDEN = {
  forwarded:
    '020000000b01020000000a0208004500002e000100003f117daac000020acb00710903e807d0001a0000030a11181f262d343b424950575e656c737a',
  timeExceeded:
    '02000000aa10020000000a01080045c0004a000000004001f5e7c0000201c000020a0b00d3d9000000004500002e000100000111bbaac000020acb00710903e807d0001a0000030a11181f262d343b424950575e656c737a',
  arpReply:
    '02000000aa50020000000a0108060001080006040002020000000a01c000020102000000aa50c0000232000000000000000000000000000000000000',
  /** SHA-256 of B's 500 frames out of wm1, flow by flow */
  scenario: '9e1b1254d349adbf9d311f794d3c10fa8b45b2296ce690feb1843fb76c54bee2',
};

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

async function sha256(chunks) {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', all)));
}

/** Two routers joined by their ports; `frames` UDP frames over 5 flows into A; what B sends on wm1. */
async function scenario(engine, cpus) {
  const opts = cpus ? { engine, cpus } : { engine, clock: 'manual' };
  const a = await createRouter(CONFIG_A, opts);
  const b = await createRouter(CONFIG_B, opts);
  try {
    void a.port('wm1').readable.pipeTo(b.port('wm0').writable);
    const frames = 500;
    const out = [];
    const done = new Promise((resolve) =>
      b.port('wm1').onFrame((f) => {
        out.push(f);
        if (out.length === frames) resolve();
      }),
    );
    const w = a.port('wm0').writable.getWriter();
    for (let i = 0; i < frames; i++) await w.write(udp(1000 + (i % 5), i));
    let timer;
    const late = new Promise((_, no) => {
      timer = setTimeout(() => no(new Error(`${out.length} of ${frames} frames within 15 s`)), 15000);
    });
    await Promise.race([done, late]).finally(() => clearTimeout(timer));
    // per flow in order (the multi-CPU machine may interleave flows, never reorder one)
    const byFlow = [0, 1, 2, 3, 4].flatMap((f) => out.filter((x) => ((x[34] << 8) | x[35]) === 1000 + f));
    return { digest: await sha256(byFlow), ttl: [...new Set(out.map((x) => x[22]))] };
  } finally {
    await a.close();
    await b.close();
  }
}

await loadWasm(new URL(import.meta.resolve('mpstack/mpstack.wasm')));

for (const engine of ['wasm', 'ts']) {
  test(`golden: a routed frame, rewritten (${engine})`, async () => {
    const r = await createRouter(CONFIG_A, { engine, clock: 'manual' });
    const out = r.receive('wm0', udp(1000, 1));
    assertEquals(
      out.map((o) => o.if),
      ['wm1'],
      'interface',
    );
    assertEquals(toHex(out[0].frame), GOLDEN.forwarded, 'bytes');
  });
  test(`golden: TTL 1, time exceeded back to the host (${engine})`, async () => {
    const r = await createRouter(CONFIG_A, { engine, clock: 'manual' });
    const out = r.receive('wm0', udp(1000, 1, 1));
    assertEquals(
      out.map((o) => o.if),
      ['wm0'],
      'interface',
    );
    assertEquals(toHex(out[0].frame), GOLDEN.timeExceeded, 'bytes');
  });
  test(`golden: ARP request for the router, its reply (${engine})`, async () => {
    const r = await createRouter(CONFIG_A, { engine, clock: 'manual' });
    const out = r.receive('wm0', ARP_REQUEST);
    assertEquals(
      out.map((o) => o.if),
      ['wm0'],
      'interface',
    );
    assertEquals(toHex(out[0].frame), GOLDEN.arpReply, 'bytes');
  });
  test(`golden: verdicts of createStack (${engine})`, () => {
    const s = createStack(CONFIG_A, { engine });
    const r = s.forward(
      [
        { data: new Uint8Array(60), ifindex: 1 },
        { data: udp(1000, 2), ifindex: 1 },
      ],
      0,
    );
    assertEquals(
      r.map((x) => [x.path, x.reason]),
      [
        ['drop', 'l2-other-host'],
        ['normal', null],
      ],
      'verdicts',
    );
  });
  test(`scenario: two routers joined by ports (${engine})`, async () => {
    const got = await scenario(engine, 0);
    assertEquals(got, { digest: GOLDEN.scenario, ttl: [62] }, 'scenario');
  });
  if (hasWebWorkers())
    test(`scenario: two routers on 2 CPUs each, Web Workers (${engine})`, async () => {
      const got = await scenario(engine, 2);
      assertEquals(got, { digest: GOLDEN.scenario, ttl: [62] }, 'scenario');
    });
}

test('config errors name the field; a frame ring round-trips', async () => {
  let msg = '';
  try {
    configFrom({ interfaces: [{ name: 'wm0', mtu: 12 }] });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    msg = e.message;
  }
  assertEquals(/interfaces\[0\]\.mtu: must be at least 68/.test(msg), true, msg);
  const r = await createRouter(CONFIG_A, { engine: 'ts', clock: 'manual' });
  const into = FrameRing.create();
  const out = FrameRing.create();
  const link = attachFrameRings(r.port('wm0'), { rx: into, tx: out });
  into.push(ARP_REQUEST);
  for (let i = 0; i < 1000 && out.written === 0; i++) await new Promise((res) => setTimeout(res, 1));
  assertEquals(toHex(out.pop()), GOLDEN.arpReply, 'through the ring');
  await link.close();
});

if (globalThis.Deno) {
  for (const t of tests) globalThis.Deno.test({ name: t.name, fn: t.fn, sanitizeResources: false, sanitizeOps: false });
} else {
  let failed = 0;
  for (const t of tests) {
    try {
      await t.fn();
      console.log(`ok ${t.name}`);
    } catch (e) {
      failed++;
      console.log(`FAILED ${t.name}: ${e.message}`);
    }
  }
  if (failed) process.exitCode = 1;
}
