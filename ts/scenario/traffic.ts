// The default scenario's traffic: a seeded mix of forwardable flows (IPv4, IPv6, vlan, both
// directions) and every kind of trouble a router meets (TTL expiry, no route, bad checksums,
// fragments, too big with and without DF, local and link-layer broadcast, ARP, truncation).
import type { Config } from '../config/schema.js';
import { parseIP, parseMac } from '../addr/addr.js';
import { buildArp, buildFrame, type FrameSpec } from '../packet/build.js';
import { rng } from './routes-gen.js';

export interface TrafficFrame {
  data: Uint8Array;
  ifindex: number;
  tsMs: number;
  kind: string;
}

const ip = (s: string) => parseIP(s)!.bytes;
const mac = (s: string) => parseMac(s)!;

/** Picks a host address inside a prefix (the .1/::1-ish end, so it is never the network itself). */
function inside(prefix: Uint8Array, plen: number, r: () => number): Uint8Array {
  const a = Uint8Array.from(prefix);
  for (let bit = plen; bit < a.length * 8; bit++) if (r() < 0.5) a[bit >> 3]! |= 0x80 >> (bit & 7);
  a[a.length - 1]! |= 1;
  return a;
}

export function defaultTraffic(cfg: Config, n: number, seed = 1): TrafficFrame[] {
  const r = rng(seed);
  const ifx = (name: string) => cfg.interfaces.find((i) => i.name === name)!;
  const wm0 = ifx('wm0'),
    wm1 = ifx('wm1');
  const host = [mac('02:00:00:00:aa:10'), mac('02:00:00:00:aa:11')];
  const v4routes = cfg.routes.filter((x) => x.family === 4 && x.type === 'unicast');
  const v6routes = cfg.routes.filter((x) => x.family === 6 && x.type === 'unicast');
  const viaWm2 = v4routes.filter((x) => x.via && x.via[0] === 203);
  // a fixed set of flows, so the fast path gets hits as in real traffic
  const flows4 = Array.from({ length: 96 }, () => {
    const rt = v4routes[Math.floor(r() * v4routes.length)]!;
    return inside(rt.dst, rt.plen, r);
  });
  const flows6 = Array.from({ length: 32 }, () => {
    const rt = v6routes[Math.floor(r() * v6routes.length)]!;
    return inside(rt.dst, rt.plen, r);
  });
  const big4 = Array.from({ length: 8 }, () => {
    const rt = viaWm2[Math.floor(r() * viaWm2.length)]!;
    return inside(rt.dst, rt.plen, r);
  });
  const kinds: [string, number, () => { spec: FrameSpec; ifindex: number }][] = [
    [
      'ipv4',
      50,
      () => ({
        ifindex: wm0.index,
        spec: {
          dstMac: wm0.mac,
          srcMac: host[0]!,
          src: ip('192.0.2.10'),
          dst: flows4[Math.floor(r() * flows4.length)]!,
          proto: r() < 0.7 ? 'udp' : 'tcp',
          sport: 10000 + Math.floor(r() * 8),
          dport: 443,
          minFrame: 60,
        },
      }),
    ],
    [
      'ipv6',
      15,
      () => ({
        ifindex: wm0.index,
        spec: {
          dstMac: wm0.mac,
          srcMac: host[0]!,
          src: ip('2001:db8::10'),
          dst: flows6[Math.floor(r() * flows6.length)]!,
          proto: 'udp',
          sport: 20000 + Math.floor(r() * 4),
          dport: 53,
          flowLabel: 0x12345,
          minFrame: 60,
        },
      }),
    ],
    [
      'ipv4-return',
      8,
      () => ({
        ifindex: wm1.index,
        spec: {
          dstMac: wm1.mac,
          srcMac: mac('02:00:00:00:bb:fe'),
          src: flows4[Math.floor(r() * flows4.length)]!,
          dst: ip(r() < 0.5 ? '192.0.2.10' : '192.0.2.11'),
          proto: 'tcp',
          sport: 443,
          dport: 10000,
          minFrame: 60,
        },
      }),
    ],
    [
      'vlan',
      4,
      () => ({
        ifindex: wm0.index,
        spec: {
          dstMac: wm0.mac,
          srcMac: mac('02:00:00:00:cc:05'),
          vlan: 100,
          src: ip('10.100.0.5'),
          dst: flows4[Math.floor(r() * 8)]!,
          proto: 'udp',
          minFrame: 60,
        },
      }),
    ],
    [
      'ttl-expiry',
      3,
      () => ({
        ifindex: wm0.index,
        spec: {
          dstMac: wm0.mac,
          srcMac: host[1]!,
          src: ip('192.0.2.11'),
          dst: flows4[0]!,
          ttl: 1,
          proto: 'udp',
          dport: 33434,
          minFrame: 60,
        },
      }),
    ],
    [
      'no-route-v6',
      3,
      () => ({
        ifindex: wm0.index,
        spec: {
          dstMac: wm0.mac,
          srcMac: host[0]!,
          src: ip('2001:db8::10'),
          dst: ip('2001:db9::99'),
          proto: 'udp',
          minFrame: 60,
        },
      }),
    ],
    [
      'no-route-v4',
      2,
      () => ({
        ifindex: wm0.index,
        spec: {
          dstMac: wm0.mac,
          srcMac: host[0]!,
          src: ip('192.0.2.10'),
          dst: ip('172.20.1.1'),
          proto: 'udp',
          minFrame: 60,
        },
      }),
    ],
    [
      'bad-checksum',
      2,
      () => ({
        ifindex: wm0.index,
        spec: {
          dstMac: wm0.mac,
          srcMac: host[0]!,
          src: ip('192.0.2.10'),
          dst: flows4[1]!,
          proto: 'udp',
          minFrame: 60,
          tos: -1,
        },
      }),
    ],
    [
      'fragment',
      3,
      () => ({
        ifindex: wm0.index,
        spec: {
          dstMac: wm0.mac,
          srcMac: host[0]!,
          src: ip('192.0.2.10'),
          dst: flows4[2]!,
          proto: 'udp',
          mf: true,
          id: 4242,
          payload: 200,
        },
      }),
    ],
    [
      'too-big-df',
      2,
      () => ({
        ifindex: wm0.index,
        spec: {
          dstMac: wm0.mac,
          srcMac: host[0]!,
          src: ip('192.0.2.10'),
          dst: big4[Math.floor(r() * big4.length)]!,
          proto: 'tcp',
          df: true,
          payload: 1440,
        },
      }),
    ],
    [
      'too-big-fragmented',
      2,
      () => ({
        ifindex: wm0.index,
        spec: {
          dstMac: wm0.mac,
          srcMac: host[0]!,
          src: ip('192.0.2.10'),
          dst: big4[Math.floor(r() * big4.length)]!,
          proto: 'udp',
          payload: 1452,
        },
      }),
    ],
    [
      'local',
      2,
      () => ({
        ifindex: wm0.index,
        spec: {
          dstMac: wm0.mac,
          srcMac: host[0]!,
          src: ip('192.0.2.10'),
          dst: ip('192.0.2.1'),
          proto: 'icmp',
          minFrame: 60,
        },
      }),
    ],
    [
      'broadcast',
      1,
      () => ({
        ifindex: wm0.index,
        spec: {
          dstMac: new Uint8Array(6).fill(0xff),
          srcMac: host[0]!,
          src: ip('192.0.2.10'),
          dst: ip('192.0.2.255'),
          proto: 'udp',
          dport: 137,
          minFrame: 60,
        },
      }),
    ],
    [
      'other-host',
      1,
      () => ({
        ifindex: wm0.index,
        spec: {
          dstMac: host[1]!,
          srcMac: host[0]!,
          src: ip('192.0.2.10'),
          dst: ip('192.0.2.11'),
          proto: 'udp',
          minFrame: 60,
        },
      }),
    ],
  ];
  const total = kinds.reduce((s, k) => s + k[1], 0) + 2; // + ARP and truncated frames
  const frames: TrafficFrame[] = [];
  let ts = 1_700_000_000_000;
  for (let i = 0; i < n; i++) {
    ts += r() < 0.01 ? 3 : 0; // bursts: most frames share a millisecond
    let x = r() * total;
    let made = false;
    for (const [kind, w, make] of kinds) {
      if ((x -= w) >= 0) continue;
      const { spec, ifindex } = make();
      const bad = spec.tos === -1;
      if (bad) spec.tos = 0;
      const data = buildFrame(spec);
      if (bad) data[14 + 10]! ^= 0x5a;
      frames.push({ data, ifindex, tsMs: ts, kind });
      made = true;
      break;
    }
    if (made) continue;
    if (x < 1) {
      // a host asking for another host (not for the router: taken, counted, not answered)
      const arp = buildArp({
        dstMac: new Uint8Array(6).fill(0xff),
        srcMac: host[0]!,
        op: 1,
        senderMac: host[0]!,
        senderIp: ip('192.0.2.10'),
        targetIp: ip('192.0.2.11'),
      });
      frames.push({ data: arp, ifindex: wm0.index, tsMs: ts, kind: 'arp' });
    } else {
      const f = buildFrame({
        dstMac: wm0.mac,
        srcMac: host[0]!,
        src: ip('192.0.2.10'),
        dst: flows4[3]!,
        proto: 'udp',
        minFrame: 60,
      });
      frames.push({ data: f.slice(0, 14 + Math.floor(r() * 20)), ifindex: wm0.index, tsMs: ts, kind: 'truncated' });
    }
  }
  return frames;
}
