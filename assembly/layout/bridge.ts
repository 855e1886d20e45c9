// bridge(4): the bridge softc (BR_), its member ports (BRP_) and its forwarding database (FDB_, the
// bits of an entry's sequence word FDBF_). Plain `export const NAME = <integer>;` lines only:
// AssemblyScript and TypeScript both compile this file (see ../layout.ts, which re-exports it and
// holds the prefix glossary). The data path is assembly/forward/bridge.ts; the writers are
// ts/stack/bridge-fdb.ts (FDB) and Tables (softc, ports).
//
// Bridge softc: BR_SIZE bytes per bridge interface (ifnet IFF_BRIDGE, IF_BRSC points here), then
// BR_MAXPORTS port slots of BRP_SIZE bytes each.
//
//    0         4         8       12       16        20        24       28          64
//   +---------+---------+-------+--------+---------+---------+--------+---- ... --+-- ports ...
//   | ifindex | members | fdb   | mask   | maxaddr | timeout | count  |           | BRP_SIZE each
//   +---------+---------+-------+--------+---------+---------+--------+---- ... --+--
//
// Protocol (the talk's: readers lock-free under pserialize, writers serialized by the writer lock)
// - The member list (BR_MEMBERS) is a pslist (sync.ts) of port slots. Every CPU walks it to flood,
//   inside its batch's read section; the data path never blocks, so a walker holds no psref: the
//   read section itself keeps every port slot it can reach from being reused.
// - Add (Tables.bridgeAddMember): the port slot is written whole, linked with one atomic store
//   (pslist), then the member's IF_BRIDGE, then its IF_FLAGS gains IFF_BRPORT (atomic): from then on
//   its frames enter the bridge.
// - Delete (Tables.bridgeUnpublishMember): IFF_BRPORT goes (atomic), the slot is unlinked, the FDB
//   entries naming the port are deleted; after a grace period (pserialize perform)
//   Tables.bridgeFreeMember poisons the slot and clears IF_BRIDGE. A reader that still found the
//   port (an FDB entry read before the delete) checks the port's IFF_BRPORT and IF_BRIDGE before
//   sending to it.
// - ifindex, fdb, mask, maxaddr, timeout are written before the bridge's IFF_EXISTS and never change
//   while it exists (timeout and maxaddr: atomic stores by brconfig, read once per use).
// - count (atomic): FDB entries in use, learned or static; every CPU adds and subtracts with atomic
//   read-modify-writes, so maxaddr holds exactly (see FDB_ below).
export const BR_SIZE = 64; // header; the port slots follow
export const BR_IFINDEX = 0; // u32 the bridge's own ifindex
export const BR_MEMBERS = 4; // u32 pslist head (PSLH_FIRST): the member ports, a BRP_ slot each
export const BR_FDB = 8; // u32 ptr to the FDB: (BR_MASK + 1) entries of FDB_SIZE bytes
export const BR_MASK = 12; // u32 FDB slots - 1 (slots: a power of two)
export const BR_MAXADDR = 16; // u32 atomic: entries the FDB may hold (brconfig maxaddr)
export const BR_TIMEOUT = 20; // u32 atomic: ms a learned entry lives unrefreshed (brconfig timeout; 0 = forever)
export const BR_COUNT = 24; // u32 atomic: entries in use
export const BR_MAXPORTS = 16; // port slots after the header
export const BR_BYTES = 320; // BR_SIZE + BR_MAXPORTS * BRP_SIZE: one softc with its port slots

// Port slot: a member interface on the bridge's member list.
export const BRP_SIZE = 16;
export const BRP_LINK = 0; // pslist entry (PSLE_SIZE bytes: next, prevp)
export const BRP_IFINDEX = 8; // u32 the member's ifindex (0: the slot is free)
export const BRP_FLAGS = 12; // u32 reserved (0)

// ---------------------------------------------------------------------------------------------
// Forwarding database: an open-addressing hash of FDB_SIZE-byte entries, probed linearly up to
// FDB_PROBE slots from the hash of the MAC (br_hash). Every CPU learns into it at once, without a lock.
//
//    0          4                    10        12         16
//   +----------+--------------------+---------+----------+
//   | seq      | MAC (6 bytes)      | port    | seen     |
//   +----------+--------------------+---------+----------+
//   seq:  31 ................................ 3   2   1   0
//        +------------------------------------+---+---+---+
//        | generation: bumped by every write  | S | V | B |   B = FDBF_BUSY: a writer is inside
//        +------------------------------------+---+---+---+   V = FDBF_VALID, S = FDBF_STATIC
// Protocol (a seqlock per entry, claimed by compare-and-swap; every word is read and written with
// atomic 32-bit operations, MAC and port as the two words at 4 and 8)
// - seq == 0: never used; a probe chain ends there. A deleted entry keeps its generation (V clear):
//   a tombstone, so chains stay whole and seq never returns to a value a reader saw before (no ABA).
// - Writer (a CPU learning, or the control plane): CAS seq from the value it read (B clear) to
//   value | B; a failed CAS means another writer got there first, and learning just gives up (the
//   next frame learns again). Then it stores MAC/port and seen, and last stores seq with the next
//   generation, V (and S) set and B clear. Claiming a never-used or deleted slot first adds 1 to
//   BR_COUNT and backs off if that passes maxaddr; reusing an expired entry keeps the count.
// - Reader: s = seq; skip it unless V is set and B clear; read MAC/port; then seq again: if it is
//   not s, the entry changed under it and the reader takes it as unknown (the frame is flooded,
//   never misdelivered to a torn port).
// - seen (atomic) is refreshed by any CPU with a plain atomic store when it differs (at most once
//   per ms per station: the line is written rarely); racing refreshes all store recent times.
// - An entry whose seen is older than BR_TIMEOUT is treated as absent by readers and may be reused
//   by a learner (no sweeper is needed on the data path); static entries never expire and are never
//   moved by learning. The control plane sweeps expired entries out (count back down) as brconfig
//   shows or flushes the table.
// - Two CPUs learning one new MAC at once may both insert it (two slots): lookups take the first,
//   moves update the first, and the other expires. The count includes both: maxaddr is a bound on
//   slots, as NetBSD's brt_count is.
export const FDB_SIZE = 16;
export const FDB_SEQ = 0; // u32 atomic
export const FDB_MAC = 4; // 6 bytes
export const FDB_PORT = 10; // u16 member ifindex
export const FDB_SEEN = 12; // u32 atomic: last seen, ms (the batch clock)
export const FDB_PROBE = 16; // slots a lookup or a learner probes
export const FDBF_BUSY = 1;
export const FDBF_VALID = 2;
export const FDBF_STATIC = 4;
export const FDB_GEN_ONE = 8; // the generation's unit in seq

// Flooding is bounded: a batch sends at most BR_FLOOD_BATCH copies (unknown unicast, broadcast,
// multicast, output to an unlearned MAC); past it copies are counted (C_BR_FLOOD_CAP), not sent, so a
// bridge loop (no spanning tree here) costs at most that much per batch and never wedges a CPU.
export const BR_FLOOD_BATCH = 256;
