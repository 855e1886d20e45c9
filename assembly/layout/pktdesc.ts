// Per-frame batch metadata: the frame descriptor (PD_) with its path (PATH_), hash type (HT_) and
// drop or local-delivery reason (R_) values, and the tx list entry (TX_) a batch fills.
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

// Frame descriptor (the pkthdr of one received frame), PD_SIZE bytes, one per frame of a batch.
// TS (the driver) writes BUF, LEN, RXIF; rss_batch writes RSS, QUEUE, HTYPE; fwd_batch writes the rest.
//
//    0        4      6      8        12     14   15   16     18     20        24       28  29
//   +--------+------+------+--------+------+----+----+------+------+---------+--------+---+---+
//   | buf    | len  | rxif | rss    |queue |path|rsn | txif | ntx  | txfirst | nh     |ht |   |
//   +--------+------+------+--------+------+----+----+------+------+---------+--------+---+---+
export const PD_SIZE = 32;
export const PD_BUF = 0; // u32 ptr to the first byte of the frame
export const PD_LEN = 4; // u16 frame length in bytes
export const PD_RXIF = 6; // u16 receive ifindex (after VLAN demux: the vlan interface)
export const PD_RSS = 8; // u32 Toeplitz hash (0 when not hashed)
export const PD_QUEUE = 12; // u16 RSS queue
export const PD_PATH = 14; // u8 PATH_*
export const PD_REASON = 15; // u8 R_* (drops and local deliveries)
export const PD_TXIF = 16; // u16 output ifindex of the forwarded frame (0 = none)
export const PD_NTX = 18; // u16 frames transmitted because of this frame (forwarded, fragments, ICMP)
export const PD_TXFIRST = 20; // u32 index of the first of those in the tx list
export const PD_NH = 24; // u32 nexthop id the frame was forwarded with (0 = none)
export const PD_HTYPE = 28; // u8 HT_* hash type used

export const PATH_DROP = 0;
export const PATH_FAST = 1;
export const PATH_NORMAL = 2;
export const PATH_LOCAL = 3;
export const PATH_BRIDGE = 4; // switched by a bridge(4) from one member to another (or flooded), never routed

// RSS hash types (which fields went into the Toeplitz hash)
export const HT_NONE = 0;
export const HT_IPV4 = 1;
export const HT_TCP4 = 2;
export const HT_UDP4 = 3;
export const HT_IPV6 = 4;
export const HT_TCP6 = 5;
export const HT_UDP6 = 6;

// Tx list entry: one frame to transmit, TX_SIZE bytes. Forwarded frames point into their rx cluster
// (zero copy); fragments and ICMP errors point into clusters popped from the free stack.
export const TX_SIZE = 8;
export const TX_BUF = 0; // u32 ptr to the frame
export const TX_LEN = 4; // u16
export const TX_IF = 6; // u16 output ifindex

