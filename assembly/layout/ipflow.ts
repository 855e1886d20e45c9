// ipflow fast-forwarding cache, one per CPU: table header (FT_) and flow entry (FE_).
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

// ipflow: the per-CPU flow cache used by fast forwarding (NetBSD ip_flow.c / ip6_flow.c).
// Header, then u32 buckets[hashsize] (entry ptr, 0 = empty), then entries[max].
export const FT_SIZE = 64;
export const FT_HASHSIZE = 0; // u32 power of two
export const FT_MAX = 4; // u32 max flows
export const FT_INUSE = 8; // u32
export const FT_LRU_HEAD = 12; // u32 ptr most recently used
export const FT_LRU_TAIL = 16; // u32 ptr least recently used
export const FT_FREE = 20; // u32 ptr free entries (linked through FE_HNEXT)
export const FT_BUCKETS = 24; // u32 ptr
export const FT_ENTRIES = 28; // u32 ptr
export const FT_GEN = 32; // u32 routing generation this table's entries were made under
export const FT_IDLE_MS = 36; // u32 idle expiry in milliseconds

export const FE_SIZE = 96;
export const FE_SRC = 0; // 16 bytes, wire order (v4: first 4)
export const FE_DST = 16; // 16 bytes, wire order
export const FE_TOS = 32; // u32 v4: TOS; v6: flow label; bit 31 set for IPv6
export const FE_NH = 36; // u32 nexthop id
export const FE_TXIF = 40; // u32 output ifindex
export const FE_MTU = 44; // u32 effective MTU
export const FE_DMAC = 48; // 6 bytes next-hop MAC
export const FE_LAST = 56; // u32 last use, ms
export const FE_USES = 60; // u32
export const FE_HNEXT = 64; // u32 ptr next in bucket
export const FE_LPREV = 68; // u32 ptr
export const FE_LNEXT = 72; // u32 ptr
export const FE_BUCKET = 76; // u32 bucket index
export const FE_ETH = 80; // 12 bytes: next-hop MAC, then the output interface's own: a hit's Ethernet header
export const FE_V6 = 0x80000000;
