// Compiled IPv6 FIB: the header (F6_), the chunk hash slot (F6E_), the entry encoding and the /24 bitmap.
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

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
// A chunk holding a single route R (no longer than /64, none at the chunk itself) is one "route
// slot" with no entries below it: tag = chunk length | R's length << F6_ROUTE_SHIFT, the key words
// hold R's whole prefix (a probe compares them masked to the chunk length), the value is R's
// nexthop id (next 0). An address inside R gets that id, any other the parent entry's. In a
// table of scattered routes most chunks hold one, and a /48 under a /29 chunk costs one probe.
// Reader protocol: load tag (acquire), then key, then value (atomic). Writer (one at a time): a new
// slot is written key and value first, tag last (release); values change by one atomic store,
// deepest chunks first, so a reader that reaches a chunk sees its children already in place; a
// deleted slot becomes F6_TOMB at once and is reused (or emptied) only after a grace period.
//
// The /24 bitmap: 2^24 bits (u32 words, bit x & 31 of word x >>> 5 for the /24 x = address >>> 104),
// set when some route longer than /16 overlaps that /24. A lookup whose tbl16 word has a `next`
// reads its bit first: clear, the tbl16 word's nexthop is the answer and the hash is not touched
// (most of a sparse table's address space, at the cost of one read in 2 MiB). The writer sets a
// route's bits before any entry leads to it and clears a bit only at reclaim (a grace period after
// the delete), and only when no route longer than /16 overlaps that /24 any more.
export const F6_SIZE = 32;
export const F6_TBL16 = 0; // u32 ptr
export const F6_HASH = 4; // u32 ptr
export const F6_SLOTS = 8; // u32 slots (any count >= 2: a probe starts at fib6_slot(hash, slots), multiply-high, and wraps at the end)
export const F6_RT = 12; // u32 ptr to the IPv6 radix head (F6_RADIX answers)
export const F6_F24 = 16; // u32 ptr to the /24 bitmap (0: none), above
export const F6E_SIZE = 16;
export const F6E_TAG = 0;
export const F6E_VAL = 4;
export const F6E_K0 = 8;
export const F6E_K1 = 12;
export const F6_TOMB = 0xffffffff;
export const F6_RADIX = 0xff;
export const F6_NH_MASK = 0xffffff;
export const F6_LEN_MASK = 0xff; // a tag's chunk length (route slots keep R's length above it)
export const F6_ROUTE_SHIFT = 8;
