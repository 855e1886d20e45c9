// mpstack linear-memory layout: the one place every structure in linear memory is drawn.
//
// This file compiles both as AssemblyScript (each `const` becomes an inlined i32) and as TypeScript,
// so the WASM hot path and its pure-TS twin read the same offsets. Keep it to plain
// `export const NAME = <integer>;` lines: no types, no expressions the two compilers might read apart.
//
// Conventions
// - Offsets are byte offsets into the one WebAssembly.Memory (shared between worker CPUs later).
// - IPv4 addresses inside tables are host-order u32; IPv6 addresses are four host-order u32 words,
//   most significant first, so radix compares are plain integer compares. Flow keys keep wire order.
// - "ptr" fields are absolute byte offsets (0 = null). Indices (ifindex, nexthop id) are never pointers:
//   an ifindex or nexthop id stays valid to read even after the object behind it is gone.
// - Counters are u64 little-endian; the TS twin increments them as (lo, hi) u32 pairs.
//
// Region map (TS `ts/stack/memory-plan.ts` computes the actual addresses from the config):
//
//   0 ........ LAYOUT_BASE   AssemblyScript static data and stack (AS owns it, we never write it)
//   LAYOUT_BASE ...          shared tables: ifnet[], nexthop[], radix heads + node pool, neighbor hash,
//                            generation word, Toeplitz tables, VLAN maps
//   then per CPU:            context, counters, ipflow table, descriptor ring, tx list, free stack
//   then                     the buffer pool: BUF_SIZE-byte clusters

export const LAYOUT_BASE = 65536;
export const ALIGN = 64; // every region starts on a cache line

// ---------------------------------------------------------------------------------------------
// Packet buffers (mbuf clusters). A frame starts BUF_HEADROOM bytes into its cluster so that an
// 802.1Q tag can be pushed in place by moving the two MAC addresses left.
//
//   +------------------+---------------------------------------------+
//   | headroom (64 B)  | frame: dst MAC | src MAC | [tag] | type | ... |
//   +------------------+---------------------------------------------+
//   0                  64                                        BUF_SIZE
//
// BUF_SIZE is 34 cache lines, not 32: with a power-of-two stride every frame of a batch would land
// in the same few L1 sets and evict each other. DPDK's default
// mbuf (2176 bytes) is sized the same way.
export const BUF_SIZE = 2176;
export const BUF_HEADROOM = 64;
export const MAX_FRAME = 2112; // BUF_SIZE - BUF_HEADROOM

// ---------------------------------------------------------------------------------------------
// Frame descriptor (the pkthdr of one received frame), PD_SIZE bytes, one per frame of a batch.
// TS (the driver) writes BUF, LEN, RXIF; rss_batch writes RSS, QUEUE, HTYPE; fwd_batch writes the rest.
//
//    0        4      6      8        12     14   15   16     18     20        24       28  29
//   +--------+------+------+--------+------+----+----+------+------+---------+--------+---+---+
//   | buf    | len  | rxif | rss    |queue |path|rsn | txif | ntx  | txfirst | nh     |ht |   |
//   +--------+------+------+--------+------+----+----+------+------+---------+--------+---+---+
export const PD_SIZE = 32;
export const PD_BUF = 0; // u32 ptr to the first byte of the frame
export const PD_LEN = 4; // u16 frame length in bytes
export const PD_RXIF = 6; // u16 receive ifindex (after VLAN demux: the vlan interface)
export const PD_RSS = 8; // u32 Toeplitz hash (0 when not hashed)
export const PD_QUEUE = 12; // u16 RSS queue
export const PD_PATH = 14; // u8 PATH_*
export const PD_REASON = 15; // u8 R_* (drops and local deliveries)
export const PD_TXIF = 16; // u16 output ifindex of the forwarded frame (0 = none)
export const PD_NTX = 18; // u16 frames transmitted because of this frame (forwarded, fragments, ICMP)
export const PD_TXFIRST = 20; // u32 index of the first of those in the tx list
export const PD_NH = 24; // u32 nexthop id the frame was forwarded with (0 = none)
export const PD_HTYPE = 28; // u8 HT_* hash type used

export const PATH_DROP = 0;
export const PATH_FAST = 1;
export const PATH_NORMAL = 2;
export const PATH_LOCAL = 3;

// RSS hash types (which fields went into the Toeplitz hash)
export const HT_NONE = 0;
export const HT_IPV4 = 1;
export const HT_TCP4 = 2;
export const HT_UDP4 = 3;
export const HT_IPV6 = 4;
export const HT_TCP6 = 5;
export const HT_UDP6 = 6;

