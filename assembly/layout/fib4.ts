// Compiled IPv4 FIB (F4_): the DIR-24-8 header and the entry encoding of its tables.
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

// Compiled IPv4 FIB: DIR-24-8 (Gupta, Lin, McKeown, INFOCOM 1998), compiled from the radix tree.
//
//   tbl24: u16[1 << 24], indexed by the top 24 bits of the address
//     entry < 0x8000          nexthop id (0 = no route)
//     entry = 0x8000 | g      the /24 holds longer prefixes: look in tbl8 group g
//   tbl8:  u16[groups * 256], group g entry [a & 255] = nexthop id
//
// One or two reads per lookup. Updates recompute the affected address range from the radix tree
// (the RIB), so entries need no stored depth. Readers are lock-free: every entry changes by one
// 16-bit atomic store, a tbl8 group is filled before tbl24 points at it, and groups no longer
// pointed at wait in limbo for a grace period (fib4_reclaim) before reuse.
export const F4_SIZE = 64;
export const F4_TBL24 = 0; // u32 ptr
export const F4_TBL8 = 4; // u32 ptr
export const F4_GROUPS = 8; // u32 tbl8 groups available (<= 32768)
export const F4_FREE = 12; // u32 ptr to a u32 stack of free group numbers
export const F4_NFREE = 16; // u32
export const F4_LIMBO = 20; // u32 ptr to a u32 list of groups awaiting a grace period
export const F4_NLIMBO = 24; // u32
export const F4_RT = 28; // u32 ptr to the IPv4 radix head it is compiled from
export const F4_EXT = 0x8000;
export const F4_MAX_NH = 0x7fff; // nexthop ids a 15-bit entry can hold
