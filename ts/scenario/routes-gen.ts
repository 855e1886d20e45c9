// Deterministic synthetic route tables in iproute2 syntax (`mpstack gen-routes`), for the default
// scenario, tests and benchmarks.
//
// Prefix-length mix, from published views of the public BGP table:
// - IPv4: about 60% /24, then /22 and /23, a tail to /16 (RIPE Labs, "Visibility of Prefix Lengths
//   in IPv4 and IPv6", 2019; Geoff Huston's bgp.potaroo.net reports).
// - IPv6: /48 and /32 dominate, then /44, /40, /36, /29, /56; the weights below give an average
//   prefix length near the 42.9 of potaroo's AS131072 IPv6 report (2024).
// Addresses are uniform within the unicast space (real tables cluster more: more-specifics sit
// inside their aggregates), which is the harder case for a FIB's cache footprint. Prefixes avoid
// the special-purpose ranges the default scenario uses for its own hosts.
import { rng } from '../rng.js';

export { rng } from '../rng.js';

export interface GenRoutesOptions {
  v4: number;
  v6: number;
  seed: number;
  /** gateways to spread routes over, v4 and v6 (text) */
  via4: readonly string[];
  via6: readonly string[];
}

const V4_LENS: readonly [number, number][] = [
  [24, 60],
  [23, 9],
  [22, 12],
  [21, 5],
  [20, 5],
  [19, 3],
  [18, 2],
  [17, 2],
  [16, 2],
];
const V6_LENS: readonly [number, number][] = [
  [48, 45],
  [44, 8],
  [40, 6],
  [36, 4],
  [32, 25],
  [29, 4],
  [64, 3],
  [56, 5],
];

function pick(r: () => number, table: readonly [number, number][]): number {
  const total = table.reduce((s, [, w]) => s + w, 0);
  let x = r() * total;
  for (const [v, w] of table) if ((x -= w) < 0) return v;
  return table[table.length - 1]![0];
}

/** IPv4 first octets a generated route may use: unicast space minus 0, 10, 100, 127, 172, 192, 198, 203. */
const AVOID4 = new Set([0, 10, 100, 127, 172, 192, 198, 203]);

export function* generateRoutes(o: GenRoutesOptions): Generator<string> {
  const r = rng(o.seed);
  const seen = new Set<string>();
  let made = 0;
  while (made < o.v4) {
    const plen = pick(r, V4_LENS);
    let a = 1 + Math.floor(r() * 222);
    if (AVOID4.has(a)) continue;
    const addr = ((a << 24) | Math.floor(r() * 0x1000000)) >>> 0;
    const net = plen === 0 ? 0 : (addr & (0xffffffff << (32 - plen))) >>> 0;
    const key = `${net}/${plen}`;
    if (seen.has(key)) continue;
    seen.add(key);
    made++;
    a = net >>> 24;
    yield `${a}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${plen} via ${o.via4[made % o.via4.length]}`;
  }
  made = 0;
  while (made < o.v6) {
    const plen = pick(r, V6_LENS);
    // 2000::/3 global unicast, skipping 2001:db8::/32 (documentation, used by the scenario's hosts)
    const w = [
      0x2000 | Math.floor(r() * 0x2000),
      Math.floor(r() * 0x10000),
      Math.floor(r() * 0x10000),
      Math.floor(r() * 0x10000),
    ];
    if (w[0] === 0x2001 && w[1] === 0x0db8) continue;
    let bits = plen;
    const words = w.map((x) => {
      const keep = Math.max(0, Math.min(16, bits));
      bits -= 16;
      return keep === 0 ? 0 : x & ((0xffff << (16 - keep)) & 0xffff);
    });
    const key = `${words.join(':')}/${plen}`;
    if (seen.has(key)) continue;
    seen.add(key);
    made++;
    yield `${words.map((x) => x.toString(16)).join(':')}::/${plen} via ${o.via6[made % o.via6.length]}`;
  }
}
