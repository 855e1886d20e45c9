// The neighbor event ring, producer side (the data path): a CPU that misses a next hop, or sees ARP
// or ND worth learning from, posts an event and moves on; the control plane (ts/stack/lltable.ts)
// consumes them. The ring's protocol is drawn in assembly/layout/nev.ts: single producer, single
// consumer, free-running HEAD/TAIL counts, a full ring loses the event and counts it, nobody waits.
// TS twin: ts/kernels/nbr/nev.ts.
//
// Also the one kernel the control plane calls to send what the data path would: nev_unreach, the
// ICMP error for a held packet whose next hop never answered (rate-limited with the CPU's others).

import {
  CTX_NEV,
  CTX_IFNET,
  IF_SIZE,
  IF_FLAGS,
  IFF_BRIDGE,
  CTX_PD,
  CTX_CNT,
  CTX_NTX,
  CTX_NOW,
  CTX_TX,
  PD_SIZE,
  PD_BUF,
  PD_LEN,
  PD_TXIF,
  PD_NTX,
  PD_TXFIRST,
  TX_SIZE,
  TX_BUF,
  TX_LEN,
  TX_IF,
  BUF_HEADROOM,
  NEVK_TX,
  NEVK_UNREACH6,
  C_TX_FRAMES,
  C_TX_BYTES,
  NEVR_SIZE,
  NEVR_HEAD,
  NEVR_SLOTS,
  NEVR_SLOT_BYTES,
  NEVR_TAIL,
  NEV_KIND,
  NEV_FLAGS,
  NEV_LEN,
  NEV_IF,
  NEV_ADDR,
  NEV_MAC,
  NEV_FRAME,
  NEV_RXIF,
  NEV_DATA,
  NEVK_MISS4,
  NEVK_MISS6,
  NEVF_MAC,
  C_NEV_LOST,
} from '../layout';
import { ld8, ld16, ld16be, ld32, st8, st16, st32, st16be, st32be, ald32, ast32, cnt_add } from '../util/mem';
import { in_cksum_update16 } from '../wire/cksum';
import { buf_alloc, tx_room } from '../forward/output';
import { bridge_output, br_batch_begin } from '../forward/bridge';
import {
  icmp4_error,
  icmp6_error,
  ICMP_UNREACH,
  ICMP_UNREACH_HOST,
  ICMP6_DST_UNREACH,
  ICMP6_DST_UNREACH_ADDR,
} from '../forward/icmp';

/** Sets up an empty ring of `slots` (a power of two) slots of `slotBytes` bytes at r. Before any producer runs. */
export function nev_init(r: usize, slots: u32, slotBytes: u32): void {
  memory.fill(r, 0, NEVR_SIZE);
  st32(r + NEVR_SLOTS, slots);
  st32(r + NEVR_SLOT_BYTES, slotBytes);
}

/** Producer: the slot to fill next, or 0 when the consumer has not freed one. Publish it with nev_publish. */
@inline function nev_reserve(r: usize): usize {
  const head = ld32(r + NEVR_HEAD);
  const slots = ld32(r + NEVR_SLOTS);
  if (head - ald32(r + NEVR_TAIL) >= slots) return 0;
  return r + NEVR_SIZE + <usize>(head & (slots - 1)) * <usize>ld32(r + NEVR_SLOT_BYTES);
}

/** Producer: makes the reserved slot visible to the consumer (release). */
@inline function nev_publish(r: usize): void {
  ast32(r + NEVR_HEAD, ld32(r + NEVR_HEAD) + 1);
}

@inline function frameIndex(ctx: usize, pd: usize): u32 {
  return <u32>((pd - <usize>ld32(ctx + CTX_PD)) / PD_SIZE);
}

/**
 * A next hop (host-order words a0..a3; IPv4 in a0) on txif has no usable entry. Keeps a copy of the
 * `len`-byte L3 packet at l3 (0: keep none, the packet is too big to send as it is) with its TTL or
 * hop limit decremented as it would leave, for the hold queue. Returns false when the ring is full.
 * Caller guarantees CTX_NEV is set and the packet's header was validated (TTL/hop limit > 1).
 */
