// The embedded default scenario's router: three ports, IPv4 and IPv6, a vlan, static neighbors.
// `mpstack demo` runs on this plus a generated table of routes, and `mpstack start` (npm start) on
// it with every port generating traffic (live.ts); `mpstack demo --print-config` prints the router
// and its table (default.ts's defaultRouterYaml) so it can be saved and edited as a starting point.
export const DEFAULT_CONFIG_NAME = '<embedded default>';

export const DEFAULT_CONFIG_YAML = `# mpstack default scenario: a three-port router with a vlan.
#
#   hosts 192.0.2.0/24, 2001:db8::/64 ----- wm0 --+            +-- wm1 --- gateway 198.51.100.254, 2001:db8:1::fe
#   vlan100 10.100.0.0/24 (tagged on wm0) --------+-- router --+
#                                                              +-- wm2 --- gateway 203.0.113.254, 2001:db8:2::fe (MTU 1400)
interfaces:
  - name: wm0
    model: wm
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24, 2001:db8::1/64, fe80::1/64]
    rss: { queues: 4, udp: true }
  - name: wm1
    model: wm
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24, 2001:db8:1::1/64]
    rss: { queues: 4, udp: true }
  - name: wm2
    model: vmx
    mac: 02:00:00:00:00:03
    mtu: 1400
    addresses: [203.0.113.1/24, 2001:db8:2::1/64]
    rss: { queues: 2 }
  - name: vlan100
    vlan: { parent: wm0, id: 100 }
    addresses: [10.100.0.1/24]
neighbors:
  - { address: 192.0.2.10, mac: 02:00:00:00:aa:10, dev: wm0 }
  - { address: 192.0.2.11, mac: 02:00:00:00:aa:11, dev: wm0 }
  - { address: 2001:db8::10, mac: 02:00:00:00:aa:10, dev: wm0 }
  - { address: 10.100.0.5, mac: 02:00:00:00:cc:05, dev: vlan100 }
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
  - { address: 2001:db8:1::fe, mac: 02:00:00:00:bb:fe, dev: wm1 }
  - { address: 203.0.113.254, mac: 02:00:00:00:dd:fe, dev: wm2 }
  - { address: 2001:db8:2::fe, mac: 02:00:00:00:dd:fe, dev: wm2 }
routes:
  - { dst: 192.0.2.128/26, type: unreachable }
  - { dst: 198.18.0.0/15, type: blackhole }
ipflow: { hashsize: 2048, maxflows: 1024, idle: 5 }
icmp: { ratelimit: 1000, burst: 50 }
fastforward: true
`;
