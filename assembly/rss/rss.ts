// Receive-side scaling as the NIC does it: pick the hash input from the frame (IPv4/IPv6 2-tuple,
// or 4-tuple with TCP ports, and UDP ports where the interface enables it), Toeplitz-hash it with
// the interface's key and map the hash through the 128-entry indirection table to a queue.
// Fragments hash on addresses only, so every fragment of a datagram lands on the same queue.
// TS twin: ts/kernels/rss/rss.ts.
//
// Reads: PD_BUF, PD_LEN, PD_RXIF (the physical port), ifnet (IF_RSSTAB, IF_RETA, IF_FLAGS).
// Writes: PD_RSS, PD_QUEUE, PD_HTYPE.

import {
  CTX_PD,
  CTX_IFNET,
  CTX_NIF,
  CTX_SCRATCH,
  PD_SIZE,
  PD_BUF,
  PD_LEN,
  PD_RXIF,
  PD_RSS,
  PD_QUEUE,
  PD_HTYPE,
  IF_SIZE,
  IF_FLAGS,
  IF_RSSTAB,
  IF_RETA,
  IFF_RSS_UDP4,
  IFF_RSS_UDP6,
  RETA_SIZE,
  HT_NONE,
  HT_IPV4,
  HT_TCP4,
  HT_UDP4,
  HT_IPV6,
  HT_TCP6,
  HT_UDP6,
  MAX_FRAME,
} from '../layout';
import { ld8, ld16, ld16be, ld32, st8, st16, st32 } from '../util/mem';
import { toe_hash } from './toeplitz';

/** Computes RSS hash, type and queue for descriptors [0, n) of the context's batch. */
export function rss_batch(ctx: usize, n: u32): void {
  const pd0 = <usize>ld32(ctx + CTX_PD);
  for (let i: u32 = 0; i < n; i++) rss_one(ctx, pd0 + <usize>i * PD_SIZE);
}

function rss_one(ctx: usize, pd: usize): void {
  st32(pd + PD_RSS, 0);
  st16(pd + PD_QUEUE, 0);
  st8(pd + PD_HTYPE, HT_NONE);
  const len = ld16(pd + PD_LEN);
  const rxif = ld16(pd + PD_RXIF);
  if (len < 14 || len > <u32>MAX_FRAME || rxif == 0 || rxif >= ld32(ctx + CTX_NIF)) return;
  const ifp = <usize>ld32(ctx + CTX_IFNET) + <usize>rxif * IF_SIZE;
  const tab = <usize>ld32(ifp + IF_RSSTAB);
  if (tab == 0) return;
  const buf = <usize>ld32(pd + PD_BUF);
  let et = ld16be(buf + 12);
  let l3off: u32 = 14;
  if (et == 0x8100) {
    if (len < 18) return;
    et = ld16be(buf + 16);
    l3off = 18;
  }
  const l3 = buf + l3off;
  const l3len = len - l3off;
  const sc = ctx + CTX_SCRATCH;
  const flags = ld32(ifp + IF_FLAGS);
  let nin: u32 = 0;
  let ht: u32 = HT_NONE;
  if (et == 0x0800 && l3len >= 20 && ld8(l3) >> 4 == 4) {
    const hlen = (ld8(l3) & 15) << 2;
    store<u64>(sc, load<u64>(l3 + 12));
    nin = 8;
    ht = HT_IPV4;
    if ((ld16be(l3 + 6) & 0x3fff) == 0 && hlen >= 20 && l3len >= hlen + 4) {
      const proto = ld8(l3 + 9);
      if (proto == 6 || (proto == 17 && flags & IFF_RSS_UDP4)) {
        store<u32>(sc + 8, load<u32>(l3 + hlen));
        nin = 12;
        ht = proto == 6 ? HT_TCP4 : HT_UDP4;
      }
    }
  } else if (et == 0x86dd && l3len >= 40 && ld8(l3) >> 4 == 6) {
    memory.copy(sc, l3 + 8, 32);
    nin = 32;
    ht = HT_IPV6;
    const nxt = ld8(l3 + 6);
    if (l3len >= 44 && (nxt == 6 || (nxt == 17 && flags & IFF_RSS_UDP6))) {
      store<u32>(sc + 32, load<u32>(l3 + 40));
      nin = 36;
      ht = nxt == 6 ? HT_TCP6 : HT_UDP6;
    }
  }
  if (nin == 0) return;
  const h = toe_hash(tab, sc, nin);
  st32(pd + PD_RSS, h);
  st16(pd + PD_QUEUE, ld8(<usize>ld32(ifp + IF_RETA) + <usize>(h & (RETA_SIZE - 1))));
  st8(pd + PD_HTYPE, ht);
}
