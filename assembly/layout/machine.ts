// Multi-CPU machine (ts/machine/): interrupt vectors (VT_, modes VTM_, flags VTF_), the RX queue
// traffic sources of the gen driver (QS_) and the machine control block (MP_).
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

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
// u32 QSF_* flags. QSF_PACED: a trial source (MpOptions.paced, the RFC 2544 bench): it offers exactly
// QS_TOKENS frames (the trial's count) counted from QS_LIMIT (the low word of QS_FRAMES when the trial
// was armed), at QS_RATE frames/s from QS_LAST (the CPU's clock in us when it first saw the trial; 0 =
// not yet), as a wire does: frames that fall due while the CPU is busy arrive together and those the
// RX ring has no room for are missed (RXR_MISSED), never silently not sent. Only written while the
// vector is disabled and unowned (MpMachine.offer).
export const QS_FLAGS = 72;
export const QSF_PACED = 1;
// QSF_LINK: a real link's queue (tap, udp, stream, websocket): the CPU makes no frames, its link's
// driver thread is the NIC that fills the RX ring (the producer side in ts/machine/link-port.ts).
export const QSF_LINK = 2;
// u32 pointer: per template (QS_COUNT of them) a u32 RSS hash and a u32 hash type (HT_*), which its
// NIC computed once (the stack's rss kernel, when the machine laid the templates out) and writes into
// the RX descriptor of every copy it receives (RXD_RSS); 0 = none.
export const QS_HASHES = 76;
// QSF_GENTHREAD: a trial source whose frames a generator thread makes (ts/machine/gen-loop.ts), not
// the CPU: the thread is the queue's NIC and RX producer, by link-port.ts's protocol; the CPU only
// consumes, as for QSF_LINK, but the frames carry their NIC's hash (QS_HASHES).
export const QSF_GENTHREAD = 4;
// u32 1 while the generator thread works on this queue's source (atomic): MpMachine.offer rewrites the
// source only after it disabled the vector and saw this 0 (the thread re-checks VTF_DISABLED after setting it).
export const QS_GENBUSY = 80;
// The generator thread's own pauses in a trial (gen-loop.ts): the thread was not running, so its
// wire sent nothing; the trial's schedule (QS_LAST) moves on by the pause instead of charging a burst
// to the router. u32 pauses seen and u32 their total in microseconds, since the machine started.
export const QS_GENSTALLS = 84;
export const QS_GENSTALL_US = 88;

// Engine control block: MP_SIZE bytes.
export const MP_SIZE = 64;
export const MP_STOP = 0; // u32 1 = workers drain and exit
export const MP_NCPU = 4; // u32 worker CPUs
export const MP_NVEC = 8; // u32 vectors
export const MP_RUNNING = 12; // u32 workers that have started (atomic)
export const MP_DOORBELL = 16; // u32 bumped + notified to wake idle CPUs
export const MP_TXBELL = 20; // u32 bumped + notified by a CPU that posted frames, to wake the links' drivers
// u32 one bit per armed tap (capture rings, ../layout/capture.ts): the only word a CPU reads per batch
// for captures, so an engine nobody captures on pays one load. Set (Atomics.or) after the tap's rings
// are initialised; cleared (Atomics.and) before a grace period, after which no CPU writes them.
export const MP_TAPS = 24;
