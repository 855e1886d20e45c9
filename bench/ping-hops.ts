// Where a ping's round trip goes, hop by hop, through mpstack (M; P with --busy-poll) and through the
// kernel (K), the links bench's topologies (links-setup.ts): dumpcap on A's and B's devices stamps
// every echo request and reply as the hosts' own kernels see them, so each round trip splits into
//   A -> B     the request, from A's transmit to B's receive (crossing the router)
//   B's turn   B's kernel answering: request received -> reply transmitted
//   B -> A     the reply crossing the router back
//   A's host   ping's RTT less the wire time above: A's own stack, send and receive
// Medians per topology, at each ping spacing asked (default 10 ms, then 1 ms): on this VM a path idle
// for 10 ms runs cold, the kernel's as well as mpstack's, and the split shows on which hops.
// --syscalls also splits mpstack's own share of each crossing (M and P): `perf record` of the router's
// read(2) returns, write(2) entries and the hosts' netif_receive_skb, so each frame written into a TAP
// gives "read -> write" (the frame read off one device, forwarded, written into the other: mpstack's
// time, its system calls' return and entry included) and "write -> host rx" (the kernel's TAP write
// path up to the host's receive), per direction.
// Needs root, /dev/net/tun, ping and dumpcap/tshark (Debian: tshark); perf for --syscalls. Not part of run-all.
// Usage: node dist/bench/ping-hops.js [--busy-poll US] [--count N] [--intervals 0.01,0.001] [--topologies M,K,P] [--syscalls]
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { type SuiteReport, isMain, median, num, table, writeResults } from './common.js';
import {
  Cleanup,
  HOST_A,
  HOST_B,
  type Topology,
  addrOf,
  linksUnavailable,
  setupKernel,
  setupMpstack,
} from './links-setup.js';

export interface PingHopsOptions {
  busyPollUs?: number;
  count?: number;
  intervals?: number[];
  topologies?: ('M' | 'K' | 'P')[];
  /** perf the router's TAP system calls too (M and P) */
  syscalls?: boolean;
}

/** One topology at one spacing: medians, µs. */
export interface HopSplit {
  topology: string;
  intervalS: number;
  pings: number;
  matched: number;
  rttUs: number;
  aToBUs: number;
  bTurnUs: number;
  bToAUs: number;
  aHostUs: number;
  /** --syscalls: mpstack's share, medians µs: request (into B's TAP) and reply (into A's) */
  mpstack?: { request: SyscallSplit; reply: SyscallSplit };
}

export interface SyscallSplit {
  frames: number;
  readToWriteUs: number;
  writeToRxUs: number;
}

