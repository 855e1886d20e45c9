// Per-CPU state: the counters (C_ indices into u64[C_COUNT]), the per-interface counters (IFC_) and
// the forwarding context (CTX_) fwd_batch runs with, with its options (OPT_).
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

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
export const C_ICMP_REDIRECT = 19; // ICMP redirects sent (also counted in C_ICMP_OUT)
export const C_ARP_REQ_IN = 20; // valid ARP requests received
export const C_ARP_REP_IN = 21; // valid ARP replies received
export const C_ARP_REP_OUT = 22; // ARP replies sent (for one of our addresses)
export const C_ARP_CONFLICT = 23; // ARP from another MAC claiming one of our addresses as its sender
export const C_ND_NS_IN = 24; // valid neighbor solicitations received
export const C_ND_NA_IN = 25; // valid neighbor advertisements received
export const C_ND_NA_OUT = 26; // solicited neighbor advertisements sent
export const C_NEV_LOST = 27; // learn events lost to a full neighbor event ring
// bridge(4) (assembly/forward/bridge.ts)
export const C_BRIDGE = 28; // frames switched by a bridge (PATH_BRIDGE)
export const C_BR_FLOOD = 29; // frames a flood sent out of a member port (its copies and the frame itself)
export const C_BR_FLOOD_CAP = 30; // flood copies not sent: the batch's bound (BR_FLOOD_BATCH), no cluster or no tx entry
export const C_BR_FDB_FULL = 31; // source MACs not learned: the FDB at maxaddr or its probe window full
export const C_GIF_ENCAP = 32; // packets encapsulated by a gif (assembly/forward/gif.ts)
export const C_GIF_DECAP = 33; // outer packets matched in the encap table and decapsulated
export const C_REASON_BASE = 34;
export const C_COUNT = 96; // C_REASON_BASE + R_COUNT <= C_COUNT

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
export const CTX_NEV = 112; // u32 ptr to this CPU's neighbor event ring (nev.ts), 0 = none: a miss is dropped as unresolved
export const CTX_LAF = 116; // u32 ptr to the local-address filter (LAF_BYTES bitmap), 0 = none: always look the source up
export const CTX_ENCAP = 120; // u32 ptr to the encap table (layout/encap.ts), 0 = no tunnels
export const CTX_WARM = 108; // u32 out: xor of the tbl24 words route4_warm loaded (kept so the loads are not optimised away)

// Local-address filter: a bitmap of LAF_BYTES * 8 bits, one per hash of an address the router owns
// (local and broadcast host routes). The normal path looks a packet's source up in the FIB only when
// its bit is set: a martian "our own address" or "broadcast" source needs the lookup, almost no
// other packet does. Bits are only ever set (Tables, under the writer lock, before the route is
// published), so a reader never misses one; a deleted address leaves a false positive, which costs
// one lookup. laf_hash4(a) = (a ^ a >>> 16) & 0xffff; for IPv6 the same over w0 ^ w1 ^ w2 ^ w3.
export const LAF_BYTES = 8192;

export const OPT_FASTFWD = 1; // use and fill the ipflow cache
export const OPT_ICMP = 2; // send ICMP errors
export const OPT_SRCRT = 8; // process IPv4 source routes (ip.forward_source_route); without it they are refused
export const OPT_FIBWARM = 4; // before each batch, load its IPv4 destinations' tbl24 words together (route4_warm): set when the table outgrows the caches

// Toeplitz / RSS input scratch inside the context (36 bytes at most); local delivery (assembly/forward/local.ts)
// keeps the sender's MAC there while it rewrites the frame in place
export const CTX_SCRATCH = 128;
// Echo replies' token buckets (assembly/forward/local.ts), per family, apart from the errors' above
export const CTX_ECHO_PPS = 164; // u32 echo replies per second allowed per family (0 = unlimited)
export const CTX_ECHO_BURST = 168; // u32 bucket depth in replies
export const CTX_ECHO_TOKENS = 172; // u32 IPv4 tokens left (x1000)
export const CTX_ECHO_LAST = 176; // u32 IPv4 last refill time, ms
export const CTX_ECHO6_TOKENS = 180; // u32 ICMPv6 tokens left (x1000)
export const CTX_ECHO6_LAST = 184; // u32 ICMPv6 last refill time, ms