// ---------------------------------------------------------------------------------------------
// Drop and local-delivery reasons (u8). Names live in ts/stack/reasons.ts, in this order.
export const R_NONE = 0;
export const R_TOO_SHORT = 1; // frame or header truncated
export const R_TOO_LONG = 2; // frame larger than a cluster
export const R_L2_OTHER_HOST = 3; // unicast to another MAC
export const R_ETHERTYPE = 4; // neither IPv4, IPv6 nor ARP
export const R_VLAN_UNKNOWN = 5; // tag with no vlan interface
export const R_IF_DOWN = 6; // receive or output interface down / absent
export const R_IP_VERSION = 7;
export const R_IP_HLEN = 8;
export const R_IP_LEN = 9; // total length < header or > frame
export const R_IP_CKSUM = 10;
export const R_MARTIAN_SRC = 11;
export const R_MARTIAN_DST = 12;
export const R_TTL = 13; // TTL / hop limit exceeded in transit
export const R_NO_ROUTE = 14;
export const R_NEED_FRAG = 15; // IPv4 DF set and larger than the MTU
export const R_TOO_BIG = 16; // IPv6 larger than the MTU
export const R_UNRESOLVED = 17; // next hop has no neighbor entry
export const R_REJECT = 18; // reject / blackhole route
export const R_NOBUFS = 19; // no cluster for a fragment
export const R_SCOPE = 20; // IPv6 link-local source or destination, not forwarded
export const R_LOCAL = 21; // local: for one of our addresses, but nothing here serves it (a protocol or ICMP type we do not answer, NDP, a TCP RST, TCP in a link-layer group frame)
export const R_BROADCAST = 22; // local: broadcast
export const R_MULTICAST = 23; // local: multicast
export const R_ARP = 24; // local: ARP
export const R_CANTFORWARD = 25; // link-layer broadcast/multicast frame with a unicast IP destination not ours (RFC 1812 5.3.4)
export const R_IP6_HBH_BAD = 26; // IPv6 hop-by-hop header past the payload, option past the header (RFC 8200 4.3)
export const R_IP6_HBH_OPT = 27; // IPv6 hop-by-hop option of unknown type whose action is discard (RFC 8200 4.2)
// Local delivery (assembly/forward/local.ts): what became of datagrams for our own addresses
export const R_ECHO_REPLY = 28; // local: ICMP/ICMPv6 echo request answered
export const R_ECHO_BCAST = 29; // local: echo request to a broadcast or multicast address (or in a link-layer group frame), not answered
export const R_ECHO_RATELIM = 30; // local: echo request not answered, the echo rate limit's bucket was empty
export const R_PORT_UNREACH = 31; // local: UDP for us (no port is open): ICMP port unreachable, under the error rules and limit
export const R_TCP_RESET = 32; // local: TCP segment for us (no port is open) answered with a RST
export const R_L4_CKSUM = 33; // ICMP, ICMPv6, UDP or TCP checksum wrong on a datagram for us
export const R_IP_OPTIONS = 34; // malformed IPv4 options (length, pointer, timestamp flags): ICMP parameter problem at the bad octet (assembly/forward/ip4opts.ts)
export const R_LOCAL_FRAG = 35; // local: an IPv4 fragment for us (no reassembly here)
// Router requirements (assembly/forward/ip4opts.ts, redirect.ts, pipeline.ts; CONFORMANCE.md)
export const R_SRC_OURS = 36; // martian source: one of our own addresses, arriving from outside (Linux's martian source)
export const R_SRCRT = 37; // IPv4 loose/strict source route refused (ip.forward_source_route off) or failed: ICMP unreachable code 5
// Neighbors (assembly/nbr/arp.ts, nd6.ts, nev.ts)
export const R_ARP_BAD = 38; // ARP not Ethernet/IPv4, bad lengths or opcode (RFC 826)
export const R_ARP_SENDER = 39; // ARP from a broadcast/multicast sender MAC, from our own MAC, or from a martian sender address
export const R_ND = 40; // local: IPv6 neighbor discovery (RFC 4861), valid, handled (answered, learned or ignored)
export const R_ND_BAD = 41; // ND failing RFC 4861 7.1/6.1.1/8.1 (code, length, option of length 0, multicast target, DAD rules)
export const R_ND_HLIM = 42; // ND with an IP hop limit other than 255 (RFC 4861 7.1: it came from off-link)
export const R_ICMP6_CKSUM = 43; // ICMPv6 checksum wrong (ND checks it before believing anything)
export const R_HELD = 44; // local: next hop unresolved, the packet handed to the neighbor cache's hold queue (nev.ts)
export const R_NEV_FULL = 45; // next hop unresolved and the CPU's neighbor event ring full: dropped, not held
// Reverse-path filter (pipeline.ts, ip4_rpf_ok)
export const R_RPF = 46; // IPv4 source failing the receiving interface's rp_filter (strict: the route back leaves by another interface; loose: no usable route back)
// bridge(4) (assembly/forward/bridge.ts)
export const R_BR_SAME_PORT = 47; // bridged unicast whose destination the FDB places on the receiving port: filtered
export const R_BR_NO_PORT = 48; // bridged unicast with no other member up to send it to (unknown destination, a bridge of one)
// Tunnels (assembly/forward/gif.ts)
export const R_GIF_NEST = 49; // gif: past the nesting limit (an outer packet routed into a tunnel again, back to us, or a tunnel inside a tunnel)
export const R_GIF_NOTUNNEL = 50; // gif: a route through a gif interface that has no tunnel addresses
export const R_GIF_RELAY = 51; // local: an ICMP error about one of our tunnels' outer packets, relayed to the inner source (RFC 2003 4)
export const R_GIF_INGRESS = 52; // gif: an outer packet to a tunnel's local end from a source that is not its remote end (RFC 4213 3.6 ingress filtering)
export const R_COUNT = 53;