/** Echo requests (type 8) and replies (type 0) in a capture: `type/seq` -> time, µs since the epoch. */
function icmpTimes(file: string): Map<string, number> {
  const out = execFileSync(
    'tshark',
    ['-r', file, '-Y', 'icmp', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'icmp.type', '-e', 'icmp.seq'],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const m = new Map<string, number>();
  for (const line of out.trim().split('\n')) {
    const [ts, type, seq] = line.split('\t');
    if (ts && type && seq) m.set(`${type}/${seq}`, Number(ts) * 1e6);
  }
  return m;
}

/**
 * `perf record` of process `pid`'s successful read(2)s, write(2) entries and the receives its writes
 * cause (netif_receive_skb runs in the writer's context for a TAP), while `during` runs. Each receive
 * on devA or devB closes one frame: the last read before it and the write that caused it.
 */
async function syscallSplit(
  pid: number,
  devA: string,
  devB: string,
  file: string,
  during: () => Promise<unknown>,
): Promise<{ request: SyscallSplit; reply: SyscallSplit }> {
  const perf = spawn(
    'perf',
    [
      'record',
      '-q',
      '-p',
      String(pid),
      '-o',
      file,
      '-e',
      'net:netif_receive_skb,syscalls:sys_enter_write',
      '-e',
      'syscalls:sys_exit_read',
      '--filter',
      'ret > 0',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  perf.stderr!.setEncoding('utf8').on('data', (x: string) => {
    err += x;
  });
  await sleep(1000); // perf attaches
  try {
    await during();
  } finally {
    perf.kill('SIGINT');
    await new Promise((r) => (perf.exitCode === null ? perf.on('exit', r) : r(null)));
  }
  if (perf.exitCode !== 0 && perf.signalCode === null) throw new Error(`perf record: ${err.trim()}`);
  const lines = execFileSync('perf', ['script', '-i', file, '-F', 'time,event,trace', '--ns'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'ignore'],
  }).split('\n');
  const got: Record<string, [number, number][]> = { [devA]: [], [devB]: [] };
  let read = 0;
  let write = 0;
  for (const l of lines) {
    const m = /^\s*([\d.]+):\s+(\S+):\s+(.*)$/.exec(l);
    if (!m) continue;
    const us = Number(m[1]) * 1e6;
    if (m[2] === 'syscalls:sys_exit_read') read = us;
    else if (m[2] === 'syscalls:sys_enter_write') write = us;
    else if (m[2] === 'net:netif_receive_skb') {
      const dev = /dev=(\S+)/.exec(m[3]!)?.[1];
      if (dev !== undefined && got[dev] && read !== 0 && write >= read) got[dev]!.push([write - read, us - write]);
      read = 0;
    }
  }
  const of = (xs: [number, number][]): SyscallSplit => ({
    frames: xs.length,
    readToWriteUs: median(xs.map((x) => x[0])),
    writeToRxUs: median(xs.map((x) => x[1])),
  });
  return { request: of(got[devB]!), reply: of(got[devA]!) };
}

async function split(
  t: Topology,
  count: number,
  intervalS: number,
  dir: string,
  routerPid?: number,
): Promise<HopSplit> {
  const caps: [ChildProcess, string][] = [];
  for (const [ns, dev] of [
    [t.a, t.devA],
    [t.b, t.devB],
  ] as const) {
    const file = join(dir, `${t.id}-${dev}-${intervalS}.pcap`);
    caps.push([ns.spawn('dumpcap', ['-q', '-i', dev, '-f', 'icmp', '-w', file]), file]);
  }
  await sleep(1500); // dumpcap opens its device
  const ping = () =>
    t.a.run(
      'ping',
      ['-n', '-c', String(count), '-i', String(intervalS), '-W', '1', addrOf(HOST_B.v4)],
      60_000 + count * intervalS * 2000,
      true,
    );
  let out = '';
  const mpstack =
    routerPid === undefined
      ? undefined
      : await syscallSplit(routerPid, t.devA, t.devB, join(dir, `${t.id}-${intervalS}.perf`), async () => {
          out = await ping();
        });
  if (routerPid === undefined) out = await ping();
  await sleep(500);
  for (const [p] of caps) p.kill('SIGINT');
  await Promise.all(caps.map(([p]) => (p.exitCode === null ? new Promise((r) => p.on('exit', r)) : null)));
  const a = icmpTimes(caps[0]![1]);
  const b = icmpTimes(caps[1]![1]);
  const rtt: number[] = [];
  const aToB: number[] = [];
  const bTurn: number[] = [];
  const bToA: number[] = [];
  const aHost: number[] = [];
  let pings = 0;
  for (const m of out.matchAll(/icmp_seq=(\d+) ttl=\d+ time=([\d.]+) ms/g)) {
    pings++;
    const seq = m[1]!;
    const r = Number(m[2]) * 1000;
    const t1 = a.get(`8/${seq}`);
    const t2 = b.get(`8/${seq}`);
    const t3 = b.get(`0/${seq}`);
    const t4 = a.get(`0/${seq}`);
    rtt.push(r);
    if (t1 === undefined || t2 === undefined || t3 === undefined || t4 === undefined) continue;
    aToB.push(t2 - t1);
    bTurn.push(t3 - t2);
    bToA.push(t4 - t3);
    aHost.push(r - (t4 - t1));
  }
  return {
    topology: t.id,
    intervalS,
    pings,
    matched: aToB.length,
    rttUs: median(rtt),
    aToBUs: median(aToB),
    bTurnUs: median(bTurn),
    bToAUs: median(bToA),
    aHostUs: median(aHost),
    ...(mpstack ? { mpstack } : {}),
  };
}

export async function runPingHops(o: PingHopsOptions = {}): Promise<SuiteReport> {
  const missing = linksUnavailable();
  if (missing) throw new Error(`ping-hops: cannot run: ${missing}`);
  const count = o.count ?? 300;
  const intervals = o.intervals ?? [0.01, 0.001];
  const busyPollUs = o.busyPollUs ?? 20_000;
  const want = o.topologies ?? ['M', 'K', 'P'];
  const cleanup = new Cleanup();
  cleanup.onSignals();
  const dir = mkdtempSync(join(tmpdir(), 'mpstack-ping-hops-'));
  cleanup.add(`directory ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const tag = `h${process.pid % 100_000}`;
  try {
    const tops: Topology[] = [];
    const pids = new Map<string, number>(); // mpstack's, for --syscalls
    const mpstack = async (busy: number) => {
      const { topo, router } = await setupMpstack(tag, 1, cleanup, busy);
      if (router.child.pid !== undefined) pids.set(topo.id, router.child.pid);
      tops.push(topo);
    };
    if (want.includes('M')) await mpstack(0);
    if (want.includes('K')) tops.push(setupKernel(tag, cleanup));
    if (want.includes('P')) await mpstack(busyPollUs);
    for (const t of tops) await t.a.run('ping', ['-n', '-c', '5', '-i', '0.01', addrOf(HOST_B.v4)], 30_000, true);
    const rows: HopSplit[] = [];
    for (const intervalS of intervals)
      for (const t of tops) {
        const r = await split(t, count, intervalS, dir, o.syscalls ? pids.get(t.id) : undefined);
        console.error(`  ${t.id} -i ${intervalS}: RTT ${num(r.rttUs)} µs, ${r.matched}/${r.pings} matched`);
        rows.push(r);
      }
    const text = [
      `ping-hops: ${count} pings A ${addrOf(HOST_A.v4)} -> B ${addrOf(HOST_B.v4)} per topology and spacing (M: mpstack, P: mpstack --busy-poll ${busyPollUs}, K: the kernel); medians, µs; load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
      table(
        ['topology', 'spacing', 'RTT', 'A -> B', "B's turn", 'B -> A', "A's host", 'matched'],
        rows.map((r) => [
          r.topology,
          `${r.intervalS * 1000} ms`,
          num(r.rttUs),
          num(r.aToBUs),
          num(r.bTurnUs),
          num(r.bToAUs),
          num(r.aHostUs),
          `${r.matched}/${r.pings}`,
        ]),
      ),
      ...(o.syscalls
        ? [
            "mpstack's share of each crossing (perf: the router's read(2) returns and write(2) entries, the host's netif_receive_skb), medians µs:",
            table(
              [
                'topology',
                'spacing',
                'request: read -> write',
                'write -> B rx',
                'reply: read -> write',
                'write -> A rx',
                'frames',
              ],
              rows
                .filter((r) => r.mpstack)
                .map((r) => [
                  r.topology,
                  `${r.intervalS * 1000} ms`,
                  num(r.mpstack!.request.readToWriteUs),
                  num(r.mpstack!.request.writeToRxUs),
                  num(r.mpstack!.reply.readToWriteUs),
                  num(r.mpstack!.reply.writeToRxUs),
                  `${r.mpstack!.request.frames}/${r.mpstack!.reply.frames}`,
                ]),
            ),
          ]
        : []),
    ].join('\n');
    const jsonPath = writeResults('ping-hops', {
      method:
        'dumpcap on the host-side devices of A and B (each in its namespace), ping -c N -i SPACING A -> B; per echo: A -> B = B rx - A tx of the request, B turn = B tx of the reply - B rx of the request, B -> A = A rx - B tx of the reply, A host = RTT - (A rx of the reply - A tx of the request)',
      count,
      busyPollUs,
      rows,
    });
    return { suite: 'ping-hops', text, jsonPath };
  } finally {
    await cleanup.run();
  }
}

function parseArgs(argv: string[]): PingHopsOptions {
  const o: PingHopsOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--syscalls') {
      o.syscalls = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === '--busy-poll') o.busyPollUs = Number(v);
    else if (a === '--count') o.count = Number(v);
    else if (a === '--intervals') o.intervals = v.split(',').map(Number);
    else if (a === '--topologies') o.topologies = v.split(',') as ('M' | 'K' | 'P')[];
    else
      throw new Error(
        `unknown argument ${a} (--busy-poll US, --count N, --intervals S,S, --topologies M,K,P, --syscalls)`,
      );
  }
  if (
    !(o.count === undefined || (Number.isInteger(o.count) && o.count > 0)) ||
    !(o.busyPollUs === undefined || o.busyPollUs > 0) ||
    o.intervals?.some((x) => !(x >= 0.0002)) ||
    o.topologies?.some((t) => !['M', 'K', 'P'].includes(t))
  )
    throw new Error(
      'bad value: --count N > 0, --busy-poll US > 0, --intervals >= 0.0002 s each, --topologies of M,K,P',
    );
  return o;
}

if (isMain(import.meta.url)) {
  try {
    const r = await runPingHops(parseArgs(process.argv.slice(2)));
    console.log(r.text);
    console.log(`results: ${r.jsonPath}`);
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
}