// Tx list entry: one frame to transmit, TX_SIZE bytes. Forwarded frames point into their rx cluster
// (zero copy); fragments and ICMP errors point into clusters popped from the free stack.
export const TX_SIZE = 8;
export const TX_BUF = 0; // u32 ptr to the frame
export const TX_LEN = 4; // u16
export const TX_IF = 6; // u16 output ifindex

// ---------------------------------------------------------------------------------------------
// Drop and local-delivery reasons (u8). Names live in ts/stack/reasons.ts, in this order.
export const R_NONE = 0;
export const R_TOO_SHORT = 1; // frame or header truncated
export const R_TOO_LONG = 2; // frame larger than a cluster
export const R_L2_OTHER_HOST = 3; // unicast to another MAC
export const R_ETHERTYPE = 4; // neither IPv4, IPv6 nor ARP
export const R_VLAN_UNKNOWN = 5; // tag with no vlan interface
export const R_IF_DOWN = 6; // receive or output interface down / absent
export const R_IP_VERSION = 7;
export const R_IP_HLEN = 8;
export const R_IP_LEN = 9; // total length < header or > frame
export const R_IP_CKSUM = 10;
export const R_MARTIAN_SRC = 11;
export const R_MARTIAN_DST = 12;
export const R_TTL = 13; // TTL / hop limit exceeded in transit
export const R_NO_ROUTE = 14;
export const R_NEED_FRAG = 15; // IPv4 DF set and larger than the MTU
export const R_TOO_BIG = 16; // IPv6 larger than the MTU
export const R_UNRESOLVED = 17; // next hop has no neighbor entry
export const R_REJECT = 18; // reject / blackhole route
export const R_NOBUFS = 19; // no cluster for a fragment
export const R_SCOPE = 20; // IPv6 link-local source or destination, not forwarded
export const R_LOCAL = 21; // local: unicast to one of our addresses
export const R_BROADCAST = 22; // local: broadcast
export const R_MULTICAST = 23; // local: multicast
export const R_ARP = 24; // local: ARP
export const R_CANTFORWARD = 25; // link-layer broadcast/multicast frame with a unicast IP destination not ours (RFC 1812 5.3.4)
export const R_IP6_HBH_BAD = 26; // IPv6 hop-by-hop header past the payload, option past the header (RFC 8200 4.3)
export const R_IP6_HBH_OPT = 27; // IPv6 hop-by-hop option of unknown type whose action is discard (RFC 8200 4.2)
export const R_COUNT = 28;

// ---------------------------------------------------------------------------------------------
// Per-CPU counters: u64[C_COUNT]. Drop reasons occupy C_REASON_BASE + R_*.
export const C_RX_FRAMES = 0;
export const C_RX_BYTES = 1;
export const C_FAST = 2;
export const C_NORMAL = 3;
export const C_LOCAL = 4;
export const C_DROP = 5;
export const C_TX_FRAMES = 6;
export const C_TX_BYTES = 7;
export const C_FRAGS_OUT = 8; // fragments created
export const C_FRAGMENTED = 9; // datagrams fragmented
export const C_ICMP_OUT = 10; // ICMP/ICMPv6 errors sent
export const C_ICMP_RATELIM = 11; // errors suppressed by the rate limiter
export const C_ICMP_SUPPRESSED = 12; // errors not sent by rule (error about an error, non-first fragment, ...)
export const C_FLOW_HIT = 13;
export const C_FLOW_MISS = 14;
export const C_FLOW_INSERT = 15;
export const C_FLOW_REAP = 16; // reaped because the table was full
export const C_FLOW_EXPIRE = 17; // idle expiry
export const C_FLOW_FLUSH = 18; // whole-table invalidations (routing generation changed)
export const C_REASON_BASE = 32;
export const C_COUNT = 64; // C_REASON_BASE + R_COUNT <= C_COUNT

// Per-CPU per-interface counters (netstat -i): IFC_SIZE bytes per ifindex, u64 each. Received
// frames count on the interface they arrived on after VLAN demux; transmitted ones on the
// interface the route chose (a vlan, not its parent); drops on the receiving interface.
export const IFC_SIZE = 64;
export const IFC_IPKTS = 0;
export const IFC_IBYTES = 8;
export const IFC_OPKTS = 16;
export const IFC_OBYTES = 24;
export const IFC_IDROPS = 32; // received frames dropped (any reason)

