// mpstack linear-memory layout: the one entry to every structure drawn in linear memory. The
// structures themselves are drawn in assembly/layout/, one file per subsystem; this file re-exports
// them all, so `import … from "./layout"` (AssemblyScript) and '../../assembly/layout.js' (TypeScript)
// reach every name, and a file that needs one subsystem may import its file instead.
//
// Every file here compiles both as AssemblyScript (each `const` becomes an inlined i32) and as
// TypeScript, so the WASM hot path and its pure-TS twin read the same offsets. Keep the subsystem files
// to plain `export const NAME = <integer>;` lines: no types, no expressions the two compilers might
// read apart. ts/stack/layout-check.ts checks sizes and alignments at start-up (checkLayout).
//
// Why the names are listed twice below: asc resolves `import { … } from './x.ts'` (it drops the .ts)
// but neither `export … from './x.ts'` nor './x.js'; Node needs './x.js', which tsc writes for './x.ts'
// (rewriteRelativeImportExtensions in tsconfig.json). So each file is imported by name and the names
// re-exported. A name added to a subsystem file must be added to both lists here; the layout-check
// test fails until it is.
//
// Conventions
// - Offsets are byte offsets into the one WebAssembly.Memory (shared between worker CPUs later).
// - IPv4 addresses inside tables are host-order u32; IPv6 addresses are four host-order u32 words,
//   most significant first, so radix compares are plain integer compares. Flow keys keep wire order.
// - "ptr" fields are absolute byte offsets (0 = null). Indices (ifindex, nexthop id) are never pointers:
//   an ifindex or nexthop id stays valid to read even after the object behind it is gone.
// - Counters are u64 little-endian; the TS twin increments them as (lo, hi) u32 pairs.
// - A structure's fields share one prefix; PREFIX_SIZE is its size in bytes (or that of its header,
//   when an array follows). Values of a field (flags, states, enumerations) take a prefix of their own.
//
// Glossary: prefix, what it lays out, file (under assembly/layout/)
//   LAYOUT_BASE   first byte of the tables; below it AssemblyScript's data and stack        base.ts
//   ALIGN         alignment of every region: one cache line                                 base.ts
//   POISON        word written over freed memory                                            base.ts
//   PD_           frame descriptor: one frame of a batch (the pkthdr)                       pktdesc.ts
//   PATH_         values of PD_PATH: the path the frame took                                pktdesc.ts
//   HT_           values of PD_HTYPE: the fields the RSS hash covered                       pktdesc.ts
//   R_            drop and local-delivery reasons (PD_REASON)                               pktdesc.ts
//   TX_           tx list entry: one frame a batch transmits                                pktdesc.ts
//   C_            per-CPU counters: indices into u64[C_COUNT]                               cpu.ts
//   IFC_          per-CPU per-interface counters (netstat -i)                               cpu.ts
//   CTX_          per-CPU forwarding context (what fwd_batch runs with)                     cpu.ts
//   OPT_          bits of CTX_OPTS                                                          cpu.ts
//   IF_           ifnet slot, indexed by ifindex                                            ifnet.ts
//   IFF_          bits of IF_FLAGS                                                          ifnet.ts
//   TOE_          Toeplitz key and byte table an ifnet points at (IF_RSSTAB)                ifnet.ts
//   RETA_         RSS indirection table an ifnet points at (IF_RETA)                        ifnet.ts
//   NH_           nexthop, indexed by nexthop id                                            route.ts
//   NHF_          bits of NH_FLAGS                                                          route.ts
//   RN_           radix tree node                                                           route.ts
//   RH_           radix head, one per family                                                route.ts
//   NP_           radix node pool header                                                    route.ts
//   RT_WALK_REC   rt_walk record: one route as the control plane reads it back              route.ts
//   F4_           compiled IPv4 FIB (DIR-24-8): header and entry encoding                   fib4.ts
//   F6_           compiled IPv6 FIB: header and entry encoding                              fib6.ts
//   F6E_          compiled IPv6 FIB: chunk hash slot                                        fib6.ts
//   NBH_          neighbor table header                                                     nbr.ts
//   NB_           neighbor entry                                                            nbr.ts
//   NBS_          values of NB_STATE                                                        nbr.ts
//   FT_           ipflow table header (one table per CPU)                                   ipflow.ts
//   FE_           ipflow flow entry                                                         ipflow.ts
//   BUF_          packet cluster: its size and the headroom before the frame                buffers.ts
//   MAX_FRAME     largest frame a cluster holds (BUF_SIZE - BUF_HEADROOM)                   buffers.ts
//   MB_           cluster pool header (the global free stack behind its lock)               buffers.ts
//   RXR_          RX ring header, one per NIC RX queue                                      buffers.ts
//   RXD_          RX ring slot                                                              buffers.ts
//   PQ_           pktq header: frames queued for a CPU's softint                            buffers.ts
//   PQE_          pktq entry                                                                buffers.ts
//   TXR_          TX ring header, one per NIC TX queue                                      buffers.ts
//   TXD_          TX ring slot                                                              buffers.ts
//   TXM_          TX ring map entry, one per ifindex                                        buffers.ts
//   VT_           interrupt vector, one per NIC queue pair                                  machine.ts
//   VTM_          values of VT_MODE                                                         machine.ts
//   VTF_          bits of VT_FLAGS                                                          machine.ts
//   QS_           RX queue traffic source (the gen driver's per-queue state)                machine.ts
//   MP_           machine control block                                                     machine.ts
//   PSZ_          pserialize domain header                                                  sync.ts
//   PSC_          pserialize per-CPU slot, and the bits of its state word                   sync.ts
//   PRC_          psref class header                                                        sync.ts
//   PSREF_        bits of a psref count word                                                sync.ts
//   PSRT_         psref target (embedded in the object it protects), and its states         sync.ts
//   PSLH_         pslist head                                                               sync.ts
//   PSLE_         pslist entry (embedded in each element)                                   sync.ts
//   CR_           capture ring header, one per (recording interface, CPU)                   capture.ts
//   CRS_          capture ring slot header                                                  capture.ts

