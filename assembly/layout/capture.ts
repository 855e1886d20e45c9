// Capture ring (CR_, slot header CRS_): frames a CPU transmitted, on their way to a pcap file.
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

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
