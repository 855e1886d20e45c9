// The `gen` driver's wire: how many frames of a queue's traffic source fell due (its rate, a trial's
// pacing, interrupt moderation) and putting them into the queue's RX ring as its NIC (rxr_place, the
// template's RSS hash in the descriptor; the per-flow probe stamp when armed). Used by whoever is that
// queue's NIC: the worker CPU that services it (cpu-loop.ts, the inline generator) or the generator
// thread (gen-loop.ts). Runtime-neutral, like both of them.
import {
  QS_SINCE,
  QS_MOD_FRAMES,
  QS_MOD_USECS,
  QS_LIMIT,
  QS_SIZE,
  QS_TMPL,
  QS_COUNT,
  QS_LEN,
  QS_STRIDE,
  QS_SEQ,
  QS_RATE,
  QS_TOKENS,
  QS_LAST,
  QS_FRAMES,
  QS_BYTES,
  QS_FLAGS,
  QSF_PACED,
  QS_HASHES,
  RXR_HW,
  RXR_SW,
  RXR_NSLOT,
  PRB_IF,
} from '../../assembly/layout.js';
import type { Kernels } from '../stack/kernels.js';

export interface Wire {
  /**
   * Up to `batch` frames from queue state qs's source into RX ring rxr, as its line allows (`poll`:
   * the vector is in poll mode, no interrupt moderation). Returns how many it made.
   */
  receive(qs: number, rxr: number, poll: boolean, nowMs: number): number;
}

/**
 * `qs0`: the first queue state (a queue's number for the probe is its index from there); `probe`:
 * the per-flow accounting (PRB_*), 0 for none. `ringBound`: a paced trial at rate 0 ("as fast as the
 * CPU takes them") makes no more than the ring has room for, so it misses nothing (the generator
 * thread, which runs beside the CPU; inline, the CPU drains between passes anyway).
 */
