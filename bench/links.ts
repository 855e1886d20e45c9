// Real links suite (issue 11, "Benchmarks"): two Linux hosts in network namespaces, routed once by
// mpstack over TAP links (topology M) and once by the Linux kernel over veth pairs (topology K), the
// same addresses, the same commands, side by side in one run (bench/links-setup.ts builds both).
//
//   1. TCP throughput   iperf3 -c B -t SECONDS -J from A (server in B): receiver's Gbit/s, the
//                       sender's retransmits. M first, then K.
//   2. ping RTT         ping -c 200 -i 0.01 A -> B, twice per topology in turn (M K M K), the
//                       per-packet times pooled: median and p99; "added latency" = median(M) -
//                       median(K), in µs: what crossing mpstack costs more than crossing the kernel.
//                       Then the same at 1 ms spacing (-i 0.001): on this VM a path idle for 10 ms
//                       runs cold (the kernel's own one-way time is ~8x its 1 ms figure), so both
//                       spacings are reported, each with its own K.
//   3. 64-byte UDP      bench/udp-blast.ts: 18-byte datagrams (14 + 20 + 8 + 18 = 60 bytes, 64 with the
//                       FCS) from A, by default as raw Ethernet frames on an AF_PACKET socket with
//                       PACKET_QDISC_BYPASS (--sender udp: through a UDP socket, whose route/neighbor/
//                       qdisc path capped the sender near 376 kpps), up to 256 per sendmmsg(2), paced to a target rate, counted by a
//                       sink in B taking up to 256 per recvmmsg(2) (iperf3, one datagram per system
//                       call, topped out near 200 kpps here: it measured itself). RFC 2544-like: the
//                       first trial unpaced finds the sender's ceiling (what it manages to send); then
//                       a binary search between 0 and that ceiling, trials of TRIAL_S seconds, M and K
//                       trials alternated. A trial passes with zero loss: every datagram sent counted
//                       by the sink. Reported: the highest zero-loss target, and the rate the sender
//                       actually achieved in that trial; when that is under the target, the sender was
//                       the limit, not the router.
//
// Where the packets went: for M, `mpstack netstat -m` and `netstat -s` before and after each phase
// (RX ring / pktq / TX ring drops, drop reasons); for both, the host-side devices' `ip -s link`
// counters and B's UDP receive-buffer errors (/proc/net/snmp) per UDP trial.
//
// Needs root, /dev/net/tun, iproute2, ping and iperf3; not part of run-all (see bench/README.md).
// --busy-poll US adds topology P: a second mpstack run with busy polling (engine.busy_poll_us), in
// every phase beside M and K, alternated with them, and a table of M (off) vs P (on).
// Usage: node dist/bench/links.js [--seconds N] [--cpus N] [--trial-seconds N] [--trials N] [--sender raw|udp] [--busy-poll US]
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import {
  Cleanup,
  HOST_A,
  HOST_B,
  type MpstackRun,
  type Ns,
  type TopoId,
  type Topology,
  addrOf,
  linksUnavailable,
  setupKernel,
  setupMpstack,
} from './links-setup.js';
import { type SuiteReport, isMain, median, num, sig, table, writeResults } from './common.js';

export interface LinksOptions {
  /** iperf3 TCP duration (default 10) */
  seconds?: number;
  /** mpstack worker CPUs (default 1) */
  cpus?: number;
  /** one UDP trial's length (default 3) */
  trialSeconds?: number;
  /** UDP trials per topology, the ceiling trial included (default 7) */
  trials?: number;
  /** the 64-byte sender: raw frames on AF_PACKET (default) or a UDP socket */
  sender?: 'raw' | 'udp';
  /** also topology P: mpstack with busy polling for this many µs, alternated with M (0: none) */
  busyPollUs?: number;
}

/** How A sends: `udp` through its UDP socket; `raw` Ethernet frames on its device to the gateway's MAC. */
type Sender = { kind: 'udp' } | { kind: 'raw'; gwMac: string };

/** The MAC of A's gateway from A's neighbor table (resolved by the warm-up pings). */
async function gatewayMac(t: Topology): Promise<string> {
  const out = await t.a.run('ip', ['-j', 'neigh', 'show', HOST_A.gw4, 'dev', t.devA], 10_000);
  const mac = (JSON.parse(out) as { lladdr?: string }[])[0]?.lladdr;
  if (!mac) throw new Error(`${t.id}: A has no neighbor entry for its gateway ${HOST_A.gw4}`);
  return mac;
}

