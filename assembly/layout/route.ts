// Routes: nexthops (NH_, flags NHF_) and the radix tree that is the RIB and the uncompiled FIB: nodes
// (RN_), per-family heads (RH_) and the node pool (NP_). The compiled FIBs are in fib4.ts and fib6.ts.
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

// Nexthop: what a route points at. NH_SIZE bytes, indexed by id (0 = none). Published before any
// route refers to it; never changed while referenced (but NH_NBR, a cache); freed only after a grace period.
export const NH_SIZE = 36;
export const NH_FLAGS = 0; // u32 NHF_*
export const NH_IFINDEX = 4; // u32 output interface
export const NH_GW = 8; // 16 bytes gateway, table order (v4: first word)
export const NH_MTU = 24; // u32 route MTU (0 = the interface's)
export const NH_REFS = 28; // u32 routes using it (control plane only)
export const NH_NBR = 32; // u32 ptr the gateway's neighbor entry last found (IPv4 gateways; 0 = none): a hint the data path writes and validates before use

export const NHF_VALID = 1;
export const NHF_GATEWAY = 2; // next hop is NH_GW, else the destination itself (connected)
export const NHF_LOCAL = 4; // one of our addresses: deliver locally
export const NHF_BROADCAST = 8; // directed broadcast address of a connected subnet
export const NHF_REJECT = 16; // unreachable: ICMP error
export const NHF_BLACKHOLE = 32; // silently dropped (counted)
export const NHF_V6 = 64;
export const NHF_PROHIBIT = 128; // with NHF_REJECT: administratively prohibited

// ---------------------------------------------------------------------------------------------
// Radix (Patricia) tree node, RN_SIZE bytes, from one node pool shared by both families.
//
//    0                16     20     24      28      32
//   +----------------+------+------+-------+-------+
//   | key (4 x u32)  | plen | nh   | child0| child1|
//   +----------------+------+------+-------+-------+
//
// A node stands for the prefix key/plen; nh != 0 when a route sits there. child0/1 hold the subtree
// whose bit at position plen is 0/1. Readers walk without locks: every change is one aligned
// 32-bit store of a fully built node's pointer (or of nh), so a reader sees the old or the new tree.
export const RN_SIZE = 32;
export const RN_KEY = 0;
export const RN_PLEN = 16;
export const RN_NH = 20;
export const RN_CHILD0 = 24;
export const RN_CHILD1 = 28;

// Radix head: one per family.
export const RH_SIZE = 32;
export const RH_ROOT = 0; // u32 ptr to the root node (0 = empty)
export const RH_ROUTES = 4; // u32 routes in the tree
export const RH_NODES = 8; // u32 nodes linked in the tree
export const RH_POOL = 12; // u32 ptr to the node pool header
export const RH_BITS = 16; // u32 32 or 128

// Node pool: fixed-size nodes. Unlinked nodes go to limbo; rt_reclaim moves limbo to the free list
// after the caller has waited out a grace period (pserialize perform). Reclaimed nodes are poisoned.
export const NP_SIZE = 32;
export const NP_BASE = 0; // u32 ptr to node 0
export const NP_CAP = 4; // u32 capacity in nodes
export const NP_NEXT = 8; // u32 never-used nodes start here (bump index)
export const NP_FREE = 12; // u32 ptr free list head (linked through RN_CHILD0)
export const NP_LIMBO = 16; // u32 ptr limbo list head (linked through RN_NH... see radix.ts)
export const NP_INUSE = 20; // u32 nodes allocated (linked or in limbo)
export const NP_LIMBO_COUNT = 24;

// rt_walk record: RT_WALK_REC bytes per route, written by rt_walk into a buffer the control plane
// reads back (Tables): 0 key (4 host-order u32 words) | 16 plen (u32) | 20 nexthop id (u32).
export const RT_WALK_REC = 24;