import {
  LAYOUT_BASE, ALIGN, POISON,
} from './layout/base.ts';
import {
  PD_SIZE, PD_BUF, PD_LEN, PD_RXIF, PD_RSS, PD_QUEUE, PD_PATH, PD_REASON, PD_TXIF, PD_NTX, PD_TXFIRST, PD_NH,
  PD_HTYPE, PATH_DROP, PATH_FAST, PATH_NORMAL, PATH_LOCAL, HT_NONE, HT_IPV4, HT_TCP4, HT_UDP4, HT_IPV6, HT_TCP6,
  HT_UDP6, TX_SIZE, TX_BUF, TX_LEN, TX_IF, R_NONE, R_TOO_SHORT, R_TOO_LONG, R_L2_OTHER_HOST, R_ETHERTYPE,
  R_VLAN_UNKNOWN, R_IF_DOWN, R_IP_VERSION, R_IP_HLEN, R_IP_LEN, R_IP_CKSUM, R_MARTIAN_SRC, R_MARTIAN_DST, R_TTL,
  R_NO_ROUTE, R_NEED_FRAG, R_TOO_BIG, R_UNRESOLVED, R_REJECT, R_NOBUFS, R_SCOPE, R_LOCAL, R_BROADCAST, R_MULTICAST,
  R_ARP, R_CANTFORWARD, R_IP6_HBH_BAD, R_IP6_HBH_OPT, R_COUNT,
} from './layout/pktdesc.ts';
import {
  C_RX_FRAMES, C_RX_BYTES, C_FAST, C_NORMAL, C_LOCAL, C_DROP, C_TX_FRAMES, C_TX_BYTES, C_FRAGS_OUT, C_FRAGMENTED,
  C_ICMP_OUT, C_ICMP_RATELIM, C_ICMP_SUPPRESSED, C_FLOW_HIT, C_FLOW_MISS, C_FLOW_INSERT, C_FLOW_REAP, C_FLOW_EXPIRE,
  C_FLOW_FLUSH, C_REASON_BASE, C_COUNT, IFC_SIZE, IFC_IPKTS, IFC_IBYTES, IFC_OPKTS, IFC_OBYTES, IFC_IDROPS,
  CTX_SIZE, CTX_IFNET, CTX_NIF, CTX_NH, CTX_RT4, CTX_RT6, CTX_NBR, CTX_FLOW, CTX_CNT, CTX_PD, CTX_TX, CTX_TXCAP,
  CTX_NTX, CTX_FREE, CTX_GEN, CTX_OPTS, CTX_ICMP_PPS, CTX_ICMP_BURST, CTX_ICMP_TOKENS, CTX_ICMP_LAST,
  CTX_ICMP6_TOKENS, CTX_ICMP6_LAST, CTX_IPID, CTX_NOW, CTX_FIB4, CTX_IFCNT, CTX_FIB6, CTX_POOL, CTX_WARM,
  OPT_FASTFWD, OPT_ICMP, OPT_FIBWARM, CTX_SCRATCH,
} from './layout/cpu.ts';
import {
  IF_SIZE, IF_FLAGS, IF_MTU, IF_MAC, IF_VID, IF_PARENT, IF_NQUEUES, IF_RSSTAB, IF_RETA, IF_ADDR4, IF_VLANMAP,
  IF_ADDR6, IF_LL6, IFF_EXISTS, IFF_UP, IFF_VLAN, IFF_RSS_UDP4, IFF_RSS_UDP6, IFF_HAS_ADDR6, IFF_HAS_LL6,
  TOE_KEY_LEN, TOE_MAX_INPUT, TOE_TABLE_SIZE, RETA_SIZE,
} from './layout/ifnet.ts';
import {
  NH_SIZE, NH_FLAGS, NH_IFINDEX, NH_GW, NH_MTU, NH_REFS, NHF_VALID, NHF_GATEWAY, NHF_LOCAL, NHF_BROADCAST,
  NHF_REJECT, NHF_BLACKHOLE, NHF_V6, NHF_PROHIBIT, RN_SIZE, RN_KEY, RN_PLEN, RN_NH, RN_CHILD0, RN_CHILD1, RH_SIZE,
  RH_ROOT, RH_ROUTES, RH_NODES, RH_POOL, RH_BITS, NP_SIZE, NP_BASE, NP_CAP, NP_NEXT, NP_FREE, NP_LIMBO, NP_INUSE,
  NP_LIMBO_COUNT, RT_WALK_REC,
} from './layout/route.ts';
import {
  F4_SIZE, F4_TBL24, F4_TBL8, F4_GROUPS, F4_FREE, F4_NFREE, F4_LIMBO, F4_NLIMBO, F4_RT, F4_EXT, F4_MAX_NH,
} from './layout/fib4.ts';
import {
  F6_SIZE, F6_TBL16, F6_HASH, F6_SLOTS, F6_RT, F6E_SIZE, F6E_TAG, F6E_VAL, F6E_K0, F6E_K1, F6_TOMB, F6_RADIX,
  F6_NH_MASK,
} from './layout/fib6.ts';
import {
  NBH_SIZE, NBH_CAP, NBH_COUNT, NBH_TOMBS, NB_SIZE, NB_KEY, NB_IF, NB_STATE, NB_MAC, NBS_EMPTY, NBS_VALID, NBS_TOMB,
  NBS_V6,
} from './layout/nbr.ts';
import {
  FT_SIZE, FT_HASHSIZE, FT_MAX, FT_INUSE, FT_LRU_HEAD, FT_LRU_TAIL, FT_FREE, FT_BUCKETS, FT_ENTRIES, FT_GEN,
  FT_IDLE_MS, FE_SIZE, FE_SRC, FE_DST, FE_TOS, FE_NH, FE_TXIF, FE_MTU, FE_DMAC, FE_LAST, FE_USES, FE_HNEXT,
  FE_LPREV, FE_LNEXT, FE_BUCKET, FE_V6,
} from './layout/ipflow.ts';
import {
  BUF_SIZE, BUF_HEADROOM, MAX_FRAME, MB_SIZE, MB_LOCK, MB_COUNT, MB_CAP, MB_BASE, MB_CONTENDED, MB_EMPTY, MB_BULK,
  RXR_SIZE, RXR_NSLOT, RXR_HW, RXR_SW, RXR_MISSED, RXR_NOBUFS, RXR_IF, RXD_SIZE, RXD_BUF, RXD_LEN, RXD_DONE,
  PQ_SIZE, PQ_NSLOT, PQ_HEAD, PQ_TAIL, PQ_DROPS, PQE_SIZE, PQE_BUF, PQE_LEN, PQE_IF, TXR_SIZE, TXR_LOCK,
  TXR_CONTENDED, TXR_NSLOT, TXR_HEAD, TXR_TAIL, TXR_DROPS, TXR_FRAMES, TXR_BYTES, TXD_SIZE, TXD_BUF, TXD_LEN,
  TXD_OFF, TXM_SIZE, TXM_RING, TXM_NRING, TXM_STRIDE,
} from './layout/buffers.ts';
import {
  VT_SIZE, VT_IF, VT_QUEUE, VT_CPU, VT_OWNER, VT_MODE, VT_FLAGS, VT_BUDGET, VT_COUNTS, VT_MAXCPU, VTM_INTR,
  VTM_POLL, VTF_DISABLED, VTF_LINK, QS_SIZE, QS_TMPL, QS_COUNT, QS_LEN, QS_STRIDE, QS_SEQ, QS_RATE, QS_TOKENS,
  QS_LAST, QS_FRAMES, QS_BYTES, QS_SINCE, QS_MOD_FRAMES, QS_MOD_USECS, QS_LIMIT, QS_RXR, QS_TXR, MP_SIZE, MP_STOP,
  MP_NCPU, MP_NVEC, MP_RUNNING, MP_DOORBELL,
} from './layout/machine.ts';
import {
  PSZ_MAXCPU, PSZ_EPOCH, PSZ_NCPU, PSZ_SLOTS, PSZ_SLOT_SIZE, PSZ_SIZE, PSC_STATE, PSC_NEST, PSC_ERRORS, PSC_INSIDE,
  PSC_WAITER, PSC_SEQ_ONE, PRC_NCPU, PRC_CAP, PRC_STRIDE, PRC_COUNTS, PRC_FREE, PRC_NFREE, PRC_NEXT, PRC_ERRORS,
  PRC_SIZE, PSREF_WAITER, PSREF_COUNT, PSRT_SIZE, PSRT_CLASS, PSRT_INDEX, PSRT_STATE, PSRT_DEAD, PSRT_LIVE,
  PSRT_DRAINING, PSLH_SIZE, PSLH_FIRST, PSLE_SIZE, PSLE_NEXT, PSLE_PREVP,
} from './layout/sync.ts';
import {
  CR_SIZE, CR_HEAD, CR_TAIL, CR_SLOTS, CR_SLOT_BYTES, CR_OVERRUNS, CR_IF, CRS_LEN, CRS_SEC, CRS_NSEC, CRS_DATA,
} from './layout/capture.ts';