/** The first UDP trial's target: above anything the sender manages here, so that it finds the ceiling. */
const MAX_PPS = 2_000_000;
const UDP_PAYLOAD = 18;
const PINGS = 200;
const PING_ROUNDS = 2;

const TARGETS = { tcpGbps: 2, udpKpps: 500, addedLatencyUs: 50 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

// ---- counters around a measurement --------------------------------------------------------------

/** A device's rx/tx dropped counters (`ip -s link`), as `<who> rx-dropped` / `<who> tx-dropped`. */
async function devDrops(ns: Ns, devs: readonly string[], who: string): Promise<Record<string, number>> {
  const out: Record<string, number> = { [`${who} rx-dropped`]: 0, [`${who} tx-dropped`]: 0 };
  for (const dev of devs) {
    const j = JSON.parse(await ns.run('ip', ['-s', '-j', 'link', 'show', dev], 10_000)) as {
      stats64: { rx: { dropped: number }; tx: { dropped: number } };
    }[];
    out[`${who} rx-dropped`]! += j[0]!.stats64.rx.dropped;
    out[`${who} tx-dropped`]! += j[0]!.stats64.tx.dropped;
  }
  return out;
}

/**
 * Frames the kernel dropped with its per-CPU input backlog full (/proc/net/softnet_stat, second
 * column, summed over the CPUs): where a frame written into a TAP device or sent over a veth can be
 * lost before any device counts it. Machine-wide, so other traffic on the machine shows here too.
 */
function softnetDropped(): number {
  return readFileSync('/proc/net/softnet_stat', 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .reduce((n, l) => n + Number.parseInt(l.trim().split(/\s+/)[1] ?? '0', 16), 0);
}

/** Udp: InDatagrams, RcvbufErrors, InErrors of a namespace (/proc/net/snmp). */
async function udpSnmp(ns: Ns): Promise<Record<string, number>> {
  const lines = (await ns.run('cat', ['/proc/net/snmp'], 10_000)).split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
}

interface MpCounters {
  rxMissed: number;
  rxNobufs: number;
  pktqDrops: number;
  txDrops: number;
  counters: Record<string, number>;
}

async function mpCounters(router: MpstackRun): Promise<MpCounters> {
  const m = JSON.parse(await router.cli('netstat', '-m', '--json')) as Omit<MpCounters, 'counters'>;
  const s = JSON.parse(await router.cli('netstat', '-s', '--json')) as { counters: Record<string, number> };
  return {
    rxMissed: m.rxMissed,
    rxNobufs: m.rxNobufs,
    pktqDrops: m.pktqDrops,
    txDrops: m.txDrops,
    counters: s.counters,
  };
}

/** after - before: the ring and pool losses, and the non-zero reasons, neighbor, frame and byte counters. */
function mpDelta(before: MpCounters, after: MpCounters): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['rxMissed', 'rxNobufs', 'pktqDrops', 'txDrops'] as const) out[k] = after[k] - before[k];
  for (const [k, v] of Object.entries(after.counters)) {
    const d = v - (before.counters[k] ?? 0);
    if (d !== 0 && (k.startsWith('reason:') || k.startsWith('nbr-') || k.startsWith('rx-') || k.startsWith('tx-')))
      out[k] = d;
  }
  return out;
}

/** The neighbor cache's counters that say a packet waited or was lost for want of a MAC (ts/stack/lltable.ts). */
const NBR_LOSS = ['nbr-held', 'nbr-hold-overflow', 'nbr-timeouts', 'nbr-timeout-drops', 'nbr-probe-failures'];

/**
 * Every counter where a packet between A and B can be lost, flat: the host-side devices (A's
 * tx-dropped: its link's queue full, the router not taking frames fast enough; B's rx-dropped), the
 * kernel router's devices (K), B's UDP receive-buffer overflows (the receiving sink too slow), the
 * kernel's input backlog (machine-wide), and mpstack's rings and drop reasons (M). Not here: the TAP
 * I/O thread's write errors (its link stats are not on the control socket).
 */