export function nev_post_miss(
  ctx: usize,
  pd: usize,
  v6: u32,
  txif: u32,
  a0: u32,
  a1: u32,
  a2: u32,
  a3: u32,
  l3: usize,
  len: u32,
  rxif: u32,
): bool {
  const r = <usize>ld32(ctx + CTX_NEV);
  const e = nev_reserve(r);
  if (e == 0) return false;
  st8(e + NEV_KIND, v6 ? NEVK_MISS6 : NEVK_MISS4);
  st8(e + NEV_FLAGS, 0);
  st16(e + NEV_LEN, len);
  st32(e + NEV_IF, txif);
  st32be(e + NEV_ADDR, a0);
  st32be(e + NEV_ADDR + 4, a1);
  st32be(e + NEV_ADDR + 8, a2);
  st32be(e + NEV_ADDR + 12, a3);
  st16(e + NEV_FRAME, frameIndex(ctx, pd));
  st16(e + NEV_RXIF, rxif);
  if (len != 0) {
    const d = e + NEV_DATA;
    memory.copy(d, l3, len);
    if (v6) {
      st8(d + 7, ld8(d + 7) - 1);
    } else {
      const old = ld16be(d + 8);
      const nw = old - 0x100;
      st16be(d + 8, nw);
      st16be(d + 10, in_cksum_update16(ld16be(d + 10), old, nw));
    }
  }
  nev_publish(r);
  return true;
}

/**
 * A learn event of `kind` (NEVK_ARP, NEVK_NS, NEVK_NA) with NEVF_* flags about the neighbor at
 * `addr` (alen bytes, wire order) on ifindex, with its MAC at `mac` (0 = none). No ring (CTX_NEV 0):
 * nothing. A full ring: the event is lost and C_NEV_LOST counted.
 */
export function nev_post_learn(
  ctx: usize,
  pd: usize,
  kind: u32,
  flags: u32,
  ifindex: u32,
  addr: usize,
  alen: u32,
  mac: usize,
): void {
  const r = <usize>ld32(ctx + CTX_NEV);
  if (r == 0) return;
  const e = nev_reserve(r);
  if (e == 0) {
    cnt_add(<usize>ld32(ctx + CTX_CNT), C_NEV_LOST, 1);
    return;
  }
  st8(e + NEV_KIND, kind);
  st8(e + NEV_FLAGS, mac != 0 ? flags | NEVF_MAC : flags);
  st16(e + NEV_LEN, 0);
  st32(e + NEV_IF, ifindex);
  memory.fill(e + NEV_ADDR, 0, 16);
  memory.copy(e + NEV_ADDR, addr, alen);
  if (mac != 0) {
    store<u32>(e + NEV_MAC, load<u32>(mac));
    st16(e + NEV_MAC + 4, ld16(mac + 4));
  } else {
    memory.fill(e + NEV_MAC, 0, 6);
  }
  st16(e + NEV_FRAME, frameIndex(ctx, pd));
  st16(e + NEV_RXIF, ifindex);
  nev_publish(r);
}

/**
 * Control plane: the ICMP host unreachable (IPv4) or ICMPv6 address unreachable (v6 != 0) error
 * about the held `len`-byte packet at l3 (received on rxif) whose next hop never answered, through
 * the CPU's own error path: its rate limiter, route and neighbor back to the source, tx list.
 * Caller runs it as a batch of its own on the context (CTX_NTX, free clusters and `pd` set up).
 */
export function nev_unreach(ctx: usize, pd: usize, l3: usize, len: u32, v6: u32, rxif: u32): void {
  if (v6) icmp6_error(ctx, pd, l3, len, rxif, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, 0);
  else icmp4_error(ctx, pd, l3, len, rxif, ICMP_UNREACH, ICMP_UNREACH_HOST, 0);
}