// ---------------------------------------------------------------------------------------------
// ifnet table: IF_SIZE bytes per interface, indexed by ifindex (index 0 is never used).
// Readers (every CPU's pipeline, inside a pserialize read section) find a slot by index only: from
// a frame's receive port, a parent's VLAN map, a nexthop's NH_IFINDEX. Writers (Tables, one at a
// time) attach by writing every field, then IF_FLAGS with IFF_EXISTS (atomic), then the parent's
// VLAN map entry (atomic u16); detach by clearing the map entry and the flags, deleting the routes
// that name the index, waiting a grace period, deleting its neighbor entries, and only then
// zeroing the slot (and reusing the index). A reader with a stale index reads "absent", never memory put to other use.
export const IF_SIZE = 128;
export const IF_FLAGS = 0; // u32 IFF_*
export const IF_MTU = 4; // u32
export const IF_MAC = 8; // 6 bytes
export const IF_VID = 14; // u16 VLAN id when IFF_VLAN
export const IF_PARENT = 16; // u32 parent ifindex when IFF_VLAN
export const IF_NQUEUES = 20; // u32 RSS queues (>= 1)
export const IF_RSSTAB = 24; // u32 ptr to the Toeplitz byte table (TOE_TABLE_SIZE bytes)
export const IF_RETA = 28; // u32 ptr to the indirection table (RETA_SIZE u8 queue numbers)
export const IF_ADDR4 = 32; // u32 primary IPv4 address, host order (0 = none)
export const IF_VLANMAP = 36; // u32 ptr to u16[4096] vid -> vlan ifindex (0 = none)
export const IF_ADDR6 = 40; // 16 bytes primary global IPv6 address, wire order (all zero = none)
export const IF_LL6 = 56; // 16 bytes link-local IPv6 address, wire order

export const IFF_EXISTS = 1;
export const IFF_UP = 2;
export const IFF_VLAN = 4;
export const IFF_RSS_UDP4 = 8; // hash UDP ports over IPv4
export const IFF_RSS_UDP6 = 16; // hash UDP ports over IPv6
export const IFF_HAS_ADDR6 = 32;
export const IFF_HAS_LL6 = 64;

// ---------------------------------------------------------------------------------------------
// Toeplitz: a byte table per key. Entry [i][b] (u32) is the hash contribution of byte value b at input
// byte position i: a 36-byte IPv6 4-tuple hashes with 36 loads and XORs instead of 288 bit steps.
export const TOE_KEY_LEN = 40;
export const TOE_MAX_INPUT = 36;
export const TOE_TABLE_SIZE = 36864; // TOE_MAX_INPUT * 256 * 4
export const RETA_SIZE = 128;

// ---------------------------------------------------------------------------------------------
// Nexthop: what a route points at. NH_SIZE bytes, indexed by id (0 = none). Published before any
// route refers to it; never changed while referenced; freed only after a grace period.
export const NH_SIZE = 32;
export const NH_FLAGS = 0; // u32 NHF_*
export const NH_IFINDEX = 4; // u32 output interface
export const NH_GW = 8; // 16 bytes gateway, table order (v4: first word)
export const NH_MTU = 24; // u32 route MTU (0 = the interface's)
export const NH_REFS = 28; // u32 routes using it (control plane only)

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
export const POISON = 0xdeadbeef; // written over reclaimed nodes; a reader that sees it read freed memory

// ---------------------------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------------------------
// Compiled IPv6 FIB: a leaf-pushed, path-compressed prefix trie whose nodes ("chunks") live in one
// hash table keyed by (prefix, length). Compiled from the IPv6 radix tree by the control plane
// (ts/stack/fib6-writer.ts); read by assembly/fib/fib6.ts and its TS twin.
//
//   tbl16: u32[65536], indexed by the top 16 bits of the address
//   hash:  cap slots of F6E_SIZE bytes, open addressing with linear probing (fib6_hash)
//
// Every entry (tbl16 word or slot value) is one u32: bits 0-23 nexthop id, bits 24-31 `next`:
//   next = 0        leaf: the nexthop id is the answer for the whole chunk
//   next = 17..64   longer routes exist inside: probe the chunk of that length holding the address;
//                   when it is absent, the nexthop id here is the answer
//   next = F6_RADIX routes longer than /64 inside: the radix tree answers
// A chunk's `next` is the shortest route length strictly inside it, so a route is never expanded
// into several entries; a lookup probes once per nesting level of the routes above its answer
// (a /48 under a /32: tbl16, the /32 chunk, the /48 chunk). Every entry is a pure function of its
// chunk and the RIB (the answer of the routes not longer than the chunk, and that next length),
// which is what lets the writer update by diffing.
//
// Slot: 0 tag | 4 value | 8 key word 0 | 12 key word 1 (the chunk's top 64 address bits, masked,
// host-order words). tag = chunk length (17..64), 0 = empty (ends a probe), F6_TOMB = deleted.
// Reader protocol: load tag (acquire), then key, then value (atomic). Writer (one at a time): a new
// slot is written key and value first, tag last (release); values change by one atomic store,
// deepest chunks first, so a reader that reaches a chunk sees its children already in place; a
// deleted slot becomes F6_TOMB at once and is reused (or emptied) only after a grace period.
export const F6_SIZE = 32;
export const F6_TBL16 = 0; // u32 ptr
export const F6_HASH = 4; // u32 ptr
export const F6_SLOTS = 8; // u32 slots (any count >= 2: a probe starts at fib6_slot(hash, slots), multiply-high, and wraps at the end)
export const F6_RT = 12; // u32 ptr to the IPv6 radix head (F6_RADIX answers)
export const F6E_SIZE = 16;
export const F6E_TAG = 0;
export const F6E_VAL = 4;
export const F6E_K0 = 8;
export const F6E_K1 = 12;
export const F6_TOMB = 0xffffffff;
export const F6_RADIX = 0xff;
export const F6_NH_MASK = 0xffffff;

