// Packet buffers: the cluster (BUF_, MAX_FRAME), the cluster pool (MB_), the NIC rings (RXR_/RXD_,
// TXR_/TXD_, TXM_ the per-ifindex TX ring map) and the per-CPU pktq (PQ_/PQE_).
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

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
// (RXR_MISSED, the MAC's missed-packet counter). A generated queue's NIC is its owner (VT_OWNER)
// itself: the vector handoff orders one owner's writes before the next owner's reads. A real link's
// NIC is its driver thread (ts/machine/link-port.ts), a single producer against the owner as single
// consumer: it writes slots from hw and publishes hw (release), the owner takes slots up to hw (acquire)
// and publishes sw (release) once their fresh clusters are in place; missed is the producer's.
//   0 size (u32, power of two) | 4 hw (u32 slots filled, wrapping) | 8 sw (u32 slots taken)
//   12 missed | 16 nobufs | 20 ifindex | 24 queue (u32, the NIC's RX queue number) | 28 producer lock (u32:
//   0 free; a real link's RX producer holds it while it places frames: its I/O thread, or a CPU reading
//   the link right after writing to it, ts/host/tap-direct-tx.ts) | 32 direct frames (u32: frames such a
//   CPU read) | 36 polled frames (u32: frames the queue's owner CPU read from the device while it
//   busy-polled, engine.busy_poll_us) | 40 poller (u32: cpu + 1 of the CPU busy-polling the device now,
//   0 none; while set the link's RX thread stops watching the device and waits for it to clear:
//   ts/host/tap-thread-node.ts) | 44 pauses (u32: times the RX thread stopped watching for a poller)
//   | 48 warm (u32, the producer's: an xor of the cluster words rxr_place read ahead, stored so
//   the reads are kept, as CTX_WARM) | RXR_SIZE: slots of RXD_SIZE bytes
//   slot: 0 cluster (u32) | 4 length (u16) | 6 done (u16) | 8 RSS hash (u32) | 12 hash type (u32, HT_*)
// The hash and its type are the NIC's, written with the frame as a NIC writes them into its RX
// descriptor (82599's RSS hash field): a generated queue's NIC takes them from its template's
// (QS_HASHES); a real link's driver writes none (HT_NONE), and its CPU hashes in software (rss_batch).
export const RXR_SIZE = 64;
export const RXR_NSLOT = 0;
export const RXR_HW = 4;
export const RXR_SW = 8;
export const RXR_MISSED = 12;
export const RXR_NOBUFS = 16;
export const RXR_IF = 20;
export const RXR_QUEUE = 24;
export const RXR_PRODUCER = 28;
export const RXR_DIRECT = 32;
export const RXR_POLLED = 36;
export const RXR_POLLER = 40;
export const RXR_PAUSES = 44;
export const RXR_WARM = 48;
export const RXD_SIZE = 16;
export const RXD_BUF = 0;
export const RXD_LEN = 4;
export const RXD_DONE = 6;
export const RXD_RSS = 8;
export const RXD_HTYPE = 12;

// pktq (one per CPU): frames the hardware interrupt handler queued for this CPU's softint
// (NetBSD's if_percpuq). Producer and consumer are the same CPU: no atomics.
//   0 size (u32, power of two) | 4 head (u32 enqueued, wrapping) | 8 tail (u32 dequeued) | 12 drops (full)
//   PQ_SIZE: entries of PQE_SIZE bytes: 0 cluster (u32) | 4 length (u16) | 6 rx ifindex (u16)
//   | 8 RSS hash (u32) | 12 hash type (u16) | 14 RX queue (u16): the NIC's, for the descriptor
export const PQ_SIZE = 64;
export const PQ_NSLOT = 0;
export const PQ_HEAD = 4;
export const PQ_TAIL = 8;
export const PQ_DROPS = 12;
export const PQE_SIZE = 16;
export const PQE_BUF = 0;
export const PQE_LEN = 4;
export const PQE_IF = 6;
export const PQE_RSS = 8;
export const PQE_HTYPE = 12;
export const PQE_QUEUE = 14;

// TX ring (one per NIC TX queue). A CPU posts its forwarded frames to queue (cpu mod queues) of the
// output interface (wm(4)'s wm_select_txqueue); a NIC without TX multi-queue has one ring all CPUs
// share: that ring is if_snd. The CPU servicing the queue's vector reclaims what the NIC sent
// (txeof) and frees those clusters into its own cache. Every access (post, reclaim) holds the
// ring's lock, so posters and the reclaimer never race on head and tail; for a multi-queue NIC
// with a queue per CPU the lock is uncontended except against the reclaimer.
//   0 lock (u32: 0 free, cpu + 1 held) | 4 contended (u32) | 8 size (u32, power of two)
//   12 head (u32 posted, wrapping) | 16 tail (u32 reclaimed) | 20 drops (u32: ring full)
//   24 frames (u64 sent) | 32 bytes (u64 sent) | 40 link (u32: nonzero when a real link's driver sends
//   the frames) | 44 sent (u32, wrapping: frames the driver has sent, written by the driver only)
//   | 48 descriptor (i32: a TAP link's file descriptor + 1, 0 none; changed only under the sender lock)
//   | 52 sender lock (u32: 0 free; whoever sends [sent, head) of a link ring holds it: its I/O thread,
//   or the CPU that posted a short burst and writes it at once, ts/host/tap-direct-tx.ts)
//   | 56 direct frames (u32: frames posting CPUs wrote themselves) | 60 direct errors (u32: their failed writes)
//   | TXR_SIZE: slots of TXD_SIZE bytes:
//   0 frame address (u32, inside its cluster) | 4 length (u16) | 6 frame offset in its cluster (u16)
// A generated NIC sends a posted frame at once: everything posted is reclaimable. A real link's driver
// (ts/machine/link-port.ts) sends [sent, head) from the clusters where they are (no copy) and then
// publishes sent (release); reclaim, by the vector's CPU or a poster that found the ring full, frees
// only [tail, sent): a frame is never freed before the link has sent it.
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
export const TXR_LINK = 40;
export const TXR_SENT = 44;
export const TXR_FD = 48;
export const TXR_SENDER = 52;
export const TXR_DIRECT = 56;
export const TXR_DIRECT_ERRORS = 60;
export const TXD_SIZE = 8;
export const TXD_BUF = 0;
export const TXD_LEN = 4;
export const TXD_OFF = 6;
export const TXM_SIZE = 16;
export const TXM_RING = 0;
export const TXM_NRING = 4;
export const TXM_STRIDE = 8;
