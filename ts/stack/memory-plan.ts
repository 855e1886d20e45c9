// Plans where every region of linear memory goes (the field layouts are in assembly/layout.ts).
// One plan per stack: the shared tables first, then one block per CPU, then the cluster pool.
import {
  LAYOUT_BASE,
  BUF_SIZE,
  IF_SIZE,
  NH_SIZE,
  RH_SIZE,
  NP_SIZE,
  RN_SIZE,
  NBH_SIZE,
  NB_SIZE,
  FT_SIZE,
  FE_SIZE,
  CTX_SIZE,
  C_COUNT,
  PD_SIZE,
  TX_SIZE,
  TOE_TABLE_SIZE,
  RETA_SIZE,
  TOE_KEY_LEN,
  F4_SIZE,
  F6_SIZE,
  F6E_SIZE,
  IFC_SIZE,
  NEVR_SIZE,
  NEV_DATA,
  MAX_FRAME,
  ALIGN,
  LAF_BYTES,
  BR_BYTES,
  FDB_SIZE,
  ENC_SIZE,
  ENC_MAX,
  ENCE_SIZE,
} from '../../assembly/layout.js';
import { Arena } from './arena.js';
import { assertLayout } from './layout-check.js';

export interface LayoutSizes {
  /** ifnet slots, including the unused index 0 */
  ifSlots: number;
  /** nexthop slots, including the unused id 0 */
  nexthops: number;
  /** radix nodes shared by both families (about 2 per route) */
  radixNodes: number;
  /** unlinked radix nodes that may wait for a grace period at once (the writer reclaims when full) */
  radixLimbo: number;
  /** tbl8 groups of the compiled IPv4 FIB; 0 = no compiled FIB (radix lookups only) */
  fib4Groups: number;
  /** hash slots of the compiled IPv6 FIB (any count); 0 = no compiled FIB for IPv6 */
  fib6Slots?: number;
  /** neighbor table slots (power of two) */
  neighborSlots: number;
  /** slots of each CPU's neighbor event ring (power of two; 0 = no ring: misses are dropped unresolved) */
  neighborEvents?: number;
  /** ifnet slots that carry RSS (Toeplitz table + key + indirection table) */
  rssInterfaces: number;
  /** ifnet slots that carry a VLAN map (parents of vlan interfaces) */
  vlanParents: number;
  /** per bridge(4) interface: its forwarding database's slots (a power of two) */
  bridges?: number[];
  cpus: number;
  flowHashSize: number;
  flowMax: number;
  /** frames per batch (descriptors per CPU) */
  batch: number;
  /** tx entries per CPU per batch */
  txCap: number;
  /** clusters per CPU (each CPU owns a slice of the pool) */
  clusters: number;
  /** scratch bytes for the control plane (keys, walk output) */
  scratch: number;
  /** bytes reserved at the end for a user of the stack (the multi-CPU engine's vectors and queues) */
  reserve?: number;
}

export interface CpuRegions {
  ctx: number;
  counters: number;
  flow: number;
  flowBuckets: number;
  flowEntries: number;
  pd: number;
  tx: number;
  free: number;
  /** first cluster of this CPU's slice of the pool */
  clusters: number;
  /** this CPU's per-interface counters (IFC_SIZE per ifindex) */
  ifcnt: number;
  /** this CPU's neighbor event ring (nev.ts), 0 when none */
  nev: number;
  /** the ring the control plane sends frames down to this CPU by (nev_down_drain), 0 when none */
  nevDown: number;
}

export interface Layout {
  sizes: LayoutSizes;
  ifnet: number;
  nexthop: number;
  rt4: number;
  rt6: number;
  pool: number;
  poolNodes: number;
  poolLimbo: number;
  /** compiled IPv4 FIB: header, tables, group free stack and limbo (all 0 without one) */
  fib4: { head: number; tbl24: number; tbl8: number; free: number; limbo: number };
  /** compiled IPv6 FIB: header, tbl16, chunk hash and /24 bitmap (all 0 without one) */
  fib6: { head: number; tbl16: number; hash: number; f24: number };
  nbr: number;
  /** the local-address filter: LAF_BYTES bitmap (assembly/layout/cpu.ts) */
  laf: number;
  gen: number;
  /** per RSS interface: Toeplitz table, key, indirection table */
  rss: { table: number; key: number; reta: number }[];
  /** per VLAN parent: u16[4096] vid -> ifindex */
  vlanMaps: number[];
  /** per bridge: its softc (BR_BYTES, with the port slots) and forwarding database (FDB_SIZE per slot) */
  bridges: { sc: number; fdb: number; slots: number }[];
  /** the encap table (assembly/layout/encap.ts): ENC_MAX tunnel entries */
  encap: number;
  scratch: number;
  cpu: CpuRegions[];
  /** the cluster pool: CPU c's slice starts at cpu[c].clusters (CPU 0's at `clusters`) */
  clusters: number;
  /** start of the reserved region (sizes.reserve bytes; 0 when none) */
  reserved: number;
  /** bytes of linear memory the layout needs */
  bytes: number;
}