// ---------------------------------------------------------------------------------------------
// Neighbor table (ARP/NDP cache): open addressing, linear probing, NB_SIZE-byte entries after a header.
export const NBH_SIZE = 64;
export const NBH_CAP = 0; // u32 slots, power of two
export const NBH_COUNT = 4; // u32 valid entries
export const NBH_TOMBS = 8; // u32 deleted slots

export const NB_SIZE = 32;
export const NB_KEY = 0; // 16 bytes address, table order (v4: first word)
export const NB_IF = 16; // u32 ifindex
export const NB_STATE = 20; // u32 NBS_* | NBS_V6
export const NB_MAC = 24; // 6 bytes

export const NBS_EMPTY = 0;
export const NBS_VALID = 1;
export const NBS_TOMB = 2;
export const NBS_V6 = 256;

// ---------------------------------------------------------------------------------------------
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
export const FE_V6 = 0x80000000;

// ---------------------------------------------------------------------------------------------
// Per-CPU forwarding context: what fwd_batch needs, all pointers. CTX_SIZE bytes.
export const CTX_SIZE = 192;
export const CTX_IFNET = 0; // u32 ptr ifnet[]
export const CTX_NIF = 4; // u32 ifnet slots
export const CTX_NH = 8; // u32 ptr nexthop[]
export const CTX_RT4 = 12; // u32 ptr radix head v4
export const CTX_RT6 = 16; // u32 ptr radix head v6
export const CTX_NBR = 20; // u32 ptr neighbor table
export const CTX_FLOW = 24; // u32 ptr ipflow table
export const CTX_CNT = 28; // u32 ptr counters
export const CTX_PD = 32; // u32 ptr descriptor array
export const CTX_TX = 36; // u32 ptr tx list
export const CTX_TXCAP = 40; // u32 tx list capacity
export const CTX_NTX = 44; // u32 out: tx entries used by the last batch
export const CTX_FREE = 48; // u32 ptr free-cluster stack: u32 count, u32 cap, then u32 cluster ptrs
export const CTX_GEN = 52; // u32 ptr to the routing generation word
export const CTX_OPTS = 56; // u32 OPT_*
export const CTX_ICMP_PPS = 60; // u32 ICMP errors per second allowed per family (0 = unlimited)
export const CTX_ICMP_BURST = 64; // u32 bucket depth in errors
export const CTX_ICMP_TOKENS = 68; // u32 IPv4 tokens left (x1000)
export const CTX_ICMP_LAST = 72; // u32 IPv4 last refill time, ms
export const CTX_ICMP6_TOKENS = 76; // u32 ICMPv6 tokens left (x1000)
export const CTX_ICMP6_LAST = 80; // u32 ICMPv6 last refill time, ms
export const CTX_IPID = 84; // u32 next IPv4 id for datagrams we originate (ICMP errors)
export const CTX_NOW = 88; // u32 time of the batch being processed, ms (set by fwd_batch)
export const CTX_FIB4 = 92; // u32 ptr to the compiled IPv4 FIB header, 0 = look up in the radix tree
export const CTX_IFCNT = 96; // u32 ptr to this CPU's per-interface counters (IFC_SIZE per ifindex)
export const CTX_FIB6 = 100; // u32 ptr to the compiled IPv6 FIB header, 0 = look up in the radix tree
export const CTX_POOL = 104; // u32 ptr to the cluster pool behind the CTX_FREE cache (MB_*), 0 = the cache is all there is
export const CTX_WARM = 108; // u32 out: xor of the tbl24 words route4_warm loaded (kept so the loads are not optimised away)