export function makeWire(
  k: Pick<Kernels, 'rxr_place' | 'probe_stamp'>,
  dv: DataView,
  batch: number,
  qs0: number,
  probe: number,
  ringBound = false,
  /**
   * told the ns the copies into the RX rings took (the engine's source time, cpuTimes().sourceNs):
   * one copy in COPY_SAMPLE is timed, for the frames placed since the last timed one (two clock
   * reads a copy cost 0.3-0.5 ns a frame here, about the copy's own tenth)
   */
  onCopy?: (ns: number) => void,
): Wire {
  const i32 = new Int32Array(dv.buffer);
  const u32 = (p: number) => dv.getUint32(p, true);
  /** Adds x to the u64 counter at p (in two u32 halves: no BigInt on a path taken every batch). */
  const add64 = (p: number, x: number) => {
    const lo = u32(p) + x;
    dv.setUint32(p, lo >>> 0, true);
    if (lo > 0xffffffff) dv.setUint32(p + 4, u32(p + 4) + Math.floor(lo / 0x100000000), true);
  };
  // 7: prime to the queue count of a pass (mp.ts has 4), so the timed copies go round the queues
  const COPY_SAMPLE = 7;
  let copies = 0;
  let untimed = 0; // frames placed since the last timed copy
  /** n frames onto the wire of queue state qs: into its RX ring (those without room missed), counted as made. */
  const produce = (qs: number, rxr: number, n: number): number => {
    const count = u32(qs + QS_COUNT);
    const seq = u32(qs + QS_SEQ);
    const tmpl = u32(qs + QS_TMPL);
    const stride = u32(qs + QS_STRIDE);
    const fixed = u32(qs + QS_LEN);
    const hw0 = u32(rxr + RXR_HW);
    // placed, stamped, then published (release): a consumer on another thread never sees a slot unstamped
    const timed = onCopy !== undefined && ++copies === COPY_SAMPLE;
    const tc = timed ? performance.now() : 0;
    const filled = k.rxr_place(rxr, n, tmpl, stride, count, fixed, seq, u32(qs + QS_HASHES));
    untimed += filled;
    if (timed) {
      copies = 0;
      // scaled to every frame placed since the last timed copy (a copy's time goes with its frames)
      if (filled !== 0) {
        onCopy((performance.now() - tc) * 1e6 * (untimed / filled));
        untimed = 0;
      }
    }
    // an armed probe (the RFC 2544 bench's per-flow accounting): the trial's frames stamped with their queue, number and time
    if (probe !== 0 && u32(probe + PRB_IF) !== 0 && (u32(qs + QS_FLAGS) & QSF_PACED) !== 0) {
      const us = Math.floor((performance.timeOrigin + performance.now()) * 1000) >>> 0;
      const j0 = (u32(qs + QS_FRAMES) - u32(qs + QS_LIMIT)) >>> 0;
      k.probe_stamp(rxr, hw0, filled, (qs - qs0) / QS_SIZE, j0, us);
    }
    Atomics.store(i32, (rxr + RXR_HW) >> 2, (hw0 + filled) | 0);
    let bytes = fixed !== 0 ? n * (fixed + 4) : 0; // + FCS: bytes on the wire
    if (fixed === 0)
      for (let i = 0, t = seq % count; i < n; i++, t = t + 1 === count ? 0 : t + 1) bytes += u32(tmpl + t * stride) + 4;
    dv.setUint32(qs + QS_SEQ, (seq + n) % count, true);
    add64(qs + QS_FRAMES, n);
    add64(qs + QS_BYTES, bytes);
    return n;
  };
  const receive = (qs: number, rxr: number, poll: boolean, nowMs: number): number => {
    const count = u32(qs + QS_COUNT);
    if (count === 0) return 0;
    // the queue's line: how many frames arrived since the last pass (rate 0: a full batch every pass)
    let n = batch;
    if ((u32(qs + QS_FLAGS) & QSF_PACED) !== 0) {
      // a trial (QS_FLAGS in assembly/layout/machine.ts): what fell due on the wire since the trial
      // began, on this thread's microsecond clock; more than the RX ring holds is missed there
      const share = u32(qs + QS_TOKENS);
      const sent = (u32(qs + QS_FRAMES) - u32(qs + QS_LIMIT)) >>> 0;
      if (sent >= share) return 0;
      const rate = u32(qs + QS_RATE);
      if (rate === 0) {
        n = Math.min(batch, share - sent);
        if (ringBound) {
          n = Math.min(n, u32(rxr + RXR_NSLOT) - ((u32(rxr + RXR_HW) - Atomics.load(i32, (rxr + RXR_SW) >> 2)) >>> 0));
          if (n <= 0) return 0;
        }
      } else {
        const us = Math.floor(nowMs * 1000) >>> 0 || 1;
        let start = u32(qs + QS_LAST);
        if (start === 0) {
          start = us;
          dv.setUint32(qs + QS_LAST, us, true);
        }
        const due = Math.min(share, Math.floor((((us - start) >>> 0) * rate) / 1e6));
        n = due - sent;
        if (n <= 0) return 0;
        if (!poll) {
          const since = u32(qs + QS_SINCE);
          if (since === 0) dv.setUint32(qs + QS_SINCE, us, true);
          if (due < share && n < u32(qs + QS_MOD_FRAMES) && (us - (since || us)) >>> 0 < u32(qs + QS_MOD_USECS))
            return 0;
          dv.setUint32(qs + QS_SINCE, 0, true);
        }
      }
      return produce(qs, rxr, n);
    }
    const limit = u32(qs + QS_LIMIT);
    if (limit !== 0) {
      const left = limit - Number(dv.getBigUint64(qs + QS_FRAMES, true));
      if (left <= 0) return 0;
      n = Math.min(n, left);
    }
    const rate = u32(qs + QS_RATE);
    const now = Math.floor(nowMs) >>> 0;
    if (rate !== 0) {
      const el = (now - u32(qs + QS_LAST)) >>> 0;
      const tokens = Math.min(u32(qs + QS_TOKENS) + el * rate, batch * 1000);
      dv.setUint32(qs + QS_LAST, now, true);
      dv.setUint32(qs + QS_TOKENS, tokens, true);
      n = Math.min(n, Math.floor(tokens / 1000));
      if (n === 0) return 0;
      if (!poll) {
        // interrupt moderation: wait for `frames` frames, or until the oldest has waited `usecs`
        const us = Math.floor(nowMs * 1000) >>> 0 || 1;
        const since = u32(qs + QS_SINCE);
        if (since === 0) dv.setUint32(qs + QS_SINCE, us, true);
        if (n < u32(qs + QS_MOD_FRAMES) && (us - (since || us)) >>> 0 < u32(qs + QS_MOD_USECS)) return 0;
      }
      dv.setUint32(qs + QS_TOKENS, tokens - n * 1000, true);
      dv.setUint32(qs + QS_SINCE, 0, true);
    }
    return produce(qs, rxr, n);
  };
  return { receive };
}
