// Interfaces: the ifnet slot (IF_) and its flags (IFF_), and the RSS tables an ifnet points at
// (TOE_ Toeplitz byte table, RETA_SIZE indirection table).
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

// ifnet table: IF_SIZE bytes per interface, indexed by ifindex (index 0 is never used).
// Readers (every CPU's pipeline, inside a pserialize read section) find a slot by index only: from
// a frame's receive port, a parent's VLAN map, a nexthop's NH_IFINDEX. Writers (Tables, one at a
// time) attach by writing every field, then IF_FLAGS with IFF_EXISTS (atomic), then the parent's
// VLAN map entry (atomic u16); detach by clearing the map entry and the flags, deleting the routes
// that name the index, waiting a grace period, deleting its neighbor entries, and only then
// zeroing the slot (and reusing the index). A reader with a stale index reads "absent", never memory put to other use.
export const IF_SIZE = 128;
export const IF_FLAGS = 0; // u32 IFF_*
export const IF_MTU = 4; // u32
export const IF_MAC = 8; // 6 bytes
export const IF_VID = 14; // u16 VLAN id when IFF_VLAN
export const IF_PARENT = 16; // u32 parent ifindex when IFF_VLAN
export const IF_NQUEUES = 20; // u32 RSS queues (>= 1)
export const IF_RSSTAB = 24; // u32 ptr to the Toeplitz byte table (TOE_TABLE_SIZE bytes)
export const IF_RETA = 28; // u32 ptr to the indirection table (RETA_SIZE u8 queue numbers)
export const IF_ADDR4 = 32; // u32 primary IPv4 address, host order (0 = none)
export const IF_VLANMAP = 36; // u32 ptr to u16[4096] vid -> vlan ifindex (0 = none)
export const IF_ADDR6 = 40; // 16 bytes primary global IPv6 address, wire order (all zero = none)
export const IF_LL6 = 56; // 16 bytes link-local IPv6 address, wire order
// gif(4) tunnel (IFF_GIF): the outer addresses and TTL, valid while IFF_GIF_TUNNEL is set. Written
// with IFF_GIF_TUNNEL clear and published by setting it (atomic); a tunnel is changed by clearing
// the bit, a grace period, the new words, the bit again (Tables.setTunnel), so no reader ever sees
// half an address.
export const IF_GIF_SRC = 72; // 16 bytes outer source (one of our addresses), wire order; IPv4 in the first 4
export const IF_GIF_DST = 88; // 16 bytes outer destination (the remote end), wire order
export const IF_GIF_TTL = 104; // u32 outer TTL / hop limit (GIF_TTL by default)
// bridge(4) (layout/bridge.ts): a member's bridge, and a bridge's softc
export const IF_BRIDGE = 108; // u32 ifindex of the bridge this interface is a port of (with IFF_BRPORT)
export const IF_BRSC = 112; // u32 ptr to the bridge softc (BR_) when IFF_BRIDGE
// gif(4) path MTU learned from the outer path (gif_icmp_relay: frag-needed / packet-too-big about
// one of its outer packets): the inner MTU the outer path carries (its MTU less the outer header),
// 0 = none. Written by any CPU (atomic stores: AT first, then PMTU, only ever lowered while valid)
// and cleared by Tables.setTunnel after the grace period that retires the old tunnel; read by
// gif_output with AT against the batch clock (stale after GIF_PMTU_EXPIRE_MS, as NetBSD's
// ip_mtudisc_timeout ages a learned route MTU).
export const IF_GIF_PMTU = 116; // u32 atomic
export const IF_GIF_PMTU_AT = 120; // u32 atomic: batch clock (ms) when PMTU was learned

export const IFF_EXISTS = 1;
export const IFF_UP = 2;
export const IFF_VLAN = 4;
export const IFF_RSS_UDP4 = 8; // hash UDP ports over IPv4
export const IFF_RSS_UDP6 = 16; // hash UDP ports over IPv6
export const IFF_HAS_ADDR6 = 32;
export const IFF_HAS_LL6 = 64;
export const IFF_NOREDIRECT = 128; // send no ICMP redirects out of this interface (send_redirects: false)
export const IFF_DIRBCAST = 256; // forward directed broadcasts to this interface's subnet (directed_broadcast: true)
export const IFF_RPF_STRICT = 512; // reverse-path filter, strict: the route back to an IPv4 source must leave by this interface (rp_filter: 1)
export const IFF_RPF_LOOSE = 1024; // reverse-path filter, loose: some usable route back to an IPv4 source (rp_filter: 2)
export const IFF_GIF = 2048; // a gif(4) tunnel interface: a route through it encapsulates (assembly/forward/gif.ts)
export const IFF_GIF_TUNNEL = 4096; // the gif has its tunnel addresses (IF_GIF_*): without them its output is dropped
export const IFF_GIF_V6 = 8192; // the tunnel's outer header is IPv6
export const IFF_BRIDGE = 0x10000; // a bridge(4): IF_BRSC is its softc; output goes to a member (assembly/forward/bridge.ts)
export const IFF_BRPORT = 0x20000; // a member of the bridge IF_BRIDGE: its frames enter the bridge, never its own IP input

// ---------------------------------------------------------------------------------------------
// Toeplitz: a byte table per key. Entry [i][b] (u32) is the hash contribution of byte value b at input
// byte position i: a 36-byte IPv6 4-tuple hashes with 36 loads and XORs instead of 288 bit steps.
export const TOE_KEY_LEN = 40;
export const TOE_MAX_INPUT = 36;
export const TOE_TABLE_SIZE = 36864; // TOE_MAX_INPUT * 256 * 4
export const RETA_SIZE = 128;