export const OPT_FASTFWD = 1; // use and fill the ipflow cache
export const OPT_ICMP = 2; // send ICMP errors
export const OPT_FIBWARM = 4; // before each batch, load its IPv4 destinations' tbl24 words together (route4_warm): set when the table outgrows the caches

// Toeplitz / RSS input scratch inside the context (36 bytes at most)
export const CTX_SCRATCH = 128;

// ---------------------------------------------------------------------------------------------
// Multi-CPU engine: interrupt vectors and RX queues (ts/machine/). Written by the control plane
// (affinity, mode) and by the CPU that currently services the queue (counts, source state).
//
// Vector (VT_SIZE bytes, one per NIC queue pair; MSI-X "wm0 txrx1"):
//   0 ifindex | 4 queue | 8 bound CPU | 12 owner | 16 mode | 20 flags | 24 rsv | 28 rsv | 32 counts[VT_MAXCPU]
// Handoff protocol (intrctl affinity under traffic, nothing lost): the control plane stores a new
// VT_CPU. The CPU that owns the queue (VT_OWNER = cpu + 1) finishes its batch, sees VT_CPU moved
// and stores VT_OWNER = 0; the bound CPU claims it with compareExchange(0 -> cpu + 1). Only the
// owner touches the queue's state, so the queue's frame sequence continues where it stopped.
export const VT_SIZE = 128;
export const VT_IF = 0; // u32 ifindex
export const VT_QUEUE = 4; // u32 queue number
export const VT_CPU = 8; // u32 CPU the interrupt is bound to (intrctl affinity)
export const VT_OWNER = 12; // u32 CPU + 1 servicing the queue now, 0 = none (atomic)
export const VT_MODE = 16; // u32 VTM_*
export const VT_FLAGS = 20; // u32 VTF_*
export const VT_BUDGET = 24; // u32 poll mode: batches per turn before the CPU moves on (and reports a quiescent state)
export const VT_COUNTS = 32; // u32[VT_MAXCPU] interrupts taken per CPU
export const VT_MAXCPU = 24;
export const VTM_INTR = 0; // hardware interrupt -> per-CPU pktq -> softint
export const VTM_POLL = 1; // interrupt masked while the CPU polls the ring with a budget
export const VTF_DISABLED = 1; // not serviced (a link vector: no queue behind it)
export const VTF_LINK = 2; // the interface's link-state vector

// RX queue traffic source (the `gen` driver's per-queue state), QS_SIZE bytes per queue:
//   0 template base | 4 template count | 8 frame length | 12 stride | 16 next template | 20 rate (frames/s, 0 = line rate)
//   24 tokens (x1000) | 28 last refill ms | 32 frames made (u64) | 40 bytes made (u64)
//   64 RX ring (u32 ptr, RXR_*) | 68 TX ring of the same queue pair (u32 ptr, TXR_*; its txeof runs here)
export const QS_SIZE = 128;
export const QS_TMPL = 0;
export const QS_COUNT = 4;
export const QS_LEN = 8;
export const QS_STRIDE = 12;
export const QS_SEQ = 16;
export const QS_RATE = 20;
export const QS_TOKENS = 24;
export const QS_LAST = 28;
export const QS_FRAMES = 32;
export const QS_BYTES = 40;
export const QS_SINCE = 48; // u32 us (wrapping) when the oldest waiting frame arrived, 0 = none waiting
export const QS_MOD_FRAMES = 52; // u32 interrupt moderation: interrupt once this many frames wait...
export const QS_MOD_USECS = 56; // u32 ...or the oldest has waited this long
export const QS_LIMIT = 60; // u32 frames to produce in all (a capture replayed once), 0 = no limit
export const QS_RXR = 64;
export const QS_TXR = 68;

// Engine control block: MP_SIZE bytes.
export const MP_SIZE = 64;
export const MP_STOP = 0; // u32 1 = workers drain and exit
export const MP_NCPU = 4; // u32 worker CPUs
export const MP_NVEC = 8; // u32 vectors
export const MP_RUNNING = 12; // u32 workers that have started (atomic)
export const MP_DOORBELL = 16; // u32 bumped + notified to wake idle CPUs