/** Bytes of one neighbor event slot: its header and the largest packet, in whole cache lines. */
/**
 * The compiled IPv6 FIB gets its 2 MiB /24 bitmap (assembly/layout/fib6.ts) from this many hash
 * slots (about 15k routes) on: below, the hash stays in the caches and a probe costs no more than
 * the bitmap's read would.
 */
export const FIB6_BITMAP_SLOTS = 65536;

export const NEV_SLOT_BYTES = Math.ceil((NEV_DATA + MAX_FRAME) / ALIGN) * ALIGN;

export function planLayout(s: LayoutSizes): Layout {
  assertLayout(); // the field layouts keep their promises (sizes, alignment) before anything is placed
  const a = new Arena(LAYOUT_BASE, Number.MAX_SAFE_INTEGER);
  const ifnet = a.alloc(s.ifSlots * IF_SIZE);
  const nexthop = a.alloc(s.nexthops * NH_SIZE);
  const rt4 = a.alloc(RH_SIZE);
  const rt6 = a.alloc(RH_SIZE);
  const pool = a.alloc(NP_SIZE);
  const poolNodes = a.alloc(s.radixNodes * RN_SIZE);
  const poolLimbo = a.alloc(s.radixLimbo * 4);
  const fib4 =
    s.fib4Groups > 0
      ? {
          head: a.alloc(F4_SIZE),
          tbl24: a.alloc(2 << 24),
          tbl8: a.alloc(s.fib4Groups * 512),
          free: a.alloc(s.fib4Groups * 4),
          limbo: a.alloc(s.fib4Groups * 4),
        }
      : { head: 0, tbl24: 0, tbl8: 0, free: 0, limbo: 0 };
  const fib6 = s.fib6Slots
    ? {
        head: a.alloc(F6_SIZE),
        tbl16: a.alloc(65536 * 4),
        hash: a.alloc(s.fib6Slots * F6E_SIZE),
        f24: s.fib6Slots >= FIB6_BITMAP_SLOTS ? a.alloc(1 << 21) : 0,
      }
    : { head: 0, tbl16: 0, hash: 0, f24: 0 };
  const nbr = a.alloc(NBH_SIZE + s.neighborSlots * NB_SIZE);
  const laf = a.alloc(LAF_BYTES);
  const gen = a.alloc(4);
  const rss = [];
  for (let i = 0; i < s.rssInterfaces; i++) {
    rss.push({ table: a.alloc(TOE_TABLE_SIZE), key: a.alloc(TOE_KEY_LEN), reta: a.alloc(RETA_SIZE) });
  }
  const vlanMaps = [];
  for (let i = 0; i < s.vlanParents; i++) vlanMaps.push(a.alloc(4096 * 2));
  const bridges = (s.bridges ?? []).map((slots) => ({ sc: a.alloc(BR_BYTES), fdb: a.alloc(slots * FDB_SIZE), slots }));
  const encap = a.alloc(ENC_SIZE + ENC_MAX * ENCE_SIZE);
  const scratch = a.alloc(s.scratch);
  const cpu: CpuRegions[] = [];
  for (let c = 0; c < s.cpus; c++) {
    cpu.push({
      ctx: a.alloc(CTX_SIZE),
      counters: a.alloc(C_COUNT * 8),
      flow: a.alloc(FT_SIZE),
      flowBuckets: a.alloc(s.flowHashSize * 4),
      flowEntries: a.alloc(s.flowMax * FE_SIZE),
      pd: a.alloc(s.batch * PD_SIZE),
      tx: a.alloc(s.txCap * TX_SIZE),
      free: a.alloc(8 + s.clusters * 4),
      clusters: 0,
      ifcnt: a.alloc(s.ifSlots * IFC_SIZE),
      nev: s.neighborEvents ? a.alloc(NEVR_SIZE + s.neighborEvents * NEV_SLOT_BYTES) : 0,
      nevDown: s.neighborEvents ? a.alloc(NEVR_SIZE + s.neighborEvents * NEV_SLOT_BYTES) : 0,
    });
  }
  const clusters = a.alloc(s.cpus * s.clusters * BUF_SIZE);
  cpu.forEach((r, c) => {
    r.clusters = clusters + c * s.clusters * BUF_SIZE;
  });
  const reserved = s.reserve ? a.alloc(s.reserve) : 0;
  return {
    sizes: s,
    ifnet,
    nexthop,
    rt4,
    rt6,
    pool,
    poolNodes,
    poolLimbo,
    fib4,
    fib6,
    nbr,
    laf,
    gen,
    rss,
    vlanMaps,
    bridges,
    encap,
    scratch,
    cpu,
    clusters,
    reserved,
    bytes: a.top,
  };
}