async function lossCounters(t: Topology, router: MpstackRun | null): Promise<Record<string, number>> {
  const parts = await Promise.all([
    devDrops(t.a, [t.devA], 'A'),
    devDrops(t.b, [t.devB], 'B'),
    t.r ? devDrops(t.r.ns, t.r.devs, 'R') : {},
    udpSnmp(t.b).then((u) => ({ 'B udp RcvbufErrors': u['RcvbufErrors'] ?? 0, 'B udp InErrors': u['InErrors'] ?? 0 })),
  ]);
  const out: Record<string, number> = Object.assign({}, ...parts, { 'softnet backlog dropped': softnetDropped() });
  if (router) {
    const m = await mpCounters(router);
    for (const k of ['rxMissed', 'rxNobufs', 'pktqDrops', 'txDrops'] as const) out[`mpstack ${k}`] = m[k];
    for (const [k, v] of Object.entries(m.counters))
      if (k.startsWith('reason:') || NBR_LOSS.includes(k)) out[`mpstack ${k}`] = v;
  }
  return out;
}

/** after - before, the non-zero ones. */
function lossDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0)) out[k] = v - (before[k] ?? 0);
  return out;
}

// ---- 1. TCP ------------------------------------------------------------------------------------

interface TcpResult {
  receiverGbps: number;
  senderGbps: number;
  retransmits: number;
  seconds: number;
  /** lossCounters() over the run (TCP's losses become its retransmits) */
  where: Record<string, number>;
}

async function tcpRun(t: Topology, port: number, seconds: number, router: MpstackRun | null): Promise<TcpResult> {
  const before = await lossCounters(t, router);
  const out = await t.a.run(
    'iperf3',
    ['-c', addrOf(HOST_B.v4), '-p', String(port), '-t', String(seconds), '-J'],
    (seconds + 30) * 1000,
  );
  const j = JSON.parse(out) as {
    error?: string;
    end: {
      sum_sent: { bits_per_second: number; retransmits: number; seconds: number };
      sum_received: { bits_per_second: number };
    };
  };
  if (j.error) throw new Error(`${t.id}: iperf3: ${j.error}`);
  return {
    receiverGbps: sig(j.end.sum_received.bits_per_second / 1e9),
    senderGbps: sig(j.end.sum_sent.bits_per_second / 1e9),
    retransmits: j.end.sum_sent.retransmits,
    seconds: sig(j.end.sum_sent.seconds),
    where: lossDelta(before, await lossCounters(t, router)),
  };
}

// ---- 2. ping -----------------------------------------------------------------------------------

/** Spacings of the ping phase, s: ping's 10 ms (the target's), then 1 ms (a warm path). */
const PING_SPACINGS = [0.01, 0.001] as const;

async function pingRun(
  t: Topology,
  count: number,
  interval = 0.01,
): Promise<{ rttUs: number[]; sent: number; received: number }> {
  const args = ['-n', '-c', String(count), '-i', String(interval), '-W', '1', addrOf(HOST_B.v4)];
  // ping exits 1 when replies are missing; its per-packet lines are still wanted
  const out = await t.a.run('ping', args, 60_000, true);
  const rttUs = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Math.round(Number(m[1]) * 1000));
  const sum = /(\d+) packets transmitted, (\d+) received/.exec(out);
  if (!sum) throw new Error(`${t.id}: ping: no summary: ${out.slice(0, 500)}`);
  return { rttUs, sent: Number(sum[1]), received: Number(sum[2]) };
}

// ---- 3. 64-byte UDP ----------------------------------------------------------------------------

interface UdpTrial {
  topology: TopoId;
  targetPps: number;
  /** what the sender sent, per second of its sending time */
  sentPps: number;
  receivedPps: number;
  sent: number;
  received: number;
  /** sent - received: every datagram the sink did not count */
  lost: number;
  /** sendmmsg calls that failed (ENOBUFS and the like: those datagrams were not sent, nor counted as sent) */
  sendErrors: number;
  /** lossCounters() over the trial: where the lost packets show */
  where: Record<string, number>;
}

/** The built bench/udp-blast.ts, run with this node inside the namespaces. */
const BLAST = fileURLToPath(new URL('./udp-blast.js', import.meta.url));

/** udp-blast's sink in B: its running count of datagrams received (the last line it printed). */
class UdpSink {
  received = 0;
  private constructor(readonly child: ChildProcess) {
    let buf = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (l.trim()) this.received = (JSON.parse(l) as { received: number }).received;
    });
  }

  static start(t: Topology, port: number, log: (s: string) => void): UdpSink {
    const child = t.b.spawn(process.execPath, [BLAST, 'sink', String(port)], true);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => log(`  udp sink (${t.id}): ${d.trim()}`));
    return new UdpSink(child);
  }

  /** The count once it has stopped moving for 200 ms (datagrams still in flight have arrived). */
  async settled(): Promise<number> {
    for (let last = -1; this.received !== last; ) {
      last = this.received;
      await sleep(200);
    }
    return this.received;
  }
}

