// TS twin of assembly/forward/output.ts.
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
} from '../../../assembly/layout.js';
import { type Mem, ld32, st32, ld16, st16, st16be, cnt_add } from '../util/mem.js';
import { pool_refill } from '../nic/mbuf.js';
import { bridge_output } from './bridge.js';

export const ETHERTYPE_IP = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_ARP = 0x0806;
const ETHER_MIN_LEN = 60;

/** Per-batch tallies (see assembly/forward/output.ts); fwd_batch zeroes and flushes them. */
export const batch = { txFrames: 0, txBytes: 0, flowHit: 0, flowMiss: 0 };

export function buf_reserve(m: Mem, ctx: number, n: number): boolean {
  const fs = ld32(m, ctx + CTX_FREE);
  const have = ld32(m, fs);
  if (have >= n) return true;
  const pool = ld32(m, ctx + CTX_POOL);
  if (pool === 0) return false;
  pool_refill(m, fs, pool, Math.min(Math.max(n - have, MB_BULK), ld32(m, fs + 4) - have));
  return ld32(m, fs) >= n;
}

export function buf_alloc(m: Mem, ctx: number): number {
  const fs = ld32(m, ctx + CTX_FREE);
  let n = ld32(m, fs);
  if (n === 0) {
    if (!buf_reserve(m, ctx, 1)) return 0;
    n = ld32(m, fs);
  }
  st32(m, fs, n - 1);
  return ld32(m, fs + 8 + (n - 1) * 4);
}

/** Pushes a cluster taken with buf_alloc back on the context's free stack (it was just popped: there is room). */
export function buf_free(m: Mem, ctx: number, c: number): void {
  const fs = ld32(m, ctx + CTX_FREE);
  const n = ld32(m, fs);
  st32(m, fs + 8 + n * 4, c);
  st32(m, fs, n + 1);
}

/** The frame of flen bytes ending with the L3 packet at l3 (l3len bytes), padded with zeros to the Ethernet minimum: its length. */
export function ether_pad(m: Mem, l3: number, l3len: number, flen: number): number {
  if (flen >= ETHER_MIN_LEN) return flen;
  m.u8.fill(0, l3 + l3len, l3 + l3len + ETHER_MIN_LEN - flen);
  return ETHER_MIN_LEN;
}

export function tx_room(m: Mem, ctx: number): number {
  return ld32(m, ctx + CTX_TXCAP) - ld32(m, ctx + CTX_NTX);
}

export function ether_output(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  l3len: number,
  etype: number,
  txif: number,
  dmac: number,
): void {
  const ifp = ld32(m, ctx + CTX_IFNET) + txif * IF_SIZE;
  const vlan = (ld32(m, ifp + IF_FLAGS) & IFF_VLAN) !== 0;
  const start = l3 - (vlan ? 18 : 14);
  st32(m, start, ld32(m, dmac));
  st16(m, start + 4, ld16(m, dmac + 4));
  st32(m, start + 6, ld32(m, ifp + IF_MAC));
  st16(m, start + 10, ld16(m, ifp + IF_MAC + 4));
  let wire = txif;
  if (vlan) {
    st16be(m, start + 12, ETHERTYPE_VLAN);
    st16be(m, start + 14, ld16(m, ifp + IF_VID));
    st16be(m, start + 16, etype);
    wire = ld32(m, ifp + IF_PARENT);
  } else {
    st16be(m, start + 12, etype);
  }
  const flen = ether_pad(m, l3, l3len, l3 + l3len - start);
  if (ld32(m, ifp + IF_FLAGS) & IFF_BRIDGE) wire = bridge_output(m, ctx, pd, start, flen, txif);
  const ntx = ld32(m, ctx + CTX_NTX);
  const t = ld32(m, ctx + CTX_TX) + ntx * TX_SIZE;
  st32(m, t + TX_BUF, start);
  st16(m, t + TX_LEN, flen);
  st16(m, t + TX_IF, wire);
  st32(m, ctx + CTX_NTX, ntx + 1);
  st16(m, pd + PD_NTX, ld16(m, pd + PD_NTX) + 1);
  batch.txFrames++;
  batch.txBytes += flen;
  const ic = ld32(m, ctx + CTX_IFCNT) + txif * IFC_SIZE;
  cnt_add(m, ic, IFC_OPKTS >> 3, 1);
  cnt_add(m, ic, IFC_OBYTES >> 3, flen);
}
