// NIC TX rings (layout: TXR_*, TXD_*, TXM_* in assembly/layout/buffers.ts): the stack posts what a batch
// transmits, and the CPU servicing a queue's vector reclaims what the NIC sent (txeof).
// TS twin: ts/kernels/nic/txring.ts.
//
// Every access holds the ring's lock (see the layout's protocol). A generated NIC sends a posted
// frame at once, so everything posted is reclaimable; a real link's only what its driver has sent
// (TXR_SENT, see txr_sent_end); a poster that finds a ring full
// reclaims it itself before giving up on a frame (drivers do the same when descriptors run low).
import {
  TXR_SIZE,
  TXR_LOCK,
  TXR_CONTENDED,
  TXR_NSLOT,
  TXR_HEAD,
  TXR_TAIL,
  TXR_DROPS,
  TXR_FRAMES,
  TXR_BYTES,
  TXR_LINK,
  TXR_SENT,
  TXD_SIZE,
  TXD_BUF,
  TXD_LEN,
  TXD_OFF,
  TXM_SIZE,
  TXM_RING,
  TXM_NRING,
  TXM_STRIDE,
  MB_BASE,
  CTX_PD,
  CTX_TX,
  CTX_FREE,
  PD_SIZE,
  PD_BUF,
  PD_NTX,
  PD_TXFIRST,
  TX_SIZE,
  TX_BUF,
  TX_LEN,
  TX_IF,
  BUF_SIZE,
  BUF_HEADROOM,
  MB_BULK,
} from '../layout';
import { ald32, ld16, ld32, st32 } from '../util/mem';
import { pool_drain, pool_put } from './mbuf';

@inline function txr_lock(r: usize, me: u32): void {
  while (atomic.cmpxchg<u32>(r + TXR_LOCK, 0, me) != 0) atomic.add<u32>(r + TXR_CONTENDED, 1);
}

@inline function txr_unlock(r: usize): void {
  atomic.store<u32>(r + TXR_LOCK, 0);
}

/** Where the frames the NIC has sent end: everything posted, or a real link's sent count (acquire). */
@inline function txr_sent_end(r: usize): u32 {
  return ld32(r + TXR_LINK) != 0 ? ald32(r + TXR_SENT) : ld32(r + TXR_HEAD);
}

/** With the lock held: frees the clusters of the frames the NIC has sent into `fs`. Returns how many. */
function txr_reclaim_locked(r: usize, fs: usize, pool: usize): u32 {
  const mask = ld32(r + TXR_NSLOT) - 1;
  const head = txr_sent_end(r);
  let tail = ld32(r + TXR_TAIL);
  const k = head - tail;
  let bytes: u64 = 0;
  // pool_put with the cache's count in a local (stored before a drain and at the end), each slot
  // in one load (TXD_SIZE is 8 bytes)
  let cnt = ld32(fs);
  const cap = ld32(fs + 4);
  if (cnt + k <= cap) {
    // room in the cache for them all (nearly always): a loop without the drain and the values it
    // needs, which V8 kept spilling (the same stores as the loop below; 0.9 ns a frame in mp.ts)
    for (; tail != head; tail++, cnt++) {
      const d = load<u64>(r + TXR_SIZE + <usize>(tail & mask) * TXD_SIZE);
      bytes += ((d >> (TXD_LEN * 8)) & 0xffff) + 4;
      store<u32>(fs + 8 + ((<usize>cnt) << 2), <u32>(d >> (TXD_BUF * 8)) - (<u32>(d >> (TXD_OFF * 8)) & 0xffff));
    }
  }
  for (; tail != head; tail++) {
    const d = load<u64>(r + TXR_SIZE + <usize>(tail & mask) * TXD_SIZE);
    bytes += ((d >> (TXD_LEN * 8)) & 0xffff) + 4; // + FCS: bytes on the wire
    if (cnt == cap) {
      st32(fs, cnt);
      pool_drain(fs, pool, MB_BULK);
      cnt -= MB_BULK;
    }
    store<u32>(fs + 8 + ((<usize>cnt) << 2), <u32>(d >> (TXD_BUF * 8)) - (<u32>(d >> (TXD_OFF * 8)) & 0xffff));
    cnt++;
  }
  st32(fs, cnt);
  st32(r + TXR_TAIL, tail);
  store<u64>(r + TXR_FRAMES, load<u64>(r + TXR_FRAMES) + k);
  store<u64>(r + TXR_BYTES, load<u64>(r + TXR_BYTES) + bytes);
  return k;
}

/** txeof for ring r on CPU `cpu` (its cache `fs`). Returns the frames reclaimed. */
export function txr_reclaim(r: usize, fs: usize, pool: usize, cpu: u32): u32 {
  if (txr_sent_end(r) == ld32(r + TXR_TAIL)) return 0; // a racy peek: a post it misses is reclaimed next time
  txr_lock(r, cpu + 1);
  const k = txr_reclaim_locked(r, fs, pool);
  txr_unlock(r);
  return k;
}

/**
 * tx_post's common case: descriptors [i, end) forwarded in place (one entry, in their own cluster)
 * out of interface `ifx`, posted to ring `ring` from slot `head` on (the caller holds its lock and
 * checked it has room for them all). Returns the first descriptor it did not post (end when it
 * posted them all). Written apart so that the loop has one bound and no counters but i and head
 * (binaryen inlines it back; the loop's shape is what counts: 0.3-0.4 ns a frame in mp.ts).
 */