// ---------------------------------------------------------------------------------------------
// Synchronization primitives (assembly/sync/, ts/sync/): pserialize, psref, pslist after NetBSD's
// pserialize(9), psref(9), pslist(9). Readers run on any CPU (a worker thread, WASM or TS) and take
// no lock; writers are TS and serialize among themselves with their own lock.
//
// pserialize domain: PSZ_SIZE bytes for PSZ_MAXCPU CPUs (a domain for n CPUs needs
// PSZ_SLOTS + n * PSZ_SLOT_SIZE bytes), 64-byte aligned.
//
//    0       4      8            64                                    128          192
//   +-------+------+--- ... ---+------------------------+------+------+--- ... ---+----- - -
//   | epoch | ncpu |           | state (seq | W | I)     | nest | errs |           | CPU 1 ...
//   +-------+------+--- ... ---+------------------------+------+------+--- ... ---+----- - -
//   header: written by performs      CPU 0's slot, one cache line per CPU
//
//   state bits:  31 ............................ 2   1   0
//               +----------------------------------+---+---+
//               | seq: sections this CPU entered   | W | I |   I = inside a read section
//               +----------------------------------+---+---+   W = a perform sleeps on this word
// Protocol
// - Only the owning CPU writes seq and I, and nest and errs (those two plainly). Outermost enter:
//   atomic store of state | I (sequentially consistent: the fence that orders it before the
//   section's loads). Outermost exit: atomic exchange with (seq + 1) << 2 (orders the section's
//   loads before it, clears I and W); if the old value had W, notify the state word.
// - A perform reads every CPU's state once; for each with I set it waits until the word leaves that
//   value (ignoring W): that section is over. To sleep it sets W with compareExchange and
//   Atomics.waits on the state word; the exchange at exit returns W, so the wake-up cannot be lost.
//   Sections entered after the read carry another seq (or start after it in the SC order and see
//   the writer's unpublish): they do not hold the perform back. Readers never touch shared lines.
// - epoch (atomic): performs begun (a generation number for diagnostics; readers never read it).
// - Memory a writer unpublished (one atomic store) before perform began may be freed once perform
//   returns: every reader that could have loaded the old pointer has left its section.
export const PSZ_MAXCPU = 64;
export const PSZ_EPOCH = 0; // u32 atomic: performs begun
export const PSZ_NCPU = 4; // u32 slots in use (set at init, then read-only)
export const PSZ_SLOTS = 64; // first per-CPU slot
export const PSZ_SLOT_SIZE = 64; // one cache line per CPU: no false sharing between readers
export const PSZ_SIZE = 4160; // PSZ_SLOTS + PSZ_MAXCPU * PSZ_SLOT_SIZE
export const PSC_STATE = 0; // u32 atomic: seq << 2 | PSC_WAITER | PSC_INSIDE
export const PSC_NEST = 4; // u32 plain: read-section depth
export const PSC_ERRORS = 8; // u32 plain: psz_read_exit calls outside any read section (debug)
export const PSC_INSIDE = 1;
export const PSC_WAITER = 2;
export const PSC_SEQ_ONE = 4; // seq's unit in the state word

// psref class: the per-CPU reference counts of every target of the class. CPU c's counters form
// one row, PRC_STRIDE bytes (a multiple of 64), so a CPU's acquire and release write only lines no
// other CPU writes (counts inside the target would put every CPU on one line). The class outlives
// its targets: a release notifies on its own count word, never on the target.
//
//    0      4     8        12       16     20      24     28        64
//   +------+-----+--------+--------+------+-------+------+--------+---------------------------------+
//   | ncpu | cap | stride | counts | free | nfree | next | errors | counts[ncpu][cap], u32 free[cap] |
//   +------+-----+--------+--------+------+-------+------+--------+---------------------------------+
//
//   count word:  31   30 ................................. 0
//               +----+--------------------------------------+
//               | W  | references CPU c holds on target i   |   W = a destroy sleeps on this word
//               +----+--------------------------------------+
// Protocol
// - counts[c][i]: the count bits are written only by CPU c (acquire: plain increment, published by
//   the SC exit of the read section it sits in; release: atomic subtract, which orders the holder's
//   use of the object before it). A destroy that must sleep sets W with compareExchange and
//   Atomics.waits on the word; a release that takes the count to 0 and sees W notifies it.
// - A target (PSRT_SIZE bytes, embedded in the object it protects): class, index, state. init writes
//   class and index, then stores state = PSRT_LIVE; destroy stores PSRT_DRAINING, waits for
//   counts[*][index] to reach 0, zeroes the column, stores 0 and frees the index (writer lock held).
// - destroy's contract (NetBSD's): no acquire can start any more: the object was unpublished and a
//   pserialize perform returned since. The object (and its target) may be freed when destroy returns.
export const PRC_NCPU = 0; // u32
export const PRC_CAP = 4; // u32 targets the class can hold
export const PRC_STRIDE = 8; // u32 bytes between two CPUs' rows
export const PRC_COUNTS = 12; // u32 ptr to CPU 0's row
export const PRC_FREE = 16; // u32 ptr to the u32 stack of free target indices
export const PRC_NFREE = 20; // u32
export const PRC_NEXT = 24; // u32 never-used indices start here
export const PRC_ERRORS = 28; // u32 atomic: misuse caught (release of a reference not held)
export const PRC_SIZE = 64; // header; CPU 0's row follows
export const PSREF_WAITER = 0x80000000; // count word: a destroy sleeps on it
export const PSREF_COUNT = 0x7fffffff; // count word: the references
export const PSRT_SIZE = 16;
export const PSRT_CLASS = 0; // u32 ptr to the class
export const PSRT_INDEX = 4; // u32 column in the class's count rows
export const PSRT_STATE = 8; // u32 atomic PSRT_*
export const PSRT_DEAD = 0; // never initialised, or destroyed
export const PSRT_LIVE = 0x70737266; // acquirable
export const PSRT_DRAINING = 0x70737264; // destroy is waiting for the counts to drain

