// One worker CPU of the multi-CPU engine: a worker thread with its own instance of the WASM
// module (or the TS twin) over the one shared memory. It services the interrupt vectors bound to it
// (intrctl affinity, read from shared memory every pass):
//
//   "hardware"   the queue's traffic source receives frames into the RX ring's clusters (rxr_fill:
//                the NIC's DMA, with each template's RSS hash in the descriptor, as a NIC writes
//                it); the NIC sends what was posted to its TX rings at once. A real link's driver
//                writes no hash: its frames are hashed in software (rss_batch) before the pipeline
//   hard intr    txeof: the queue's TX ring is reclaimed (txr_reclaim); the vector's per-CPU
//                interrupt count goes up; done RX slots go onto this CPU's pktq (rxr_intr), each
//                slot refilled with a fresh cluster (rxr_intr_softint: with the softint's first
//                dequeue, straight into its batch when the pktq was empty)
//   softint      runs as the interrupt returns: the pktq a batch at a time through the pipeline
//                (fwd_batch, the stack's work, timed apart), then tx_post hands what it sent to the
//                output interfaces' TX rings and frees what it did not
//   poll mode    the interrupt stays masked; the CPU takes done RX slots straight into a batch
//                (rxr_poll: no pktq, as in the talk's poll mode), up to a budget of batches
//   neighbors    between batches, what the control plane handed this CPU on its down ring (the
//                neighbor cache's requests, released packets, give-up errors: nev_down_drain), sent
//                like a batch of its own; the pipeline posts misses and learn events up (nev.ts)
//
// Clusters move by address only (the path and the pool: MB_* in assembly/layout/buffers.ts).
//
// Only the vector's owner touches its queue state, so moving a vector between CPUs loses nothing
// (see the handoff protocol in assembly/layout/machine.ts, VT_*).
//
// Runtime-neutral: cpuRun needs only the shared memory and Atomics.wait (allowed on worker threads
// and in Web Workers). Its thread entries: cpu-thread.ts (Node worker_threads), ts/web/cpu-thread-web.ts
// (a browser's Web Worker).
import {
  PD_SIZE,
  PD_PATH,
  PD_NH,
  NH_SIZE,
  NH_FLAGS,
  NHF_VALID,
  PATH_FAST,
  PATH_NORMAL,
  VT_SIZE,
  VT_MODE,
  VT_BUDGET,
  VTM_POLL,
  QS_LIMIT,
  VT_CPU,
  VT_OWNER,
  VT_FLAGS,
  VT_COUNTS,
  VTF_DISABLED,
  QS_SIZE,
  QS_COUNT,
  QS_RATE,
  QS_TOKENS,
  QS_FRAMES,
  QS_RXR,
  QS_TXR,
  QS_FLAGS,
  QSF_PACED,
  QSF_LINK,
  QSF_GENTHREAD,
  RXR_HW,
  RXR_SW,
  RXR_NSLOT,
  RXR_POLLER,
  MP_STOP,
  MP_RUNNING,
  MP_DOORBELL,
  MP_TXBELL,
  MP_TAPS,
  CTX_POOL,
  PD_TXIF,
  IF_SIZE,
  IF_MTU,
  NEVR_HEAD,
  NEVR_TAIL,
  CTX_NTX,
  PRB_IF,
  TXR_HEAD,
  TXR_TAIL,
  TXR_LINK,
  TXR_SENT,
} from '../../assembly/layout.js';
import { type KernelImpl, makeKernels } from '../stack/kernels.js';
import type { Layout } from '../stack/memory-plan.js';
import { tapRecordRx, tapRecordTx } from './capture-ring.js';
import { makeWire } from './gen-wire.js';

