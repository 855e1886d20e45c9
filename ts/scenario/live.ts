// The live scenario `mpstack start` (npm start) runs on the multi-CPU machine: the embedded default
// router (default-config.ts: three ports, IPv4 and IPv6, vlan100 on wm0, ~500 generated routes) with
// every port a `gen` NIC, so the traffic is made inside the worker CPUs and spread over each NIC's RSS
// queues:
//
//   wm0  UDP/IPv4, 1024 flows 192.0.2.0/24 -> a generated /16 via 198.51.100.254   out wm1  (4 queues)
//   wm1  UDP/IPv6, 1024 flows 2001:db8:1::/64 -> a generated prefix via 2001:db8:2::fe  out wm2  (4 queues)
//   wm2  UDP/IPv4, 256 flows 203.0.113.0/24 -> 100.64.0.0/22 via 10.100.0.5  out vlan100 (tagged on wm0),
//        a quarter of them into 100.64.3.0/24, a blackhole: the drops by reason have something to show
//
// The ipflow cache is made big enough for the IPv4 flows (the default config's 256 entries would
// thrash and send nearly everything down the normal path), so the fast/normal split shows fast
// forwarding at work for IPv4 and the normal path for IPv6.
//
// The destinations are taken from the generated table rather than written here, so the traffic
// follows the table if routes-gen.ts changes. The config is DEFAULT_CONFIG_YAML edited as a YAML
// document (the drivers, two routes), so it loads and is checked as any file would be.
import { parseDocument } from 'yaml';
import { formatIP, formatPrefix } from '../addr/addr.js';
import { parseConfig } from '../config/load.js';
import { parseRoutesText } from '../config/routes-file.js';
import type { Config } from '../config/schema.js';
import { defaultRoutesText, defaultRouterYaml } from './default.js';
import { DEFAULT_CONFIG_YAML } from './default-config.js';

export const LIVE_CONFIG_NAME = '<embedded live scenario>';

/** What each gen NIC sends, in words for the live view's header. */
export interface LiveTraffic {
  ifname: string;
  family: 4 | 6;
  flows: number;
  size: number;
  src: string;
  dst: string;
  /** where the router sends it */
  out: string;
}

/** The first unicast route of the generated table through `via` (a /16 for IPv4: many flows, one route). */
function generatedPrefix(via: string, v4: boolean): string {
  let found: string | null = null;
  parseRoutesText(defaultRoutesText(), '<generated routes>', (r) => {
    if (found || r.type !== 'unicast' || !r.via || formatIP(r.via) !== via) return;
    if (v4 && r.plen !== 16) return;
    found = formatPrefix(r.dst, r.plen);
  });
  if (!found) throw new Error(`live scenario: the generated table has no route via ${via}`);
  return found;
}

/** The live scenario's traffic: one line per gen NIC. */
export function liveTraffic(): LiveTraffic[] {
  return [
    {
      ifname: 'wm0',
      family: 4,
      flows: 1024,
      size: 64,
      src: '192.0.2.0/24',
      dst: generatedPrefix('198.51.100.254', true),
      out: 'wm1',
    },
    {
      ifname: 'wm1',
      family: 6,
      flows: 1024,
      size: 78, // IPv6's smallest UDP frame with the 4-byte FCS (RFC 2544 sizes for IPv6 start here, as CSIT's)
      src: '2001:db8:1::/64',
      dst: generatedPrefix('2001:db8:2::fe', false),
      out: 'wm2',
    },
    {
      ifname: 'wm2',
      family: 4,
      flows: 256,
      size: 64,
      src: '203.0.113.0/24',
      dst: '100.64.0.0/22',
      out: 'vlan100 (tagged on wm0), but 100.64.3.0/24 is a blackhole',
    },
  ];
}

/** DEFAULT_CONFIG_YAML with a `gen` driver on every port, the vlan's routes and a bigger ipflow cache (no generated table). */
export function liveScenarioYaml(): string {
  const doc = parseDocument(DEFAULT_CONFIG_YAML);
  const traffic = liveTraffic();
  traffic.forEach((t, i) => {
    if (doc.getIn(['interfaces', i, 'name']) !== t.ifname)
      throw new Error(`live scenario: interfaces[${i}] of the default config is not ${t.ifname}`);
    doc.setIn(['interfaces', i, 'driver'], 'gen');
    doc.setIn(
      ['interfaces', i, 'gen'],
      doc.createNode({ src: t.src, dst: t.dst, flows: t.flows, size: t.size, rate: 0 }, { flow: true }),
    );
  });
  doc.addIn(['routes'], doc.createNode({ dst: '100.64.0.0/22', via: '10.100.0.5' }, { flow: true }));
  doc.addIn(['routes'], doc.createNode({ dst: '100.64.3.0/24', type: 'blackhole' }, { flow: true }));
  doc.setIn(['ipflow'], doc.createNode({ hashsize: 1024, maxflows: 4096, idle: 5 }, { flow: true }));
  doc.commentBefore = ' mpstack start: the default router with every port generating traffic (ts/scenario/live.ts)';
  return doc.toString();
}

/**
 * The live router as one self-contained YAML config, the generated table inline (what `mpstack start
 * --print-config` prints: saved as live.yaml, `mpstack run --config live.yaml` runs the same router).
 */
export function liveRouterYaml(): string {
  return defaultRouterYaml({}, liveScenarioYaml());
}

/** The live scenario's config (liveRouterYaml loaded). */
export function liveScenarioConfig(): Config {
  return parseConfig(liveRouterYaml(), LIVE_CONFIG_NAME, '.');
}