async function udpTrial(
  t: Topology,
  sink: UdpSink,
  port: number,
  pps: number,
  seconds: number,
  router: MpstackRun | null,
  sender: Sender,
): Promise<UdpTrial> {
  const before = await lossCounters(t, router);
  const got0 = await sink.settled();
  const rate = [String(port), String(Math.round(pps)), String(seconds), String(UDP_PAYLOAD)];
  const args =
    sender.kind === 'udp'
      ? [BLAST, 'send', addrOf(HOST_B.v4), ...rate]
      : [BLAST, 'raw', t.devA, sender.gwMac, addrOf(HOST_A.v4), addrOf(HOST_B.v4), ...rate];
  const out = await t.a.run(process.execPath, args, (seconds + 30) * 1000);
  const j = JSON.parse(out) as { sent: number; seconds: number; errors: number };
  const received = (await sink.settled()) - got0;
  const where = lossDelta(before, await lossCounters(t, router));
  return {
    topology: t.id,
    targetPps: Math.round(pps),
    sentPps: Math.round(j.sent / j.seconds),
    receivedPps: Math.round(received / j.seconds),
    sent: j.sent,
    received,
    lost: Math.max(0, j.sent - received),
    sendErrors: j.errors,
    where,
  };
}

interface UdpSearch {
  /** the first trial: the sender's ceiling */
  ceilingPps: number;
  /** the highest zero-loss trial (null: none) */
  best: UdpTrial | null;
  /** the best trial's sender fell short of its target by more than 2%: the sender was the limit */
  senderLimited: boolean;
  trials: UdpTrial[];
}

/**
 * The RFC 2544-like search, M and K in lockstep: trial 0 at MAX_PPS (the ceiling: what the sender
 * achieved), then a binary search over [0, ceiling].
 */
async function udpSearch(
  tops: { t: Topology; sink: UdpSink; port: number; router: MpstackRun | null; sender: Sender }[],
  trials: number,
  seconds: number,
  log: (s: string) => void,
): Promise<Map<TopoId, UdpSearch>> {
  const st = tops.map((x) => ({ ...x, lo: 0, hi: MAX_PPS, target: MAX_PPS, s: null as UdpSearch | null }));
  for (let i = 0; i < trials; i++) {
    for (const x of st) {
      const r = await udpTrial(x.t, x.sink, x.port, x.target, seconds, x.router, x.sender);
      const ok = r.lost === 0;
      log(
        `  udp ${x.t.id} trial ${i + 1}/${trials}: target ${num(r.targetPps / 1e3)} kpps, sent ${num(r.sentPps / 1e3)}, ` +
          `received ${num(r.receivedPps / 1e3)} kpps, lost ${r.lost}${ok ? ' (zero loss)' : ''}`,
      );
      if (!x.s) {
        x.s = { ceilingPps: r.sentPps, best: null, senderLimited: false, trials: [] };
        x.hi = r.sentPps;
      } else {
        if (ok) x.lo = x.target;
        else x.hi = x.target;
      }
      x.s.trials.push(r);
      if (ok && (!x.s.best || r.sentPps > x.s.best.sentPps)) x.s.best = r;
      x.target = (x.lo + x.hi) / 2;
      await sleep(200);
    }
  }
  const out = new Map<TopoId, UdpSearch>();
  for (const x of st) {
    const s = x.s!;
    s.senderLimited = s.best !== null && s.best.sentPps < 0.98 * s.best.targetPps;
    out.set(x.t.id, s);
  }
  return out;
}

// ---- the suite ---------------------------------------------------------------------------------

function parseArgs(argv: string[]): LinksOptions {
  const o: LinksOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = Number(argv[i + 1]);
    const need = () => {
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      i++;
      return v;
    };
    if (a === '--seconds') o.seconds = need();
    else if (a === '--cpus') o.cpus = Math.round(need());
    else if (a === '--trial-seconds') o.trialSeconds = need();
    else if (a === '--trials') o.trials = Math.round(need());
    else if (a === '--busy-poll') o.busyPollUs = Math.round(need());
    else if (a === '--sender' && (argv[i + 1] === 'raw' || argv[i + 1] === 'udp'))
      o.sender = argv[++i] as 'raw' | 'udp';
    else
      throw new Error(
        `unknown argument ${a} (--seconds N, --cpus N, --trial-seconds N, --trials N, --sender raw|udp, --busy-poll US)`,
      );
  }
  return o;
}