// pslist: a singly linked list for lock-free readers. Links hold element addresses (0 = end); the
// entry sits PSLE_* bytes into each element at an offset the caller chooses (one per list).
//
//   head:  +-------+        element:  ... +------+-------+ ...
//          | first |                      | next | prevp |
//          +-------+                      +------+-------+
// Protocol
// - Readers (inside a pserialize read section) load first and next with atomic loads.
// - Writers (serialized by the caller's lock) fully initialise an element, then link it with ONE
//   atomic store (into head.first or the predecessor's next): a reader sees it whole or not at all.
// - Remove unlinks with one atomic store and keeps the element's next, so a reader standing on it
//   walks on. The element may be reused or freed only after a pserialize perform has returned;
//   pslist_entry_destroy then poisons next with POISON.
// - prevp (writers only): address of the word that links to this element; 0 = on no list.
export const PSLH_SIZE = 4;
export const PSLH_FIRST = 0; // u32 atomic ptr to the first element
export const PSLE_SIZE = 8;
export const PSLE_NEXT = 0; // u32 atomic ptr to the next element
export const PSLE_PREVP = 4; // u32 ptr to the link word pointing here (writers only)

// Capture ring (the pcap driver's transmit side): one per (recording interface, CPU). Single
// producer (the CPU, after its batch), single consumer (the control plane, which writes the pcap).
//   0 head (u32, frames the producer published, atomic) | 4 tail (u32, frames the consumer took, atomic)
//   8 slots | 12 slot bytes | 16 overruns (u32: frames dropped because the ring was full)
//   CR_SIZE: then `slots` slots of `slot bytes`: u32 length, u32 seconds, u32 nanoseconds, frame bytes
// The producer writes a slot, then stores head + 1; the consumer reads slots below head, then stores tail.
export const CR_SIZE = 64;
export const CR_HEAD = 0;
export const CR_TAIL = 4;
export const CR_SLOTS = 8;
export const CR_SLOT_BYTES = 12;
export const CR_OVERRUNS = 16;
export const CR_IF = 20; // u32 ifindex whose transmitted frames this ring records
export const CRS_LEN = 0;
export const CRS_SEC = 4;
export const CRS_NSEC = 8;
export const CRS_DATA = 12;

// ---------------------------------------------------------------------------------------------
// Packet buffers in the multi-CPU engine (ts/machine/): one pool of clusters handed around by address,
// never copied, as netmap and DPDK rings do. Every cluster is always in exactly one place:
//
//   pool (global stack) <-> CPU cache (CTX_FREE) -> RX ring slot -> pktq -> batch (descriptor)
//        ^                                                                     |  forwarded
//        |                     dropped / delivered locally: back to the cache <+  v
//        +---- completing CPU's cache <- TX completion (txeof) <- TX ring <- tx_post
//
// bufferAudit() (ts/machine/machine.ts) checks that with the engine stopped: every cluster found once.
//
// Pool: a stack of free cluster addresses behind one lock. CPUs touch it only in bulk, when their
// cache (the CTX_FREE stack, plain: only its CPU touches it) runs empty or full (pool_get/pool_put),
// so the lock is taken once per MB_BULK clusters. DPDK's mempool cache and NetBSD's pool_cache
// follow the same plan.
//   0 lock (u32: 0 free, 1 held; compareExchange) | 4 count (free clusters here) | 8 cap (clusters
//   in the whole pool) | 12 base (first cluster) | 16 contended (u32: failed lock attempts)
//   20 empty (u32: a cache found the pool empty) | MB_SIZE: u32 stack of cluster addresses [cap]
export const MB_SIZE = 64;
export const MB_LOCK = 0;
export const MB_COUNT = 4;
export const MB_CAP = 8;
export const MB_BASE = 12;
export const MB_CONTENDED = 16;
export const MB_EMPTY = 20;
export const MB_BULK = 64; // clusters moved between a cache and the pool at once

