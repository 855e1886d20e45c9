// TS twin of assembly/nbr/nev.ts: the neighbor event ring's producer side, and nev_unreach. See there
// and assembly/layout/nev.ts for the protocol.
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
} from '../../../assembly/layout.js';
import {
  type Mem,
  ld8,
  ld16,
  ld16be,
  ld32,
  st8,
  st16,
  st32,
  st16be,
  st32be,
  ald32,
  ast32,
  cnt_add,
} from '../util/mem.js';
import { in_cksum_update16 } from '../wire/cksum.js';
import { buf_alloc, tx_room } from '../forward/output.js';
import { bridge_output, br_batch_begin } from '../forward/bridge.js';
import {
  icmp4_error,
  icmp6_error,
  ICMP_UNREACH,
  ICMP_UNREACH_HOST,
  ICMP6_DST_UNREACH,
  ICMP6_DST_UNREACH_ADDR,
} from '../forward/icmp.js';

export function nev_init(m: Mem, r: number, slots: number, slotBytes: number): void {
  m.u8.fill(0, r, r + NEVR_SIZE);
  st32(m, r + NEVR_SLOTS, slots);
  st32(m, r + NEVR_SLOT_BYTES, slotBytes);
}

function nev_reserve(m: Mem, r: number): number {
  const head = ld32(m, r + NEVR_HEAD);
  const slots = ld32(m, r + NEVR_SLOTS);
  if ((head - ald32(m, r + NEVR_TAIL)) >>> 0 >= slots) return 0;
  return r + NEVR_SIZE + (head & (slots - 1)) * ld32(m, r + NEVR_SLOT_BYTES);
}

function nev_publish(m: Mem, r: number): void {
  ast32(m, r + NEVR_HEAD, (ld32(m, r + NEVR_HEAD) + 1) >>> 0);
}

function frameIndex(m: Mem, ctx: number, pd: number): number {
  return Math.floor((pd - ld32(m, ctx + CTX_PD)) / PD_SIZE);
}

export function nev_post_miss(
  m: Mem,
  ctx: number,
  pd: number,
  v6: number,
  txif: number,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  l3: number,
  len: number,
  rxif: number,
): boolean {
  const r = ld32(m, ctx + CTX_NEV);
  const e = nev_reserve(m, r);
  if (e === 0) return false;
  st8(m, e + NEV_KIND, v6 ? NEVK_MISS6 : NEVK_MISS4);
  st8(m, e + NEV_FLAGS, 0);
  st16(m, e + NEV_LEN, len);
  st32(m, e + NEV_IF, txif);
  st32be(m, e + NEV_ADDR, a0);
  st32be(m, e + NEV_ADDR + 4, a1);
  st32be(m, e + NEV_ADDR + 8, a2);
  st32be(m, e + NEV_ADDR + 12, a3);
  st16(m, e + NEV_FRAME, frameIndex(m, ctx, pd));
  st16(m, e + NEV_RXIF, rxif);
  if (len !== 0) {
    const d = e + NEV_DATA;
    m.u8.copyWithin(d, l3, l3 + len);
    if (v6) {
      st8(m, d + 7, (ld8(m, d + 7) - 1) & 0xff);
    } else {
      const old = ld16be(m, d + 8);
      const nw = old - 0x100;
      st16be(m, d + 8, nw);
      st16be(m, d + 10, in_cksum_update16(ld16be(m, d + 10), old, nw));
    }
  }
  nev_publish(m, r);
  return true;
}

export function nev_post_learn(
  m: Mem,
  ctx: number,
  pd: number,
  kind: number,
  flags: number,
  ifindex: number,
  addr: number,
  alen: number,
  mac: number,
): void {
  const r = ld32(m, ctx + CTX_NEV);
  if (r === 0) return;
  const e = nev_reserve(m, r);
  if (e === 0) {
    cnt_add(m, ld32(m, ctx + CTX_CNT), C_NEV_LOST, 1);
    return;
  }
  st8(m, e + NEV_KIND, kind);
  st8(m, e + NEV_FLAGS, mac !== 0 ? flags | NEVF_MAC : flags);
  st16(m, e + NEV_LEN, 0);
  st32(m, e + NEV_IF, ifindex);
  m.u8.fill(0, e + NEV_ADDR, e + NEV_ADDR + 16);
  m.u8.copyWithin(e + NEV_ADDR, addr, addr + alen);
  if (mac !== 0) {
    st32(m, e + NEV_MAC, ld32(m, mac));
    st16(m, e + NEV_MAC + 4, ld16(m, mac + 4));
  } else {
    m.u8.fill(0, e + NEV_MAC, e + NEV_MAC + 6);
  }
  st16(m, e + NEV_FRAME, frameIndex(m, ctx, pd));
  st16(m, e + NEV_RXIF, ifindex);
  nev_publish(m, r);
}