export interface CpuWorkerData {
  memory: WebAssembly.Memory;
  layout: Layout;
  cpu: number;
  engine: KernelImpl;
  batch: number;
  mp: number; // control block
  vt: number; // vector table
  qs: number; // queue states (one per vector)
  nvec: number;
  stats: number; // per-CPU f64[8]: stack ns, nic ns, batches, idle waits, longest batch ns, longest gap between batches ns, source ns (part of nic ns)
  hist: number; // per-CPU u32[32]: batches by fwd_batch duration, log2 buckets of ns
  psz: number; // the pserialize domain every batch is a read section of
  /** stress mode: after each batch, check every forwarded frame's nexthop is live (not freed or poisoned) */
  verify: boolean;
  violations: number; // per-CPU u32 counter of frames forwarded with a dead nexthop
  /** this CPU's capture ring of every tap, by its MP_TAPS bit (capture-ring.ts): recordings, then live captures */
  taps: number[];
  pool: number; // the cluster pool (MB_*)
  pktq: number; // this CPU's pktq (PQ_*)
  txmap: number; // TX rings by ifindex (TXM_*)
  /** the ring the control plane sends this CPU frames by (ARP/ND solicitations, released packets, give-up errors); 0: none */
  nevDown: number;
  /** some interface is a real link: a CPU that posted frames rings MP_TXBELL to wake the links' drivers */
  links: boolean;
  /** the RFC 2544 bench's per-flow accounting (PRB_*, flow-probe.ts): its frames stamped and counted while armed; 0: none */
  probe: number;
  /**
   * the real links' TX rings: a CPU whose posts moved one's head notifies that word, so the one
   * driver thread blocked on it (tap-tx-thread-node.ts) wakes, and no other
   */
  linkTx: number[];
  /** the RX ring and queue state of each linkTx ring's queue (ring 0: none) */
  linkRx: { ring: number; qs: number }[];
  /**
   * busy polling (engine.busy_poll_us, 0: off): for this many µs after its last work the CPU keeps
   * polling its queues and reads its real links' devices itself (cpuRun's `rxPoll`) instead of sleeping
   */
  busyPollUs: number;
}

/**
 * Runs CPU d.cpu until the engine sets MP_STOP; calls `done` once it has given up its queues.
 * `txDirect(i)`, from a host that can (ts/host/tap-direct-tx.ts): the link TX ring d.linkTx[i] just
 * got frames; true when it sent them itself, so the ring's driver thread need not be woken.
 * `idleSpinMs`: after work, how long the CPU keeps polling its queues before it sleeps on the
 * doorbell (a frame that arrives meanwhile, a reply to what it just sent, costs no wake-up).
 * `rxPoll(i)`, from a host that can (tapBusyPoll): reads link d.linkRx[i]'s device now into its RX
 * ring, returns the frames placed; called while spinning, for the links whose vector this CPU owns
 * (one owner per vector: no two CPUs read one device), so a frame that arrives in the window costs
 * neither the link thread's wake-up nor this CPU's, as Linux's busy_poll and DPDK's poll mode.
 */