// RX ring (one per NIC queue): `size` slots, each always holding a cluster. The NIC ("DMA",
// rxr_fill) writes a frame into slot hw's cluster and sets its done bit; the interrupt handler
// (rxr_intr, rxr_poll) takes done slots from sw on, hands the cluster up and puts a fresh one from
// its CPU's cache in the slot. With no fresh cluster the frame is dropped and its cluster reused
// (counted: RXR_NOBUFS, wm(4)'s "no mbuf"); a frame that finds the ring full is lost on the wire
// (RXR_MISSED, the MAC's missed-packet counter). Only the queue's owner (VT_OWNER) touches it: the
// vector handoff orders one owner's writes before the next owner's reads.
//   0 size (u32, power of two) | 4 hw (u32 slots filled, wrapping) | 8 sw (u32 slots taken)
//   12 missed | 16 nobufs | 20 ifindex | RXR_SIZE: slots of RXD_SIZE bytes
//   slot: 0 cluster (u32) | 4 length (u16) | 6 done (u16)
export const RXR_SIZE = 64;
export const RXR_NSLOT = 0;
export const RXR_HW = 4;
export const RXR_SW = 8;
export const RXR_MISSED = 12;
export const RXR_NOBUFS = 16;
export const RXR_IF = 20;
export const RXD_SIZE = 8;
export const RXD_BUF = 0;
export const RXD_LEN = 4;
export const RXD_DONE = 6;

// pktq (one per CPU): frames the hardware interrupt handler queued for this CPU's softint
// (NetBSD's if_percpuq). Producer and consumer are the same CPU: no atomics.
//   0 size (u32, power of two) | 4 head (u32 enqueued, wrapping) | 8 tail (u32 dequeued) | 12 drops (full)
//   PQ_SIZE: entries of PQE_SIZE bytes: 0 cluster (u32) | 4 length (u16) | 6 rx ifindex (u16)
export const PQ_SIZE = 64;
export const PQ_NSLOT = 0;
export const PQ_HEAD = 4;
export const PQ_TAIL = 8;
export const PQ_DROPS = 12;
export const PQE_SIZE = 8;
export const PQE_BUF = 0;
export const PQE_LEN = 4;
export const PQE_IF = 6;

// TX ring (one per NIC TX queue). A CPU posts its forwarded frames to queue (cpu mod queues) of the
// output interface (wm(4)'s wm_select_txqueue); a NIC without TX multi-queue has one ring all CPUs
// share: that ring is if_snd. The CPU servicing the queue's vector reclaims what the NIC sent
// (txeof) and frees those clusters into its own cache. Every access (post, reclaim) holds the
// ring's lock, so posters and the reclaimer never race on head and tail; for a multi-queue NIC
// with a queue per CPU the lock is uncontended except against the reclaimer.
//   0 lock (u32: 0 free, cpu + 1 held) | 4 contended (u32) | 8 size (u32, power of two)
//   12 head (u32 posted, wrapping) | 16 tail (u32 reclaimed) | 20 drops (u32: ring full)
//   24 frames (u64 sent) | 32 bytes (u64 sent) | TXR_SIZE: slots of TXD_SIZE bytes:
//   0 frame address (u32, inside its cluster) | 4 length (u16) | 6 frame offset in its cluster (u16)
// Engine TX map (TXM_SIZE bytes per ifindex, 0 rings = no NIC behind it): 0 first ring (u32)
// | 4 rings (u32) | 8 bytes from one ring to the next (u32); ring q = first + q * stride.
export const TXR_SIZE = 64;
export const TXR_LOCK = 0;
export const TXR_CONTENDED = 4;
export const TXR_NSLOT = 8;
export const TXR_HEAD = 12;
export const TXR_TAIL = 16;
export const TXR_DROPS = 20;
export const TXR_FRAMES = 24;
export const TXR_BYTES = 32;
export const TXD_SIZE = 8;
export const TXD_BUF = 0;
export const TXD_LEN = 4;
export const TXD_OFF = 6;
export const TXM_SIZE = 16;
export const TXM_RING = 0;
export const TXM_NRING = 4;
export const TXM_STRIDE = 8;
