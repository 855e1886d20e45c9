// Synchronization primitives: the pserialize domain (PSZ_, per-CPU slot PSC_), the psref class
// (PRC_, count word PSREF_) and target (PSRT_), and the pslist head (PSLH_) and entry (PSLE_).
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

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