export function nev_unreach(m: Mem, ctx: number, pd: number, l3: number, len: number, v6: number, rxif: number): void {
  if (v6) icmp6_error(m, ctx, pd, l3, len, rxif, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, 0);
  else icmp4_error(m, ctx, pd, l3, len, rxif, ICMP_UNREACH, ICMP_UNREACH_HOST, 0);
}

export function nev_down_drain(m: Mem, ctx: number, ring: number, max: number, now: number): number {
  const head = ald32(m, ring + NEVR_HEAD);
  let tail = ld32(m, ring + NEVR_TAIL);
  if (head === tail) return 0;
  const carrier = buf_alloc(m, ctx);
  if (carrier === 0) return 0;
  const pd = ld32(m, ctx + CTX_PD);
  st32(m, pd + PD_BUF, carrier + BUF_HEADROOM);
  st16(m, pd + PD_LEN, 0);
  st32(m, pd + PD_TXIF, 0);
  st32(m, pd + PD_TXFIRST, 0);
  st32(m, ctx + CTX_NTX, 0);
  st32(m, ctx + CTX_NOW, now >>> 0);
  br_batch_begin();
  const slots = ld32(m, ring + NEVR_SLOTS);
  const bytes = ld32(m, ring + NEVR_SLOT_BYTES);
  for (let k = 0; k < max && tail !== head && tx_room(m, ctx) !== 0; k++) {
    const e = ring + NEVR_SIZE + (tail & (slots - 1)) * bytes;
    const len = ld16(m, e + NEV_LEN);
    if (ld8(m, e + NEV_KIND) === NEVK_TX) {
      const c = buf_alloc(m, ctx);
      if (c === 0) break;
      m.u8.copyWithin(c + BUF_HEADROOM, e + NEV_DATA, e + NEV_DATA + len);
      const nif = ld32(m, e + NEV_IF);
      const wire =
        ld32(m, ld32(m, ctx + CTX_IFNET) + nif * IF_SIZE + IF_FLAGS) & IFF_BRIDGE
          ? bridge_output(m, ctx, pd, c + BUF_HEADROOM, len, nif)
          : nif;
      const ntx = ld32(m, ctx + CTX_NTX);
      const t = ld32(m, ctx + CTX_TX) + ntx * TX_SIZE;
      st32(m, t + TX_BUF, c + BUF_HEADROOM);
      st16(m, t + TX_LEN, len);
      st16(m, t + TX_IF, wire);
      st32(m, ctx + CTX_NTX, ntx + 1);
      st16(m, pd + PD_NTX, ld16(m, pd + PD_NTX) + 1);
    } else {
      const l3 = carrier + BUF_HEADROOM + 18;
      m.u8.copyWithin(l3, e + NEV_DATA, e + NEV_DATA + len);
      nev_unreach(m, ctx, pd, l3, len, ld8(m, e + NEV_KIND) === NEVK_UNREACH6 ? 1 : 0, ld16(m, e + NEV_RXIF));
    }
    tail = (tail + 1) >>> 0;
  }
  ast32(m, ring + NEVR_TAIL, tail);
  const cnt = ld32(m, ctx + CTX_CNT);
  const ntx = ld32(m, ctx + CTX_NTX);
  let txBytes = 0;
  for (let i = 0; i < ntx; i++) txBytes += ld16(m, ld32(m, ctx + CTX_TX) + i * TX_SIZE + TX_LEN);
  cnt_add(m, cnt, C_TX_FRAMES, ntx);
  cnt_add(m, cnt, C_TX_BYTES, txBytes);
  return 1;
}