type PingStats = { medianUs: number; p99Us: number; minUs: number; rttUs: number[]; sent: number; received: number };
/** One spacing's ping results for results.json, the samples sorted. */
const pingJson = (rtt: Map<TopoId, PingStats>) =>
  Object.fromEntries(
    [...rtt].map(([id, r]) => [
      id,
      {
        medianUs: r.medianUs,
        p99Us: r.p99Us,
        minUs: r.minUs,
        sent: r.sent,
        received: r.received,
        samplesUs: [...r.rttUs].sort((a, b) => a - b),
      },
    ]),
  );

const ratio = (m: number, k: number) => (Number.isFinite(m) && Number.isFinite(k) && k !== 0 ? m / k : NaN);
const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');

export async function runLinks(opts: LinksOptions = {}): Promise<SuiteReport> {
  const seconds = opts.seconds ?? 10;
  const cpus = opts.cpus ?? 1;
  const trialSeconds = opts.trialSeconds ?? 3;
  const trials = opts.trials ?? 7;
  const senderKind = opts.sender ?? 'raw';
  const missing = linksUnavailable();
  if (missing) throw new Error(`links: cannot run: ${missing}`);
  const log = (s: string) => console.error(s);
  const tag = String(process.pid);
  // iperf3's port inside B (each topology's B is a namespace of ours: the pid only keeps logs apart)
  const port = 20_000 + (process.pid % 20_000);
  const cleanup = new Cleanup();
  cleanup.onSignals();
  const t0 = Date.now();
  try {
    log(`links: topology M (mpstack run --cpus ${cpus}, two TAP links) and K (kernel, veth), tag ${tag}`);
    const { topo: m, router } = await setupMpstack(tag, cpus, cleanup);
    const k = setupKernel(tag, cleanup);
    const busyPollUs = opts.busyPollUs ?? 0;
    const pRun = busyPollUs > 0 ? await setupMpstack(tag, cpus, cleanup, busyPollUs) : null;
    const tops = pRun ? [m, k, pRun.topo] : [m, k];
    const routerOf = (t: Topology) => (t.id === 'M' ? router : t.id === 'P' ? pRun!.router : null);
    for (const t of tops) {
      const srv = t.b.spawn('iperf3', ['-s', '-p', String(port)]);
      srv.stderr!.setEncoding('utf8').on('data', (d: string) => log(`  iperf3 -s (${t.id}): ${d.trim()}`));
    }
    const sinks = tops.map((t) => UdpSink.start(t, port + 1, log));
    // resolve every neighbor on the way (ARP/NDP in both directions) and let the servers listen
    await sleep(300);
    for (const t of tops) {
      const p = await pingRun(t, 5);
      if (p.received === 0) throw new Error(`${t.id}: B does not answer A's ping`);
    }
    const mp0 = await mpCounters(router);
    const sender = async (t: Topology): Promise<Sender> =>
      senderKind === 'udp' ? { kind: 'udp' } : { kind: 'raw', gwMac: await gatewayMac(t) };

    // 1. TCP
    const tcp = new Map<TopoId, TcpResult>();
    for (const t of tops) {
      log(`  tcp ${t.id}: iperf3 -t ${seconds}`);
      tcp.set(t.id, await tcpRun(t, port, seconds, routerOf(t)));
      const r = tcp.get(t.id)!;
      log(`  tcp ${t.id}: ${num(r.receiverGbps)} Gbit/s, ${r.retransmits} retransmits`);
    }

    // 2. ping, rounds alternated, at each spacing
    const rtts = PING_SPACINGS.map((interval) => {
      return { interval, pings: new Map<TopoId, { rttUs: number[]; sent: number; received: number }>() };
    });
    for (const { interval, pings } of rtts)
      for (let round = 0; round < PING_ROUNDS; round++) {
        for (const t of tops) {
          const p = await pingRun(t, PINGS, interval);
          const acc = pings.get(t.id) ?? { rttUs: [], sent: 0, received: 0 };
          acc.rttUs.push(...p.rttUs);
          acc.sent += p.sent;
          acc.received += p.received;
          pings.set(t.id, acc);
          log(
            `  ping ${t.id} -i ${interval} round ${round + 1}: median ${median(p.rttUs)} µs, ${p.received}/${p.sent} answered`,
          );
        }
      }
    const rttOf = (pings: Map<TopoId, { rttUs: number[]; sent: number; received: number }>) =>
      new Map(
        [...pings].map(([id, p]) => {
          const s = [...p.rttUs].sort((a, b) => a - b);
          return [id, { medianUs: median(s), p99Us: quantile(s, 0.99), minUs: s[0] ?? NaN, ...p }] as const;
        }),
      );
    const rtt = rttOf(rtts[0]!.pings);
    const rttWarm = rttOf(rtts[1]!.pings);

    // 3. 64-byte UDP
    const udpTops = [];
    for (const [i, t] of tops.entries())
      udpTops.push({ t, sink: sinks[i]!, port: port + 1, router: routerOf(t), sender: await sender(t) });
    const udp = await udpSearch(udpTops, trials, trialSeconds, log);
    const mp1 = await mpCounters(router);
    const netstatM = await router.cli('netstat', '-m');
    // P: the frames its CPUs took by polling the devices (rx-polled) against all it received
    const polledP = pRun ? await pRun.router.cli('ifconfig') : '';
    const sumOf = (text: string, key: string) =>
      [...text.matchAll(new RegExp(`\\b${key}=(\\d+)`, 'g'))].reduce((n, x) => n + Number(x[1]), 0);
    const codeP = pRun ? await pRun.router.stop() : null;

    // stop the router before the namespaces go, and keep its summary (accounting, buffers)
    const code = await router.stop();
    const summary = router.stdout.trim();
    await cleanup.run();
    const elapsedS = (Date.now() - t0) / 1000;

    // ---- the table ----
    const T = (id: TopoId) => tcp.get(id)!;
    const R = (id: TopoId) => rtt.get(id)!;
    const W = (id: TopoId) => rttWarm.get(id)!;
    const U = (id: TopoId) => udp.get(id)!;
    const addedUs = R('M').medianUs - R('K').medianUs;
    const addedWarmUs = W('M').medianUs - W('K').medianUs;
    const udpBest = (id: TopoId) => U(id).best;
    const kpps = (x: number | undefined) => (x === undefined ? NaN : x / 1e3);
    const rows: (string | number)[][] = [
      [
        'TCP throughput, Gbit/s (receiver)',
        num(T('M').receiverGbps),
        num(T('K').receiverGbps),
        num(ratio(T('M').receiverGbps, T('K').receiverGbps)),
        `>= ${TARGETS.tcpGbps}: ${met(T('M').receiverGbps >= TARGETS.tcpGbps)}`,
      ],
      ['TCP retransmits', T('M').retransmits, T('K').retransmits, '', ''],
      [
        'ping RTT median, µs',
        R('M').medianUs,
        R('K').medianUs,
        num(ratio(R('M').medianUs, R('K').medianUs)),
        `added ${addedUs} µs, <= ${TARGETS.addedLatencyUs}: ${met(addedUs <= TARGETS.addedLatencyUs)}`,
      ],
      ['ping RTT p99, µs', R('M').p99Us, R('K').p99Us, num(ratio(R('M').p99Us, R('K').p99Us)), ''],
      ['ping answered', `${R('M').received}/${R('M').sent}`, `${R('K').received}/${R('K').sent}`, '', ''],
      [
        'ping RTT median at 1 ms spacing, µs',
        W('M').medianUs,
        W('K').medianUs,
        num(ratio(W('M').medianUs, W('K').medianUs)),
        `added ${addedWarmUs} µs, <= ${TARGETS.addedLatencyUs}: ${met(addedWarmUs <= TARGETS.addedLatencyUs)}`,
      ],
      [
        '64-byte UDP zero loss, kpps sent',
        num(kpps(udpBest('M')?.sentPps)),
        num(kpps(udpBest('K')?.sentPps)),
        num(ratio(kpps(udpBest('M')?.sentPps), kpps(udpBest('K')?.sentPps))),
        `>= ${TARGETS.udpKpps}: ${met(kpps(udpBest('M')?.sentPps) >= TARGETS.udpKpps)}`,
      ],
      [
        '  at target, kpps',
        num(kpps(udpBest('M')?.targetPps)) + (U('M').senderLimited ? ' (sender-limited)' : ''),
        num(kpps(udpBest('K')?.targetPps)) + (U('K').senderLimited ? ' (sender-limited)' : ''),
        '',
        '',
      ],
      ['  sender ceiling (first trial sent), kpps', num(kpps(U('M').ceilingPps)), num(kpps(U('K').ceilingPps)), '', ''],
    ];
    const head = ['measure', m.title, k.title, 'M/K', 'issue 11 target (M)'];
    const trialRows = [...U('M').trials, ...U('K').trials, ...(pRun ? U('P').trials : [])].map((r, i) => [
      r.topology,
      (i % trials) + 1,
      num(r.targetPps / 1e3),
      num(r.sentPps / 1e3),
      num(r.receivedPps / 1e3),
      r.lost,
      Object.entries(r.where)
        .filter(([, v]) => v !== 0)
        .map(([w, v]) => `${w} ${v}`)
        .join(', '),
    ]);
    const notes: string[] = [];
    for (const id of ['M', 'K'] as const) {
      const u = U(id);
      if (!u.best) notes.push(`${id}: no UDP trial was free of loss (the lowest target still lost packets)`);
      else if (u.senderLimited)
        notes.push(
          `${id}: at the best zero-loss trial the sender sent ${num(u.best.sentPps / 1e3)} of ${num(u.best.targetPps / 1e3)} kpps asked: the sender was the limit`,
        );
      const first = u.trials[0];
      // the raw sender bypasses A's qdisc: a full device queue refuses its frames (failed sendmmsg
      // calls, A's tx-dropped) instead of taking and losing them, so its "ceiling" is what A's device took
      if (senderKind === 'raw' && first && first.sendErrors > 0)
        notes.push(
          `${id}: in the first trial A's device refused frames (${first.sendErrors} failed sendmmsg calls): the ${num(u.ceilingPps / 1e3)} kpps "ceiling" is what the router took off A's device, not the sender's limit`,
        );
      else if (u.ceilingPps < TARGETS.udpKpps * 1e3)
        notes.push(
          `${id}: the sender's ceiling here is ${num(u.ceilingPps / 1e3)} kpps, under the ${TARGETS.udpKpps} kpps target: this sender cannot show the target`,
        );
    }
    const mpAll = mpDelta(mp0, mp1);
    // busy polling: M (off) vs P (on), each phase alternated in this one run
    const addedP = pRun ? R('P').medianUs - R('K').medianUs : NaN;
    const addedWarmP = pRun ? W('P').medianUs - W('K').medianUs : NaN;
    const busy = pRun
      ? {
          busyPollUs,
          rows: [
            ['TCP throughput, Gbit/s (receiver)', num(T('M').receiverGbps), num(T('P').receiverGbps)],
            ['TCP retransmits', T('M').retransmits, T('P').retransmits],
            ['ping RTT median, µs', R('M').medianUs, R('P').medianUs],
            ['ping RTT p99, µs', R('M').p99Us, R('P').p99Us],
            ['added latency (median - K median), µs', addedUs, addedP],
            ['ping RTT median at 1 ms spacing, µs', W('M').medianUs, W('P').medianUs],
            ['added latency at 1 ms spacing, µs', addedWarmUs, addedWarmP],
            ['64-byte UDP zero loss, kpps sent', num(kpps(udpBest('M')?.sentPps)), num(kpps(udpBest('P')?.sentPps))],
          ] as (string | number)[][],
          rxPolled: sumOf(polledP, 'rx-polled'),
          rxFrames: sumOf(polledP, 'rx-frames'),
          exitCode: codeP,
        }
      : null;
    const text = [
      `links: ${m.title} vs ${k.title}; A 10.93.1.2 -> B 10.93.2.2; ${elapsedS.toFixed(0)} s, load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
      table(head, rows, ['left', 'right', 'right', 'right', 'left']),
      `64-byte UDP trials (${trialSeconds} s each, RFC 2544-like binary search, M and K alternated):`,
      table(
        ['topo', 'trial', 'target kpps', 'sent kpps', 'received kpps', 'lost', 'where lost (counter deltas)'],
        trialRows,
        ['left', 'right', 'right', 'right', 'right', 'right', 'left'],
      ),
      ...notes.map((n) => `note: ${n}`),
      ...(['M', 'K'] as const).map((id) => `TCP ${id}, where lost (counter deltas): ${JSON.stringify(T(id).where)}`),
      `mpstack over the whole run: ${JSON.stringify(mpAll)}`,
      `mpstack netstat -m at the end:\n${netstatM.trim()}`,
      `mpstack run exited ${code}; its summary's last lines:\n${summary.split('\n').slice(-2).join('\n')}`,
      ...(busy
        ? [
            `busy polling (P: --busy-poll ${busy.busyPollUs}, every phase alternated with M; each spinning CPU burns its core):`,
            table(['measure', 'M (off)', `P (${busy.busyPollUs} µs)`], busy.rows, ['left', 'right', 'right']),
            `P: ${busy.rxPolled} of ${busy.rxFrames} frames received were taken by a CPU polling the TAP device (rx-polled); P's run exited ${busy.exitCode}`,
          ]
        : []),
    ].join('\n');

    const jsonPath = writeResults('links', {
      method: {
        topologies: {
          M: `mpstack run --cpus ${cpus}: two TAP interfaces, each TAP in its own namespace with one host`,
          K: 'three namespaces A - R - B joined by two veth pairs; R forwards (ip_forward=1, IPv6 forwarding=1)',
        },
        addressing: 'A 10.93.1.2/24 fd00:93:1::2/64 via .1; B 10.93.2.2/24 fd00:93:2::2/64 via .1',
        tcp: `iperf3 -c B -t ${seconds} -J from A; receiver bits/s and sender retransmits; M then K`,
        ping: `ping -c ${PINGS} -i 0.01 A -> B, ${PING_ROUNDS} rounds alternated M K M K, per-packet times pooled; p99 nearest rank; then the same with -i 0.001 (ping1ms)`,
        udp: `udp-blast ${senderKind === 'raw' ? 'raw (Ethernet frames on AF_PACKET with PACKET_QDISC_BYPASS to the gateway MAC' : 'send (UDP socket'}, sendmmsg, 256 a call) of ${UDP_PAYLOAD}-byte datagrams (64-byte frames on the wire) for ${trialSeconds} s, counted by udp-blast sink (recvmmsg) in B; first trial at ${MAX_PPS} pps gives the sender ceiling, then binary search on [0, ceiling], ${trials} trials per topology, M and K alternated; zero loss = sent - received == 0`,
        cpus,
        seconds,
        sender: senderKind,
        trialSeconds,
        trials,
      },
      targets: [
        {
          what: 'TCP Gbit/s (M)',
          goal: `>= ${TARGETS.tcpGbps}`,
          value: T('M').receiverGbps,
          met: T('M').receiverGbps >= TARGETS.tcpGbps,
        },
        {
          what: '64-byte UDP zero-loss kpps (M, sent)',
          goal: `>= ${TARGETS.udpKpps}`,
          value: sig(kpps(udpBest('M')?.sentPps)),
          met: kpps(udpBest('M')?.sentPps) >= TARGETS.udpKpps,
        },
        {
          what: 'added latency µs (median M - median K)',
          goal: `<= ${TARGETS.addedLatencyUs}`,
          value: addedUs,
          met: addedUs <= TARGETS.addedLatencyUs,
        },
        {
          what: 'added latency µs at 1 ms spacing (median M - median K)',
          goal: `<= ${TARGETS.addedLatencyUs}`,
          value: addedWarmUs,
          met: addedWarmUs <= TARGETS.addedLatencyUs,
        },
      ],
      tcp: {
        M: T('M'),
        K: T('K'),
        ratio: sig(ratio(T('M').receiverGbps, T('K').receiverGbps)),
      },
      ping: pingJson(rtt),
      ping1ms: pingJson(rttWarm),
      addedLatencyUs: addedUs,
      addedLatency1msUs: addedWarmUs,
      ...(busy
        ? { busyPoll: { ...busy, addedLatencyUs: addedP, addedLatency1msUs: addedWarmP, tcp: T('P'), udp: U('P') } }
        : {}),
      udp: Object.fromEntries([...udp].map(([id, u]) => [id, u])),
      mpstack: { deltas: mpAll, netstatM, exitCode: code, summary },
      elapsedS: sig(elapsedS),
    });
    return { suite: 'links', text, jsonPath };
  } finally {
    await cleanup.run();
  }
}

if (isMain(import.meta.url)) {
  try {
    const r = await runLinks(parseArgs(process.argv.slice(2)));
    console.log(`${r.text}\nresults: ${r.jsonPath}`);
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
}