export function cpuRun(
  d: CpuWorkerData,
  done: () => void,
  txDirect?: (i: number) => boolean,
  idleSpinMs = 0,
  rxPoll?: (i: number) => number,
): void {
  const k = makeKernels(d.engine, d.memory);
  const buf = d.memory.buffer;
  const i32 = new Int32Array(buf);
  const dv = new DataView(buf);
  const u8 = new Uint8Array(buf);
  const st = new Float64Array(buf, d.stats + d.cpu * 64, 8);
  const hist = new Uint32Array(buf, d.hist + d.cpu * 128, 32);
  let lastEnd = 0;
  const cpu = d.layout.cpu[d.cpu]!;
  const ctx = cpu.ctx;
  const batch = d.batch;
  const me = d.cpu + 1;
  // this CPU's cluster cache (the pipeline's free stack): a batch's worth at hand for fragments and ICMP errors
  const fs = cpu.free;
  dv.setUint32(fs, 0, true);
  dv.setUint32(ctx + CTX_POOL, d.pool, true); // fragments and ICMP errors refill it from the pool too
  k.pool_balance(fs, d.pool, batch);
  Atomics.add(i32, (d.mp + MP_RUNNING) >> 2, 1);

  const u32 = (p: number) => dv.getUint32(p, true);
  const txBell = (d.mp + MP_TXBELL) >> 2;
  const tapsWord = (d.mp + MP_TAPS) >> 2;
  const linkHeads = d.linkTx.map((r) => (r + TXR_HEAD) >> 2);
  const notifiedHead = linkHeads.map((h) => Atomics.load(i32, h));
  /**
   * After tx_post: wake the links' drivers if it posted anything (they send from the TX rings,
   * link-port.ts): the doorbell for those that wait on any post, each ring whose head moved for the
   * thread that waits on that ring alone.
   */
  const rangTx = (posted: number) => {
    if (posted === 0 || !d.links) return;
    Atomics.add(i32, txBell, 1);
    Atomics.notify(i32, txBell);
    for (let r = 0; r < linkHeads.length; r++) {
      const head = Atomics.load(i32, linkHeads[r]!);
      if (head === notifiedHead[r]) continue;
      notifiedHead[r] = head;
      if (txDirect?.(r)) continue;
      Atomics.notify(i32, linkHeads[r]!);
    }
  };
  // Still inside this batch's read section: every nexthop a forwarded frame used must still be
  // live. A writer that freed before its perform returned shows up here.
  // And the interface it went out on must not have been freed (a destroyed vlan's slot is zeroed
  // only after a grace period: its MTU reads 0 once it is).
  const nhBase = d.layout.nexthop;
  const nhCap = d.layout.sizes.nexthops;
  const ifBase = d.layout.ifnet;
  const verifyBatch = (n: number) => {
    for (let i = 0; i < n; i++) {
      const pd = cpu.pd + i * PD_SIZE;
      const path = dv.getUint8(pd + PD_PATH);
      if (path !== PATH_FAST && path !== PATH_NORMAL) continue;
      const nh = u32(pd + PD_NH);
      if (
        nh === 0 ||
        nh >= nhCap ||
        (u32(nhBase + nh * NH_SIZE + NH_FLAGS) & NHF_VALID) === 0 ||
        u32(ifBase + dv.getUint16(pd + PD_TXIF, true) * IF_SIZE + IF_MTU) === 0
      ) {
        Atomics.add(i32, (d.violations + d.cpu * 4) >> 2, 1);
      }
    }
  };
  /**
   * The softint's work on descriptors [0, n): the pipeline, then the TX rings. `t0`: when the NIC
   * work began; `soft`: the frames came without the NIC's hash (a real link), hash them here.
   * Returns when the pipeline ended: the NIC time from there on (tx_post, the cache) is counted by
   * the next batch's, whose NIC work begins there (a clock read costs 40-150 ns here: one less a
   * batch). Called inside the read section its caller entered before taking the frames; it leaves
   * it once they are on the TX rings.
   */
  const runBatch = (n: number, now: number, nowMs: number, t0: number, lineRate: boolean, soft: boolean) => {
    if (soft) k.rss_batch(ctx, n);
    let t1 = performance.now();
    // the softint's batch is one pserialize read section: what it reaches (routes, nexthops, FIB
    // groups, neighbors) a writer may unpublish, but not free until this section has ended; so are
    // the taps (capture-ring.ts): one load when nobody listens, and a tap disarmed before this
    // section began is not written. The section runs from taking the frames off the RX ring or the
    // pktq to posting them on the TX rings, so a grace period also waits for frames in a CPU's hands
    // (a trial's drain counts on it: a frame taken but not yet posted is in no ring)
    const taps = Atomics.load(i32, tapsWord);
    if (taps !== 0) {
      tapRecordRx(i32, dv, u8, d.taps, taps, cpu.pd, n, nowMs); // as received, before fwd_batch rewrites them
      t1 = performance.now(); // a tap's copies are NIC time (bpf in the driver), not the stack's
    }
    const ntx = k.fwd_batch(ctx, n, now);
    const t2 = performance.now();
    if (d.probe !== 0 && u32(d.probe + PRB_IF) !== 0)
      k.probe_tx(d.probe, cpu.tx, ntx, d.cpu, Math.floor((performance.timeOrigin + t2) * 1000) >>> 0);
    if (d.verify) verifyBatch(n);
    if (taps !== 0) tapRecordTx(i32, dv, u8, d.taps, taps, cpu.tx, ntx, nowMs);
    rangTx(k.tx_post(ctx, n, d.txmap, d.cpu, d.pool));
    k.psz_read_exit(d.psz, d.cpu);
    k.pool_balance(fs, d.pool, batch);
    st[0]! += (t2 - t1) * 1e6;
    st[1]! += (t1 - t0) * 1e6;
    st[2]! += 1;
    st[4] = Math.max(st[4]!, (t2 - t1) * 1e6);
    hist[31 - Math.clz32(Math.max(1, Math.round((t2 - t1) * 1e6)))]!++;
    if (lastEnd !== 0 && lineRate) st[5] = Math.max(st[5]!, (t1 - lastEnd) * 1e6); // a stall shows at line rate only
    lastEnd = t2;
    return t2;
  };
  // the wire (gen-wire.ts): a generated queue's source, this CPU being its NIC (the inline generator)
  // (the source's copy, a real NIC's DMA and free for the CPU, timed apart within the NIC time: st[6])
  const wire = makeWire(k, dv, batch, d.qs, d.probe, false, (ns) => {
    st[6]! += ns;
  });
  /** Whether TX ring r holds frames its NIC has sent (txr_reclaim's racy peek, without the call). */
  const txSent = (r: number): boolean =>
    (u32(r + TXR_LINK) !== 0 ? Atomics.load(i32, (r + TXR_SENT) >> 2) : Atomics.load(i32, (r + TXR_HEAD) >> 2)) !==
    Atomics.load(i32, (r + TXR_TAIL) >> 2);
  /**
   * One interrupt (or, in poll mode, one poll turn) of vector v: txeof, then what the wire brought.
   * `tPrev`: the clock as the work before ended, when this CPU has been busy since (its NIC time
   * goes on from there), else 0. Returns the clock when its work ended (a pipeline's end, see
   * runBatch), or 0 when it found none. A queue with nothing to reclaim, no traffic source of this
   * CPU's and nothing received reads no clock: most of a pass's queues are like that, and a clock
   * read costs 40-150 ns on this machine.
   */
  const service = (v: number, vt: number, poll: boolean, first: boolean, tPrev: number): number => {
    const qs = d.qs + v * QS_SIZE;
    const txr = u32(qs + QS_TXR);
    const rxr = u32(qs + QS_RXR);
    const reclaim = txr !== 0 && (!poll || first) && txSent(txr);
    // a traffic source this CPU is the NIC of (not a real link's or the generator thread's: their
    // driver places what arrives itself, link-port.ts's protocol)
    const wired = rxr !== 0 && u32(qs + QS_COUNT) !== 0 && (u32(qs + QS_FLAGS) & (QSF_LINK | QSF_GENTHREAD)) === 0;
    if (!reclaim && !wired && (rxr === 0 || Atomics.load(i32, (rxr + RXR_HW) >> 2) === u32(rxr + RXR_SW))) return 0;
    const t0 = tPrev !== 0 ? tPrev : performance.now();
    const nowMs = performance.timeOrigin + t0;
    const now = Math.floor(nowMs) >>> 0;
    const sent = reclaim ? k.txr_reclaim(txr, fs, d.pool, d.cpu) : 0;
    // what the wire brought now, and what an earlier pass left in the ring (a wire that brought more
    // than a batch, a trial stopped early): the driver takes done slots whenever there are some
    if (wired) wire.receive(qs, rxr, poll, nowMs); // up to a batch, as its line allows
    const arrived = rxr !== 0 ? (Atomics.load(i32, (rxr + RXR_HW) >> 2) - u32(rxr + RXR_SW)) >>> 0 : 0;
    if (sent === 0 && arrived === 0) return 0;
    if (first || !poll) dv.setUint32(vt + VT_COUNTS + d.cpu * 4, u32(vt + VT_COUNTS + d.cpu * 4) + 1, true); // the interrupt
    if (arrived === 0) {
      // txeof alone (the sink's queues: where the frames went out) is the driver's time too
      const t1 = performance.now();
      st[1]! += (t1 - t0) * 1e6;
      return t1;
    }
    const lineRate = u32(qs + QS_RATE) === 0;
    const soft = (u32(qs + QS_FLAGS) & QSF_LINK) !== 0;
    if (poll) {
      k.psz_read_enter(d.psz, d.cpu);
      const n = k.rxr_poll(ctx, rxr, d.pool, batch);
      if (n > 0) return runBatch(n, now, nowMs, t0, lineRate, soft);
      k.psz_read_exit(d.psz, d.cpu);
      return t0;
    }
    // hard interrupt: onto the pktq; the softint runs as it returns, a batch at a time until the pktq
    // is empty (the interrupt and its first dequeue in one call: straight into the batch when the
    // pktq was empty, see rxr_intr_softint)
    let tb = t0;
    k.psz_read_enter(d.psz, d.cpu);
    for (let n = k.rxr_intr_softint(ctx, rxr, d.pktq, d.pool, batch); n > 0; n = k.pktq_dequeue(ctx, d.pktq, batch)) {
      tb = runBatch(n, now, nowMs, tb, lineRate, soft); // leaves the section
      k.psz_read_enter(d.psz, d.cpu);
    }
    k.psz_read_exit(d.psz, d.cpu);
    return tb;
  };
  /**
   * How long this CPU may nap while queue state `qs`'s generated wire runs: the NIC lives on this CPU,
   * so frames that fall due while it naps wait for it, and those beyond the RX ring's room are missed
   * (RXR_MISSED), which no real NIC would do for a sleeping CPU. So it naps no longer than half the
   * ring takes to fill at the wire's rate. Infinity: no wire running (no generator, or all sent).
   */
  const wireNapMs = (qs: number): number => {
    // the generator thread's queue: it rings the doorbell when it placed frames
    if (u32(qs + QS_COUNT) === 0 || (u32(qs + QS_FLAGS) & QSF_GENTHREAD) !== 0) return Infinity;
    if ((u32(qs + QS_FLAGS) & QSF_PACED) !== 0) {
      if ((u32(qs + QS_FRAMES) - u32(qs + QS_LIMIT)) >>> 0 >= u32(qs + QS_TOKENS)) return Infinity; // trial over
    } else {
      const limit = u32(qs + QS_LIMIT);
      if (limit !== 0 && Number(dv.getBigUint64(qs + QS_FRAMES, true)) >= limit) return Infinity;
    }
    const rate = u32(qs + QS_RATE);
    return rate === 0 ? 0 : (500 * u32(u32(qs + QS_RXR) + RXR_NSLOT)) / rate;
  };
  // the vector of each link's RX queue (queue states are indexed by vector), for the busy poll
  const linkVec = d.linkRx.map((q) => (q.ring === 0 ? -1 : (q.qs - d.qs) / QS_SIZE));
  // each link's RX ring's poller word (RXR_POLLER), and whether this CPU set it: while set, the link's
  // RX thread does not watch the device (tap-thread-node.ts), so this CPU must read it until it clears it
  const pollerWord = d.linkRx.map((q) => (q.ring + RXR_POLLER) >> 2);
  const polling = d.linkRx.map(() => false);
  let pollingAny = false;
  /** Hands link i's device back to its RX thread: clears the word (if still ours) and wakes the thread. */
  const unpoll = (i: number) => {
    polling[i] = false;
    Atomics.compareExchange(i32, pollerWord[i]!, me, 0);
    Atomics.notify(i32, pollerWord[i]!);
  };
  /** Busy poll: reads the devices of the links whose vector this CPU owns, now. */
  const pollLinks = () => {
    for (let i = 0; i < linkVec.length; i++) {
      const v = linkVec[i]!;
      if (v < 0) continue;
      if (Atomics.load(i32, (d.vt + v * VT_SIZE + VT_OWNER) >> 2) !== me) {
        if (polling[i]) unpoll(i); // the vector moved on: its new owner polls, or the RX thread reads
        continue;
      }
      if (!polling[i]) {
        // before the read: a frame that comes after it is this CPU's to read on its next pass
        Atomics.store(i32, pollerWord[i]!, me);
        polling[i] = pollingAny = true;
      }
      rxPoll!(i);
    }
  };
  /** The window ended: every device back to its RX thread (no frame waits for a CPU that sleeps). */
  const unpollAll = () => {
    for (let i = 0; i < polling.length; i++) if (polling[i]) unpoll(i);
    pollingAny = false;
  };
  /** Naps shorter than this are not worth a sleep (the kernel's timer slack alone is 50 us): poll on. */
  const MIN_NAP_MS = 0.2;
  let lastWorked = 0;
  // the clock as this CPU's last work ended, while it has not napped since (0: read it afresh):
  // the next queue's NIC time goes on from there
  let clock = 0;
  while (Atomics.load(i32, (d.mp + MP_STOP) >> 2) === 0) {
    const bell = Atomics.load(i32, (d.mp + MP_DOORBELL) >> 2);
    let worked = false;
    let napMs = 1;
    for (let v = 0; v < d.nvec; v++) {
      const vt = d.vt + v * VT_SIZE;
      const bound = u32(vt + VT_CPU);
      const mine = bound === d.cpu && (u32(vt + VT_FLAGS) & VTF_DISABLED) === 0;
      const ownerIdx = (vt + VT_OWNER) >> 2;
      const owner = Atomics.load(i32, ownerIdx);
      if (owner === me && !mine) {
        Atomics.store(i32, ownerIdx, 0);
        continue;
      } // hand the queue over
      if (!mine) continue;
      if (owner !== me && Atomics.compareExchange(i32, ownerIdx, 0, me) !== 0) continue; // previous owner still finishing
      // interrupt mode: one batch per interrupt; poll mode: the interrupt stays masked while this
      // CPU takes up to `budget` batches in a row, then moves on to its other queues and to the
      // stop/affinity checks (each batch is its own read section, so writers never wait on a poll)
      const poll = u32(vt + VT_MODE) === VTM_POLL;
      const turns = poll ? u32(vt + VT_BUDGET) : 1;
      for (let t = 0; t < turns; t++) {
        const end = service(v, vt, poll, t === 0, clock);
        if (end === 0) break;
        clock = end;
        worked = true;
      }
      napMs = Math.min(napMs, wireNapMs(d.qs + v * QS_SIZE));
    }
    // what the control plane handed this CPU to send (the neighbor cache's frames): between batches,
    // as a batch of its own on descriptor 0, inside a read section (give-up errors look up routes)
    if (d.nevDown !== 0 && u32(d.nevDown + NEVR_TAIL) !== Atomics.load(i32, (d.nevDown + NEVR_HEAD) >> 2)) {
      const nowMs = performance.timeOrigin + performance.now();
      k.psz_read_enter(d.psz, d.cpu);
      const one = k.nev_down_drain(ctx, d.nevDown, batch, Math.floor(nowMs) >>> 0);
      const taps = one !== 0 ? Atomics.load(i32, tapsWord) : 0;
      if (taps !== 0) tapRecordTx(i32, dv, u8, d.taps, taps, cpu.tx, u32(ctx + CTX_NTX), nowMs);
      if (one !== 0) rangTx(k.tx_post(ctx, 1, d.txmap, d.cpu, d.pool));
      k.psz_read_exit(d.psz, d.cpu);
      if (one !== 0) {
        k.pool_balance(fs, d.pool, batch);
        worked = true;
      }
    }
    // idle: nap until rung, or 1 ms, or until a generated wire of ours would raise its interrupt
    if (!worked) clock = 0; // what follows is idle time (a spin, a nap), no NIC time
    // busy polling: the devices are read on every pass of the window, busy or idle (while this CPU
    // polls them their RX threads do not: a CPU that only polled when idle would leave them unread
    // under load); what it placed is serviced on the next pass
    if (worked) {
      lastWorked = idleSpinMs > 0 ? performance.now() : 0;
      if (rxPoll !== undefined) pollLinks();
    } else if (lastWorked !== 0 && performance.now() - lastWorked < idleSpinMs) {
      if (rxPoll !== undefined) pollLinks();
      continue;
    } else if (pollingAny) unpollAll();
    if (!worked && napMs >= MIN_NAP_MS) {
      st[3]! += 1;
      Atomics.wait(i32, (d.mp + MP_DOORBELL) >> 2, bell, napMs);
    }
  }
  // drain: give up every queue this CPU owns, and every device it polled
  unpollAll();
  for (let v = 0; v < d.nvec; v++) Atomics.compareExchange(i32, (d.vt + v * VT_SIZE + VT_OWNER) >> 2, me, 0);
  Atomics.sub(i32, (d.mp + MP_RUNNING) >> 2, 1);
  done();
}
