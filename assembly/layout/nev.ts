// Neighbor events: the per-CPU ring (NEVR_) in which a CPU's data path tells the control plane what
// the neighbor cache must learn or resolve, its slots (NEV_), their kinds (NEVK_) and flags (NEVF_).
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).
//
// Up rings: single producer (the CPU, in fwd_batch), single consumer (the control plane,
// ts/stack/lltable.ts). Down rings (the multi-CPU engine): single producer (the control plane's
// thread), single consumer (the CPU, between batches: nev_down_drain), same protocol.
// HEAD and TAIL are free-running u32 counts on separate cache lines. The producer checks
// HEAD - TAIL < SLOTS (TAIL acquire-loaded), writes slot HEAD % SLOTS, then release-stores HEAD + 1;
// the consumer acquire-loads HEAD, reads slots up to it and release-stores TAIL past them, and only
// then may the producer write those slots again. A full ring is never waited on: the event is lost
// and counted (R_NEV_FULL for a miss, C_NEV_LOST for a learn event).
//
//   header, NEVR_SIZE bytes            slot i at NEVR_SIZE + i * NEVR_SLOT_BYTES
//   0      4      8          64        0    1    2     4    8          24    30    32    34   48
//   +------+------+----------+------+  +----+----+-----+----+----------+-----+-----+-----+----+------+
//   | head |slots | slot     | tail |  |kind|flag| len | if | address  | MAC |frame|rxif |    | data |
//   +------+------+ bytes ---+------+  +----+----+-----+----+----------+-----+-----+-----+----+------+
export const NEVR_SIZE = 128;
export const NEVR_HEAD = 0; // u32 events written (producer)
export const NEVR_SLOTS = 4; // u32 slots, a power of two (set at init)
export const NEVR_SLOT_BYTES = 8; // u32 bytes per slot (set at init)
export const NEVR_TAIL = 64; // u32 events consumed (consumer)

export const NEV_SIZE = 48; // slot header; the packet bytes follow at NEV_DATA
export const NEV_KIND = 0; // u8 NEVK_*
export const NEV_FLAGS = 1; // u8 NEVF_*
export const NEV_LEN = 2; // u16 MISS: bytes of the packet kept at NEV_DATA (0 = none kept)
export const NEV_IF = 4; // u32 MISS: output ifindex; learn events: receiving ifindex
export const NEV_ADDR = 8; // 16 bytes, wire order (IPv4 in the first 4): MISS the next hop, learn the neighbor
export const NEV_MAC = 24; // 6 bytes: learn events, the neighbor's MAC when NEVF_MAC
export const NEV_FRAME = 30; // u16 index in its batch of the frame that raised the event
export const NEV_RXIF = 32; // u16 MISS: the receiving ifindex (the source of an ICMP error on give-up)
export const NEV_DATA = 48; // MISS: the L3 packet as it would leave (TTL / hop limit decremented)

export const NEVK_MISS4 = 1; // IPv4 next hop without a usable entry
export const NEVK_MISS6 = 2; // IPv6 next hop without a usable entry
export const NEVK_ARP = 3; // a valid ARP packet worth learning from (sender address and MAC)
export const NEVK_NS = 4; // a valid NS for one of our addresses with a source link-layer option
export const NEVK_NA = 5; // a valid NA (target address, its link-layer option if any)
// the other direction (control plane -> a CPU, the same ring format: nev_down_drain)
export const NEVK_TX = 6; // send the NEV_LEN-byte Ethernet frame at NEV_DATA on the wire interface NEV_IF
export const NEVK_UNREACH4 = 7; // ICMP host unreachable about the held IPv4 packet at NEV_DATA (received on NEV_RXIF)
export const NEVK_UNREACH6 = 8; // ICMPv6 address unreachable about the held IPv6 packet at NEV_DATA

export const NEVF_MAC = 1; // NEV_MAC holds a MAC
export const NEVF_REQUEST = 2; // ARP: a request (else a reply)
export const NEVF_TARGET_OURS = 4; // ARP: the target address is ours on the receiving interface
export const NEVF_ROUTER = 8; // NA: R flag
export const NEVF_SOLICITED = 16; // NA: S flag
export const NEVF_OVERRIDE = 32; // NA: O flag
