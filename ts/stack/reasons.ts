// Names for the path, drop/local reasons and counters of assembly/layout.ts, in index order.
// These strings are user-facing: trace.jsonl "reason", netstat output, JSON summaries.
import * as L from '../../assembly/layout.js';

export const PATH_NAMES = ['drop', 'fast', 'normal', 'local'] as const;
export type PathName = (typeof PATH_NAMES)[number];

export const REASON_NAMES: readonly string[] = [
  'none',
  'too-short',
  'too-long',
  'l2-other-host',
  'unknown-ethertype',
  'vlan-unknown',
  'if-down',
  'ip-version',
  'ip-header-length',
  'ip-length',
  'ip-checksum',
  'martian-source',
  'martian-destination',
  'ttl-exceeded',
  'no-route',
  'need-fragmentation',
  'too-big',
  'unresolved',
  'reject-route',
  'no-buffers',
  'scope',
  'local',
  'broadcast',
  'multicast',
  'arp',
  'cant-forward',
  'ip6-hbh-malformed',
  'ip6-hbh-unknown-option',
  'echo-reply',
  'echo-broadcast',
  'echo-rate-limited',
  'port-unreachable',
  'tcp-reset',
  'l4-checksum',
  'ip-options',
  'local-fragment',
  'martian-source-ours',
  'source-route',
  'arp-invalid',
  'arp-bad-sender',
  'nd',
  'nd-invalid',
  'nd-hop-limit',
  'icmp6-checksum',
  'held',
  'nbr-event-ring-full',
  'rp-filter',
  'gif-nesting',
  'gif-no-tunnel',
  'gif-icmp-relayed',
];

export const HTYPE_NAMES = ['none', 'ipv4', 'tcp4', 'udp4', 'ipv6', 'tcp6', 'udp6'] as const;

export const COUNTER_NAMES: Record<number, string> = {
  [L.C_RX_FRAMES]: 'rx-frames',
  [L.C_RX_BYTES]: 'rx-bytes',
  [L.C_FAST]: 'fast',
  [L.C_NORMAL]: 'normal',
  [L.C_LOCAL]: 'local',
  [L.C_DROP]: 'drop',
  [L.C_TX_FRAMES]: 'tx-frames',
  [L.C_TX_BYTES]: 'tx-bytes',
  [L.C_FRAGS_OUT]: 'fragments-out',
  [L.C_FRAGMENTED]: 'fragmented',
  [L.C_ICMP_OUT]: 'icmp-errors-out',
  [L.C_ICMP_RATELIM]: 'icmp-rate-limited',
  [L.C_ICMP_SUPPRESSED]: 'icmp-suppressed',
  [L.C_FLOW_HIT]: 'ipflow-hit',
  [L.C_FLOW_MISS]: 'ipflow-miss',
  [L.C_FLOW_INSERT]: 'ipflow-insert',
  [L.C_FLOW_REAP]: 'ipflow-reap',
  [L.C_FLOW_EXPIRE]: 'ipflow-expire',
  [L.C_FLOW_FLUSH]: 'ipflow-flush',
  [L.C_ICMP_REDIRECT]: 'icmp-redirects-out',
  [L.C_GIF_ENCAP]: 'gif-encapsulated',
  [L.C_GIF_DECAP]: 'gif-decapsulated',
  [L.C_ARP_REQ_IN]: 'arp-requests-in',
  [L.C_ARP_REP_IN]: 'arp-replies-in',
  [L.C_ARP_REP_OUT]: 'arp-replies-out',
  [L.C_ARP_CONFLICT]: 'arp-conflicts',
  [L.C_ND_NS_IN]: 'nd-solicits-in',
  [L.C_ND_NA_IN]: 'nd-adverts-in',
  [L.C_ND_NA_OUT]: 'nd-adverts-out',
  [L.C_NEV_LOST]: 'nbr-events-lost',
};
REASON_NAMES.forEach((n, r) => {
  if (r > 0) COUNTER_NAMES[L.C_REASON_BASE + r] = `reason:${n}`;
});

if (REASON_NAMES.length !== L.R_COUNT) throw new Error('REASON_NAMES out of step with assembly/layout.ts');
if (L.C_REASON_BASE + L.R_COUNT > L.C_COUNT) throw new Error('drop reasons overflow the counter block (C_COUNT)');
