// Output side of the pipeline: Ethernet encapsulation (with an 802.1Q tag for vlan interfaces; by a
// member port for a bridge, bridge.ts),
// minimum-frame padding, the tx list and the free-cluster stack. TS twin: ts/kernels/forward/output.ts.
//
// Reads:  ifnet[txif] (MAC, flags, VID, parent), ctx tx list and free stack (and the pool behind it).
// Writes: the Ethernet header in front of the L3 packet (in place: the frame start moves within
//         the cluster's headroom), one tx entry, PD_NTX, and the batch's tx tallies, which
//         fwd_batch adds to C_TX_FRAMES/C_TX_BYTES once per batch.

import {
  CTX_IFNET,
  CTX_TX,
  CTX_TXCAP,
  CTX_NTX,
  CTX_FREE,
  CTX_POOL,
  MB_BULK,
  CTX_IFCNT,
  IFC_SIZE,
  IFC_OPKTS,
  IFC_OBYTES,
  IF_SIZE,
  IF_MAC,
  IF_FLAGS,
  IF_VID,
  IF_PARENT,
  IFF_VLAN,
  IFF_BRIDGE,
  TX_SIZE,
  TX_BUF,
  TX_LEN,
  TX_IF,
  PD_NTX,
} from '../layout';
import { pool_refill } from '../nic/mbuf';
import { bridge_output } from './bridge';
import { ld32, st32, ld16, st16, st16be, cnt_add } from '../util/mem';

export const ETHERTYPE_IP: u32 = 0x0800;
export const ETHERTYPE_IPV6: u32 = 0x86dd;
export const ETHERTYPE_VLAN: u32 = 0x8100;
export const ETHERTYPE_ARP: u32 = 0x0806;
const ETHER_MIN_LEN: u32 = 60; // without FCS

// Per-batch tallies of the hottest counters. Module globals are per instance, and there is one
// instance per CPU, so these are per-CPU too; fwd_batch zeroes them and flushes them to the u64
// counters at the end of each batch instead of touching memory twice per frame.
export let batch_tx_frames: u32 = 0;
export let batch_tx_bytes: u32 = 0;
export let batch_flow_hit: u32 = 0;
export let batch_flow_miss: u32 = 0;

/**
 * Whether `n` free clusters are at hand on the context's stack (fragments and ICMP errors draw
 * from it), refilling it from the pool behind it when there is one (the multi-CPU engine's).
 */
export function buf_reserve(ctx: usize, n: u32): bool {
  const fs = <usize>ld32(ctx + CTX_FREE);
  const have = ld32(fs);
  if (have >= n) return true;
  const pool = <usize>ld32(ctx + CTX_POOL);
  if (pool == 0) return false;
  const want: u32 = n - have > <u32>MB_BULK ? n - have : <u32>MB_BULK;
  const room = ld32(fs + 4) - have;
  pool_refill(fs, pool, want < room ? want : room);
  return ld32(fs) >= n;
}

/** Pops a free cluster, or 0 when none is left. */
export function buf_alloc(ctx: usize): usize {
  const fs = <usize>ld32(ctx + CTX_FREE);
  let n = ld32(fs);
  if (n == 0) {
    if (!buf_reserve(ctx, 1)) return 0;
    n = ld32(fs);
  }
  st32(fs, n - 1);
  return <usize>ld32(fs + 8 + ((<usize>(n - 1)) << 2));
}

/** Pushes a cluster taken with buf_alloc back on the context's free stack (it was just popped: there is room). */
export function buf_free(ctx: usize, c: usize): void {
  const fs = <usize>ld32(ctx + CTX_FREE);
  const n = ld32(fs);
  st32(fs + 8 + ((<usize>n) << 2), <u32>c);
  st32(fs, n + 1);
}

/**
 * The frame of flen bytes ending with the L3 packet at l3 (l3len bytes), padded with zeros to the
 * Ethernet minimum: returns its length on the wire.
 */
@inline export function ether_pad(l3: usize, l3len: u32, flen: u32): u32 {
  if (flen >= ETHER_MIN_LEN) return flen;
  memory.fill(l3 + l3len, 0, ETHER_MIN_LEN - flen);
  return ETHER_MIN_LEN;
}

@inline export function tx_room(ctx: usize): u32 {
  return ld32(ctx + CTX_TXCAP) - ld32(ctx + CTX_NTX);
}

/**
 * Puts an Ethernet header in front of the L3 packet at l3 (l3len bytes) for output on txif and
 * queues the frame. The caller guarantees 18 bytes of the cluster before l3 are free to write
 * (BUF_HEADROOM, or a received header of 14/18 bytes), and checked tx_room() > 0.
 */
// @inline: once per transmitted frame, from several call sites (see ipflow_lookup's note)
@inline export function ether_output(
  ctx: usize,
  pd: usize,
  l3: usize,
  l3len: u32,
  etype: u32,
  txif: u32,
  dmac: usize,
): void {
  const ifp = <usize>ld32(ctx + CTX_IFNET) + <usize>txif * IF_SIZE;
  const vlan = (ld32(ifp + IF_FLAGS) & IFF_VLAN) != 0;
  const start = l3 - (vlan ? 18 : 14);
  store<u32>(start, load<u32>(dmac));
  st16(start + 4, ld16(dmac + 4));
  store<u32>(start + 6, load<u32>(ifp + IF_MAC));
  st16(start + 10, ld16(ifp + IF_MAC + 4));
  let wire = txif;
  if (vlan) {
    st16be(start + 12, ETHERTYPE_VLAN);
    st16be(start + 14, ld16(ifp + IF_VID));
    st16be(start + 16, etype);
    wire = ld32(ifp + IF_PARENT);
  } else {
    st16be(start + 12, etype);
  }
  const flen = ether_pad(l3, l3len, <u32>(l3 + l3len - start));
  // a bridge sends by its members: the one its FDB names, or all of them (copies queued first)
  if (ld32(ifp + IF_FLAGS) & IFF_BRIDGE) wire = bridge_output(ctx, pd, start, flen, txif);
  const ntx = ld32(ctx + CTX_NTX);
  const t = <usize>ld32(ctx + CTX_TX) + <usize>ntx * TX_SIZE;
  st32(t + TX_BUF, <u32>start);
  st16(t + TX_LEN, flen);
  st16(t + TX_IF, wire);
  st32(ctx + CTX_NTX, ntx + 1);
  st16(pd + PD_NTX, ld16(pd + PD_NTX) + 1);
  batch_tx_frames++;
  batch_tx_bytes += flen;
  const ic = <usize>ld32(ctx + CTX_IFCNT) + <usize>txif * IFC_SIZE;
  cnt_add(ic, IFC_OPKTS >> 3, 1);
  cnt_add(ic, IFC_OBYTES >> 3, flen);
}