export {
  LAYOUT_BASE, ALIGN, POISON,
};
export {
  PD_SIZE, PD_BUF, PD_LEN, PD_RXIF, PD_RSS, PD_QUEUE, PD_PATH, PD_REASON, PD_TXIF, PD_NTX, PD_TXFIRST, PD_NH,
  PD_HTYPE, PATH_DROP, PATH_FAST, PATH_NORMAL, PATH_LOCAL, HT_NONE, HT_IPV4, HT_TCP4, HT_UDP4, HT_IPV6, HT_TCP6,
  HT_UDP6, TX_SIZE, TX_BUF, TX_LEN, TX_IF, R_NONE, R_TOO_SHORT, R_TOO_LONG, R_L2_OTHER_HOST, R_ETHERTYPE,
  R_VLAN_UNKNOWN, R_IF_DOWN, R_IP_VERSION, R_IP_HLEN, R_IP_LEN, R_IP_CKSUM, R_MARTIAN_SRC, R_MARTIAN_DST, R_TTL,
  R_NO_ROUTE, R_NEED_FRAG, R_TOO_BIG, R_UNRESOLVED, R_REJECT, R_NOBUFS, R_SCOPE, R_LOCAL, R_BROADCAST, R_MULTICAST,
  R_ARP, R_CANTFORWARD, R_IP6_HBH_BAD, R_IP6_HBH_OPT, R_COUNT,
};
export {
  C_RX_FRAMES, C_RX_BYTES, C_FAST, C_NORMAL, C_LOCAL, C_DROP, C_TX_FRAMES, C_TX_BYTES, C_FRAGS_OUT, C_FRAGMENTED,
  C_ICMP_OUT, C_ICMP_RATELIM, C_ICMP_SUPPRESSED, C_FLOW_HIT, C_FLOW_MISS, C_FLOW_INSERT, C_FLOW_REAP, C_FLOW_EXPIRE,
  C_FLOW_FLUSH, C_REASON_BASE, C_COUNT, IFC_SIZE, IFC_IPKTS, IFC_IBYTES, IFC_OPKTS, IFC_OBYTES, IFC_IDROPS,
  CTX_SIZE, CTX_IFNET, CTX_NIF, CTX_NH, CTX_RT4, CTX_RT6, CTX_NBR, CTX_FLOW, CTX_CNT, CTX_PD, CTX_TX, CTX_TXCAP,
  CTX_NTX, CTX_FREE, CTX_GEN, CTX_OPTS, CTX_ICMP_PPS, CTX_ICMP_BURST, CTX_ICMP_TOKENS, CTX_ICMP_LAST,
  CTX_ICMP6_TOKENS, CTX_ICMP6_LAST, CTX_IPID, CTX_NOW, CTX_FIB4, CTX_IFCNT, CTX_FIB6, CTX_POOL, CTX_WARM,
  OPT_FASTFWD, OPT_ICMP, OPT_FIBWARM, CTX_SCRATCH,
};
export {
  IF_SIZE, IF_FLAGS, IF_MTU, IF_MAC, IF_VID, IF_PARENT, IF_NQUEUES, IF_RSSTAB, IF_RETA, IF_ADDR4, IF_VLANMAP,
  IF_ADDR6, IF_LL6, IFF_EXISTS, IFF_UP, IFF_VLAN, IFF_RSS_UDP4, IFF_RSS_UDP6, IFF_HAS_ADDR6, IFF_HAS_LL6,
  TOE_KEY_LEN, TOE_MAX_INPUT, TOE_TABLE_SIZE, RETA_SIZE,
};
export {
  NH_SIZE, NH_FLAGS, NH_IFINDEX, NH_GW, NH_MTU, NH_REFS, NHF_VALID, NHF_GATEWAY, NHF_LOCAL, NHF_BROADCAST,
  NHF_REJECT, NHF_BLACKHOLE, NHF_V6, NHF_PROHIBIT, RN_SIZE, RN_KEY, RN_PLEN, RN_NH, RN_CHILD0, RN_CHILD1, RH_SIZE,
  RH_ROOT, RH_ROUTES, RH_NODES, RH_POOL, RH_BITS, NP_SIZE, NP_BASE, NP_CAP, NP_NEXT, NP_FREE, NP_LIMBO, NP_INUSE,
  NP_LIMBO_COUNT, RT_WALK_REC,
};
export {
  F4_SIZE, F4_TBL24, F4_TBL8, F4_GROUPS, F4_FREE, F4_NFREE, F4_LIMBO, F4_NLIMBO, F4_RT, F4_EXT, F4_MAX_NH,
};
export {
  F6_SIZE, F6_TBL16, F6_HASH, F6_SLOTS, F6_RT, F6E_SIZE, F6E_TAG, F6E_VAL, F6E_K0, F6E_K1, F6_TOMB, F6_RADIX,
  F6_NH_MASK,
};
export {
  NBH_SIZE, NBH_CAP, NBH_COUNT, NBH_TOMBS, NB_SIZE, NB_KEY, NB_IF, NB_STATE, NB_MAC, NBS_EMPTY, NBS_VALID, NBS_TOMB,
  NBS_V6,
};
export {
  FT_SIZE, FT_HASHSIZE, FT_MAX, FT_INUSE, FT_LRU_HEAD, FT_LRU_TAIL, FT_FREE, FT_BUCKETS, FT_ENTRIES, FT_GEN,
  FT_IDLE_MS, FE_SIZE, FE_SRC, FE_DST, FE_TOS, FE_NH, FE_TXIF, FE_MTU, FE_DMAC, FE_LAST, FE_USES, FE_HNEXT,
  FE_LPREV, FE_LNEXT, FE_BUCKET, FE_V6,
};
export {
  BUF_SIZE, BUF_HEADROOM, MAX_FRAME, MB_SIZE, MB_LOCK, MB_COUNT, MB_CAP, MB_BASE, MB_CONTENDED, MB_EMPTY, MB_BULK,
  RXR_SIZE, RXR_NSLOT, RXR_HW, RXR_SW, RXR_MISSED, RXR_NOBUFS, RXR_IF, RXD_SIZE, RXD_BUF, RXD_LEN, RXD_DONE,
  PQ_SIZE, PQ_NSLOT, PQ_HEAD, PQ_TAIL, PQ_DROPS, PQE_SIZE, PQE_BUF, PQE_LEN, PQE_IF, TXR_SIZE, TXR_LOCK,
  TXR_CONTENDED, TXR_NSLOT, TXR_HEAD, TXR_TAIL, TXR_DROPS, TXR_FRAMES, TXR_BYTES, TXD_SIZE, TXD_BUF, TXD_LEN,
  TXD_OFF, TXM_SIZE, TXM_RING, TXM_NRING, TXM_STRIDE,
};
export {
  VT_SIZE, VT_IF, VT_QUEUE, VT_CPU, VT_OWNER, VT_MODE, VT_FLAGS, VT_BUDGET, VT_COUNTS, VT_MAXCPU, VTM_INTR,
  VTM_POLL, VTF_DISABLED, VTF_LINK, QS_SIZE, QS_TMPL, QS_COUNT, QS_LEN, QS_STRIDE, QS_SEQ, QS_RATE, QS_TOKENS,
  QS_LAST, QS_FRAMES, QS_BYTES, QS_SINCE, QS_MOD_FRAMES, QS_MOD_USECS, QS_LIMIT, QS_RXR, QS_TXR, MP_SIZE, MP_STOP,
  MP_NCPU, MP_NVEC, MP_RUNNING, MP_DOORBELL,
};
export {
  PSZ_MAXCPU, PSZ_EPOCH, PSZ_NCPU, PSZ_SLOTS, PSZ_SLOT_SIZE, PSZ_SIZE, PSC_STATE, PSC_NEST, PSC_ERRORS, PSC_INSIDE,
  PSC_WAITER, PSC_SEQ_ONE, PRC_NCPU, PRC_CAP, PRC_STRIDE, PRC_COUNTS, PRC_FREE, PRC_NFREE, PRC_NEXT, PRC_ERRORS,
  PRC_SIZE, PSREF_WAITER, PSREF_COUNT, PSRT_SIZE, PSRT_CLASS, PSRT_INDEX, PSRT_STATE, PSRT_DEAD, PSRT_LIVE,
  PSRT_DRAINING, PSLH_SIZE, PSLH_FIRST, PSLE_SIZE, PSLE_NEXT, PSLE_PREVP,
};
export {
  CR_SIZE, CR_HEAD, CR_TAIL, CR_SLOTS, CR_SLOT_BYTES, CR_OVERRUNS, CR_IF, CRS_LEN, CRS_SEC, CRS_NSEC, CRS_DATA,
};