function tx_post_run(ring: usize, ifx: u32, mask: u32, head: u32, pd0: usize, tx0: usize, i: u32, end: u32): u32 {
  for (; i < end; i++, head++) {
    const pd = pd0 + <usize>i * PD_SIZE;
    if (ld16(pd + PD_NTX) != 1) break;
    const te = load<u64>(tx0 + <usize>ld32(pd + PD_TXFIRST) * TX_SIZE);
    if ((<u32>(te >> (TX_IF * 8)) & 0xffff) != ifx) break;
    const buf = <u32>(te >> (TX_BUF * 8));
    const off = buf - (ld32(pd + PD_BUF) - BUF_HEADROOM);
    if (off >= <u32>BUF_SIZE) break;
    const len = (te >> (TX_LEN * 8)) & 0xffff;
    store<u64>(
      ring + TXR_SIZE + <usize>(head & mask) * TXD_SIZE,
      ((<u64>buf) << (TXD_BUF * 8)) | (len << (TXD_LEN * 8)) | ((<u64>off) << (TXD_OFF * 8)),
    );
  }
  return i;
}

/**
 * After fwd_batch over descriptors [0, n) on CPU `cpu`: posts every tx entry to ring (cpu mod
 * rings) of its interface, and frees every received cluster no tx entry went out in (drops, local
 * deliveries, frames that became ICMP errors or fragments). An interface without rings, or a ring
 * still full after reclaiming, drops the frame (TXR_DROPS) and frees its cluster. Returns the
 * frames posted.
 */
export function tx_post(ctx: usize, n: u32, txmap: usize, cpu: u32, pool: usize): u32 {
  const fs = <usize>ld32(ctx + CTX_FREE);
  const pd0 = <usize>ld32(ctx + CTX_PD);
  const tx0 = <usize>ld32(ctx + CTX_TX);
  const base = <usize>ld32(pool + MB_BASE);
  let held: usize = 0; // the ring whose lock we hold
  let heldIf: u32 = 0xffffffff; // the interface `held` belongs to (0 rings: held stays 0)
  let size: u32 = 0,
    head: u32 = 0,
    tail: u32 = 0; // the held ring's, head written back when let go
  let posted: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (held != 0) {
      // the common case in a function of its own (see tx_post_run), while the held ring has room;
      // the first other frame takes the general way below
      const room = size - (head - tail);
      const j = tx_post_run(held, heldIf, size - 1, head, pd0, tx0, i, n - i < room ? n : i + room);
      head += j - i;
      posted += j - i;
      i = j;
      if (i == n) break;
    }
    const pd = pd0 + <usize>i * PD_SIZE;
    const cl = <usize>ld32(pd + PD_BUF) - BUF_HEADROOM;
    let kept = false;
    const first = ld32(pd + PD_TXFIRST);
    const end = first + ld16(pd + PD_NTX);
    for (let e = first; e < end; e++) {
      // the entry in one load and the slot in one store (TX_SIZE and TXD_SIZE are 8 bytes)
      const te = load<u64>(tx0 + <usize>e * TX_SIZE);
      const buf = <usize>(<u32>(te >> (TX_BUF * 8)));
      const len = <u64>(<u32>(te >> (TX_LEN * 8)) & 0xffff);
      // a forwarded frame is in its own cluster; fragments and ICMP errors in clusters of their own
      let off: u32;
      if (buf - cl < <usize>BUF_SIZE) {
        kept = true;
        off = <u32>(buf - cl);
      } else off = <u32>((buf - base) % <usize>BUF_SIZE);
      const ifx = <u32>(te >> (TX_IF * 8)) & 0xffff;
      if (ifx != heldIf) {
        if (held != 0) {
          st32(held + TXR_HEAD, head);
          txr_unlock(held);
        }
        held = 0;
        heldIf = ifx;
        const m = txmap + <usize>ifx * TXM_SIZE;
        const nr = ld32(m + TXM_NRING);
        if (nr != 0) {
          held = <usize>ld32(m + TXM_RING) + <usize>(cpu % nr) * ld32(m + TXM_STRIDE);
          txr_lock(held, cpu + 1);
          size = ld32(held + TXR_NSLOT);
          head = ld32(held + TXR_HEAD);
          tail = ld32(held + TXR_TAIL);
        }
      }
      if (held == 0) {
        pool_put(fs, pool, buf - off);
        continue;
      }
      if (head - tail >= size) {
        st32(held + TXR_HEAD, head);
        txr_reclaim_locked(held, fs, pool);
        tail = ld32(held + TXR_TAIL);
        if (head - tail >= size) {
          st32(held + TXR_DROPS, ld32(held + TXR_DROPS) + 1);
          pool_put(fs, pool, buf - off);
          continue;
        }
      }
      const s = held + TXR_SIZE + <usize>(head & (size - 1)) * TXD_SIZE;
      store<u64>(s, ((<u64>buf) << (TXD_BUF * 8)) | (len << (TXD_LEN * 8)) | ((<u64>off) << (TXD_OFF * 8)));
      head++;
      posted++;
    }
    if (!kept) pool_put(fs, pool, cl);
  }
  if (held != 0) {
    st32(held + TXR_HEAD, head);
    txr_unlock(held);
  }
  return posted;
}
