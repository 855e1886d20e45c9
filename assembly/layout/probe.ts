// Flow probe (PRB_, queue entry PRQ_, flow record PRF_, stamp PRS_): the RFC 2544 bench's per-flow
// receive accounting. The generator stamps each frame it writes into an RX ring (probe_stamp), the
// CPU that forwarded it counts it as it is handed to the sink NIC's transmit (probe_tx).
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).
//
// Header, PRB_SIZE bytes:
//   0 ifindex (u32: the sink whose transmitted frames are counted; 0 = probe off, nothing stamped)
//   4 queues (u32: entries in the queue table, one per vector) | 8 flow records (u32)
//   12 histogram buckets per queue (u32, PRH_BUCKETS)
//   16 unrecognized frames to the sink, per CPU (u32[PRB_MAXCPU]: too short, or a queue id out of range)
// then the queue table (queues x PRQ_SIZE), the flow records (flows x PRF_SIZE, 8-aligned), and a
// latency histogram per queue (queues x PRH_BUCKETS x u32). A queue's frames are forwarded by the one
// CPU its vector is bound to, so its records and histogram have one writer.
export const PRB_SIZE = 128;
export const PRB_IF = 0;
export const PRB_QUEUES = 4;
export const PRB_FLOWS = 8;
export const PRB_BUCKETS = 12;
export const PRB_FOREIGN = 16; // u32[PRB_MAXCPU]
export const PRB_MAXCPU = 24;
// Queue entry: 0 templates (u32: the flows on this queue; 0 = not a stamped queue) | 4 first flow
// record (u32 index) | 8 the template index of the trial's first frame (u32) | 12 histogram (u32 ptr)
export const PRQ_SIZE = 16;
export const PRQ_COUNT = 0;
export const PRQ_FIRST = 4;
export const PRQ_SEQ0 = 8;
export const PRQ_HIST = 12;
// Flow record. A flow's frames carry its own sequence 0, 1, 2, ... (the queue's frame number j over
// its template count). `next` is the sequence after the highest seen; bit b of `window` says sequence
// next - 1 - b was received (b < 32): a frame below next is reordered if its bit was clear, a
// duplicate if set, and `late` if older than the window (counted received and reordered; a duplicate
// that old is not told apart). Latency: microseconds from the stamp to the sink's transmit.
export const PRF_SIZE = 40;
export const PRF_NEXT = 0;
export const PRF_WINDOW = 4;
export const PRF_RECEIVED = 8; // u32 distinct sequences received
export const PRF_REORDERED = 12;
export const PRF_DUPLICATES = 16;
export const PRF_LATE = 20;
export const PRF_LAT_MIN = 24; // u32 us (0xffffffff until the first frame)
export const PRF_LAT_MAX = 28; // u32 us
export const PRF_LAT_SUM = 32; // f64 us
// Latency histogram: 240 buckets of u32; values below 16 us one bucket each, then 8 buckets per
// power of two (12.5% wide): bucket = 16 + (e - 4) * 8 + ((v >> (e - 3)) & 7), e = floor(log2 v).
export const PRH_BUCKETS = 240;
// Stamp: the last 12 bytes of the frame (from an even offset: len - 12 rounded down), six u16 words,
// little-endian: queue, j low, j high, microseconds low, microseconds high, and a word that keeps
// the ones' complement sum of the six as it was, so the UDP checksum stays right.
export const PRS_SIZE = 12;
export const PRS_QUEUE = 0;
export const PRS_J = 2;
export const PRS_US = 6;
export const PRS_FIX = 10;
