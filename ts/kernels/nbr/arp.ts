// TS twin of assembly/nbr/arp.ts: ARP input (validation, the in-place reply, counters). See there for
// the packet drawing and the contract.
import {
  CTX_CNT,
  CTX_IFNET,
  CTX_NH,
  CTX_NBR,
  NB_MAC,
  NEVK_ARP,
  NEVF_REQUEST,
  NEVF_TARGET_OURS,
  IF_SIZE,
  IF_MAC,
  IF_ADDR4,
  NH_SIZE,
  NH_FLAGS,
  NH_IFINDEX,
  NHF_LOCAL,
  PATH_DROP,
  PATH_LOCAL,
  R_ARP,
  R_ARP_BAD,
  R_ARP_SENDER,
  R_NOBUFS,
  C_ARP_REQ_IN,
  C_ARP_REP_IN,
  C_ARP_REP_OUT,
  C_ARP_CONFLICT,
} from '../../../assembly/layout.js';
import { type Mem, ld8, ld16, ld16be, ld32, ld32be, st16, st32, st16be, st32be, cnt_add } from '../util/mem.js';
import { route4 } from '../fib/route.js';
import { nb_find } from './nbr.js';
import { nev_post_learn } from './nev.js';
import { ether_output, tx_room, ETHERTYPE_ARP } from '../forward/output.js';

export const ARP_HRD_ETHER = 1;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;
const ARP_LEN = 28;

const V = (path: number, reason: number): number => (path << 8) | reason;

export function in4_is_ours(m: Mem, ctx: number, a: number, ifindex: number): boolean {
  a >>>= 0;
  if (a === 0) return false;
  if (ld32(m, ld32(m, ctx + CTX_IFNET) + ifindex * IF_SIZE + IF_ADDR4) === a) return true;
  const nh = route4(m, ctx, a);
  if (nh === 0) return false;
  const nhp = ld32(m, ctx + CTX_NH) + nh * NH_SIZE;
  return (ld32(m, nhp + NH_FLAGS) & NHF_LOCAL) !== 0 && ld32(m, nhp + NH_IFINDEX) === ifindex;
}

/** Whether an ARP from `spa` has something to teach the cache (see the AS twin). */
function arp_learn(m: Mem, ctx: number, spa: number, ifindex: number, mac: number, ours: boolean): boolean {
  const e = nb_find(m, ld32(m, ctx + CTX_NBR), spa, 0, 0, 0, ifindex, 0);
  if (e === 0) return ours;
  return ld32(m, e + NB_MAC) !== ld32(m, mac) || ld16(m, e + NB_MAC + 4) !== ld16(m, mac + 4);
}

export function arp_input(m: Mem, ctx: number, pd: number, a: number, alen: number, rxif: number): number {
  if (alen < ARP_LEN) return V(PATH_DROP, R_ARP_BAD);
  if (ld16be(m, a) !== ARP_HRD_ETHER || ld16be(m, a + 2) !== 0x0800 || ld8(m, a + 4) !== 6 || ld8(m, a + 5) !== 4) {
    return V(PATH_DROP, R_ARP_BAD);
  }
  const op = ld16be(m, a + 6);
  if (op !== ARPOP_REQUEST && op !== ARPOP_REPLY) return V(PATH_DROP, R_ARP_BAD);
  const ifp = ld32(m, ctx + CTX_IFNET) + rxif * IF_SIZE;
  if ((ld8(m, a + 8) & 1) !== 0) return V(PATH_DROP, R_ARP_SENDER);
  if (ld32(m, a + 8) === ld32(m, ifp + IF_MAC) && ld16(m, a + 12) === ld16(m, ifp + IF_MAC + 4)) {
    return V(PATH_DROP, R_ARP_SENDER);
  }
  const spa = ld32be(m, a + 14);
  const tpa = ld32be(m, a + 24);
  if (spa >>> 24 >= 224) return V(PATH_DROP, R_ARP_SENDER);
  const cnt = ld32(m, ctx + CTX_CNT);
  cnt_add(m, cnt, op === ARPOP_REQUEST ? C_ARP_REQ_IN : C_ARP_REP_IN, 1);
  const ours = in4_is_ours(m, ctx, tpa, rxif);
  if (spa !== 0) {
    if (in4_is_ours(m, ctx, spa, rxif)) {
      cnt_add(m, cnt, C_ARP_CONFLICT, 1);
    } else if ((op === ARPOP_REPLY && ours) || arp_learn(m, ctx, spa, rxif, a + 8, ours)) {
      // a reply to us always goes up: it confirms a probed entry (see the AssemblyScript twin)
      const flags = (op === ARPOP_REQUEST ? NEVF_REQUEST : 0) | (ours ? NEVF_TARGET_OURS : 0);
      nev_post_learn(m, ctx, pd, NEVK_ARP, flags, rxif, a + 14, 4, a + 8);
    }
  }
  if (op !== ARPOP_REQUEST || !ours) return V(PATH_LOCAL, R_ARP);
  if (tx_room(m, ctx) === 0) return V(PATH_DROP, R_NOBUFS);
  st16be(m, a + 6, ARPOP_REPLY);
  st32(m, a + 18, ld32(m, a + 8));
  st16(m, a + 22, ld16(m, a + 12));
  st32be(m, a + 24, spa);
  st32(m, a + 8, ld32(m, ifp + IF_MAC));
  st16(m, a + 12, ld16(m, ifp + IF_MAC + 4));
  st32be(m, a + 14, tpa);
  ether_output(m, ctx, pd, a, ARP_LEN, ETHERTYPE_ARP, rxif, a + 18);
  cnt_add(m, cnt, C_ARP_REP_OUT, 1);
  return V(PATH_LOCAL, R_ARP);
}
