// Capture ring (CR_, slot header CRS_): frames a CPU received or transmitted, on their way to a
// capture file (the pcap driver's `out:`) or a live capture (`mpstack capture`).
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

// Capture ring: one per (tap, CPU). A tap is a pcap driver's recording (armed for the whole run)
// or a live capture (armed and disarmed at run time); MP_TAPS (machine.ts) holds one bit per armed
// tap. Single producer (the CPU, around its batch), single consumer (the control plane's thread,
// which drains it into a pcap writer or a capture client).
//   0 head (u32, frames the producer published, atomic) | 4 tail (u32, frames the consumer took, atomic)
//   8 slots | 12 slot bytes | 16 overruns (u32: frames dropped because the ring was full)
//   20 ifindex (u32, the wire interface whose frames it records) | 24 directions (u32, CRD_*)
//   CR_SIZE: then `slots` slots of `slot bytes`: u32 length, u32 seconds, u32 nanoseconds,
//   u32 direction (CRD_IN or CRD_OUT), frame bytes
// The producer writes a slot, then stores head + 1; the consumer reads slots below head, then stores
// tail. The header below head and tail is written only while the tap is disarmed and no CPU can
// still be writing to it (after a grace period: see MpMachine.tapClose).
export const CR_SIZE = 64;
export const CR_HEAD = 0;
export const CR_TAIL = 4;
export const CR_SLOTS = 8;
export const CR_SLOT_BYTES = 12;
export const CR_OVERRUNS = 16;
export const CR_IF = 20; // u32 ifindex whose frames this ring records
export const CR_DIR = 24; // u32 CRD_* mask: which directions it records
// Directions: the values of pcapng's epb_flags direction bits (inbound 1, outbound 2), so a slot's
// CRS_DIR goes into an Enhanced Packet Block as it is.
export const CRD_IN = 1;
export const CRD_OUT = 2;
export const CRS_LEN = 0;
export const CRS_SEC = 4;
export const CRS_NSEC = 8;
export const CRS_DIR = 12; // u32 CRD_IN or CRD_OUT
export const CRS_DATA = 16;
