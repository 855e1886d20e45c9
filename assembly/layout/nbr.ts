// Neighbor table (ARP/NDP cache): header (NBH_), entry (NB_) and entry states (NBS_).
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

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
export const NB_USED = 30; // u8 set by a data-path reader that used the entry (only when 0); cleared by the control plane

export const NBS_EMPTY = 0;
export const NBS_VALID = 1;
export const NBS_TOMB = 2; // deleted a grace period ago or more: reusable
export const NBS_LIMBO = 3; // deleted, readers may still hold it: skipped like a tombstone, not reused until nb_reclaim
export const NBS_V6 = 256;
