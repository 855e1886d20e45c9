// Tunnels: the encap table (ENC_ header, ENCE_ entry, ENCS_ entry states, ENCP_ protocol bits) that
// an outer packet for one of our addresses is matched against, as NetBSD's ip_encap.c.
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

// Encap table: an ENC_SIZE-byte header, then ENC_CAP entries of ENCE_SIZE bytes.
//
//    0       4       8                 64
//   +-------+-------+-----------------+------------------+------------------+---
//   | cap   | hwm   |  (pad)          | entry 0          | entry 1          | ...
//   +-------+-------+-----------------+------------------+------------------+---
//
//   entry:  0       4       8    9    10    11    12                28                44
//          +-------+-------+----+----+-----+-----+-----------------+-----------------+----+
//          | state | ifidx | af |prot|splen|dplen| src (4 words)   | dst (4 words)   |pad |
//          +-------+-------+----+----+-----+-----+-----------------+-----------------+----+
//
// Protocol (the talk's pserialize reader example): readers are every CPU's pipeline, inside the
// batch's pserialize read section, with no lock: they scan entries [0, ENC_HWM) and take an entry
// only when its ENCE_STATE, loaded atomically, says ENCS_LIVE. The one writer (Tables, under the
// writer lock) publishes an entry by writing every field and then storing ENCE_STATE (atomic), and
// raises ENC_HWM (atomic) before that when the entry lies past it. It unpublishes by storing
// ENCS_FREE; the slot may be written again only after a grace period (pserialize perform), when no
// reader can still be matching against its old addresses. The words of ENCE_SRC/ENCE_DST are host
// order, most significant first, masked to their prefix lengths; an IPv4 entry uses word 0 only.
// ENCE_SRC matches the outer packet's source (the tunnel's remote end), ENCE_DST its destination
// (our end). The most specific live match wins: the largest ENCE_SPLEN + ENCE_DPLEN, the first slot
// on a tie (NetBSD's encap_lookup).
export const ENC_SIZE = 64;
export const ENC_CAP = 0; // u32 entries the table has room for
export const ENC_HWM = 4; // u32 (atomic) entries [0, hwm) may be live
export const ENC_MAX = 64; // entries in the table the stack lays out

export const ENCE_SIZE = 48;
export const ENCE_STATE = 0; // u32 (atomic) ENCS_*
export const ENCE_IF = 4; // u32 ifindex of the tunnel interface the inner packet enters on
export const ENCE_AF = 8; // u8 outer family: 4 or 6
export const ENCE_PROTO = 9; // u8 ENCP_* bits: which inner protocols the entry takes
export const ENCE_SPLEN = 10; // u8 prefix length of ENCE_SRC
export const ENCE_DPLEN = 11; // u8 prefix length of ENCE_DST
export const ENCE_SRC = 12; // 4 x u32 host order: the outer source (the tunnel's remote end)
export const ENCE_DST = 28; // 4 x u32 host order: the outer destination (our end)

export const ENCS_FREE = 0;
export const ENCS_LIVE = 1;

export const ENCP_IPV4 = 1; // IP protocol 4: IPv4 inside (RFC 2003)
export const ENCP_IPV6 = 2; // IP protocol 41: IPv6 inside (RFC 4213, RFC 2473)

// gif(4) defaults (NetBSD's if_gif.h): outer TTL / hop limit, and tunnels within tunnels allowed
// on one packet's way (max_gif_nesting): one encapsulation and one decapsulation per frame.
export const GIF_TTL = 30;
export const GIF_MTU = 1280;
export const GIF_PMTU_EXPIRE_MS = 600000; // a learned tunnel path MTU lives 10 minutes (NetBSD's ip_mtudisc_timeout)
export const GIF_PMTU_MIN = 68; // a learned path MTU is never taken below IPv4's minimum (RFC 791); IPv6 inside uses at least 1280
export const GIF_NEST_MAX = 1;