/**
 * CPU side of a down ring (the multi-CPU engine's control plane -> this CPU): takes up to `max`
 * slots into the tx list as a batch of its own on descriptor 0, whose cluster (the carrier) holds
 * nothing that is sent, so tx_post frees it. NEVK_TX frames are copied into clusters of their own;
 * for NEVK_UNREACH4/6 the held packet is copied into the carrier and gets its ICMP error through
 * nev_unreach (this CPU's rate limiter, at `now`). Counts what it queued in C_TX_FRAMES/C_TX_BYTES.
 * Returns 1 when descriptor 0 was set up (the caller then runs tx_post(ctx, 1, ...)), 0 when the
 * ring was empty or no cluster was free (nothing taken). Caller: between batches, inside a
 * pserialize read section (the ICMP error looks up routes and neighbors).
 */
export function nev_down_drain(ctx: usize, ring: usize, max: u32, now: u32): u32 {
  const head = ald32(ring + NEVR_HEAD);
  let tail = ld32(ring + NEVR_TAIL);
  if (head == tail) return 0;
  const carrier = buf_alloc(ctx);
  if (carrier == 0) return 0;
  const pd = <usize>ld32(ctx + CTX_PD);
  st32(pd + PD_BUF, <u32>(carrier + BUF_HEADROOM));
  st16(pd + PD_LEN, 0);
  st32(pd + PD_TXIF, 0); // TXIF and NTX
  st32(pd + PD_TXFIRST, 0);
  st32(ctx + CTX_NTX, 0);
  st32(ctx + CTX_NOW, now);
  br_batch_begin();
  const slots = ld32(ring + NEVR_SLOTS);
  const bytes = <usize>ld32(ring + NEVR_SLOT_BYTES);
  for (let k: u32 = 0; k < max && tail != head && tx_room(ctx) != 0; k++) {
    const e = ring + NEVR_SIZE + <usize>(tail & (slots - 1)) * bytes;
    const len = ld16(e + NEV_LEN);
    if (ld8(e + NEV_KIND) == NEVK_TX) {
      const c = buf_alloc(ctx);
      if (c == 0) break;
      memory.copy(c + BUF_HEADROOM, e + NEV_DATA, len);
      // a bridge's frame leaves by the member its FDB names, or by all of them (bridge.ts: its
      // flood copies take tx entries first)
      const nif = ld32(e + NEV_IF);
      const wire =
        ld32(<usize>ld32(ctx + CTX_IFNET) + <usize>nif * IF_SIZE + IF_FLAGS) & IFF_BRIDGE
          ? bridge_output(ctx, pd, c + BUF_HEADROOM, len, nif)
          : nif;
      const ntx = ld32(ctx + CTX_NTX);
      const t = <usize>ld32(ctx + CTX_TX) + <usize>ntx * TX_SIZE;
      st32(t + TX_BUF, <u32>(c + BUF_HEADROOM));
      st16(t + TX_LEN, len);
      st16(t + TX_IF, wire);
      st32(ctx + CTX_NTX, ntx + 1);
      st16(pd + PD_NTX, ld16(pd + PD_NTX) + 1);
    } else {
      const l3 = carrier + BUF_HEADROOM + 18;
      memory.copy(l3, e + NEV_DATA, len);
      nev_unreach(ctx, pd, l3, len, ld8(e + NEV_KIND) == NEVK_UNREACH6 ? 1 : 0, ld16(e + NEV_RXIF));
    }
    tail++;
  }
  ast32(ring + NEVR_TAIL, tail);
  const cnt = <usize>ld32(ctx + CTX_CNT);
  const ntx = ld32(ctx + CTX_NTX);
  let txBytes: u64 = 0;
  for (let i: u32 = 0; i < ntx; i++) txBytes += ld16(<usize>ld32(ctx + CTX_TX) + <usize>i * TX_SIZE + TX_LEN);
  cnt_add(cnt, C_TX_FRAMES, ntx);
  cnt_add(cnt, C_TX_BYTES, txBytes);
  return 1;
}
