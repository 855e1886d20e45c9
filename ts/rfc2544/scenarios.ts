// The RFC 2544 bench's topologies, built in code: a generator NIC (wm0, `gen` driver: UDP flows as
// address and port ranges, so RSS spreads them over its queues) and a sink NIC (wm1), the router
// between them configured as the talk's scenario asks.
//   fast    fast forwarding (ipflow) on; the one route the traffic takes
//   normal  fast forwarding off; the traffic's route plus N synthetic ones (routes-gen.ts)
//   vlan    fast forwarding on; the egress is vlan100 on wm1 (the frames leave tagged)
//   bridge  wm0 and wm1 members of bridge0; 500 stations behind each, the frames switched from one
//           side's stations to the other's (1,000 learned MACs: the warm-up teaches both sides)
//   gif     fast forwarding off; the traffic's route goes into gif0 (IPv4 in IPv4, 198.51.100.1 ->
//           198.51.100.254, a neighbor on wm1): every frame encapsulated, 20 bytes longer on the wire
// IPv4 or IPv6 traffic (family 6: fast and normal only, frames from 78 bytes as FD.io's CSIT sends).
import { parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { parseRoutesText } from '../config/routes-file.js';
import type { MpOptions } from '../machine/machine.js';
import { UserError } from '../errors.js';
import { generateRoutes } from '../scenario/routes-gen.js';

export const SCENARIOS = ['fast', 'normal', 'vlan', 'bridge', 'gif'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export type Family = 4 | 6;
/** The scenarios built for IPv6 traffic. */
export const SCENARIOS_V6: readonly Scenario[] = ['fast', 'normal'];
/** The smallest frame of each family: RFC 2544's 64 bytes; 78 for UDP/IPv6 (CSIT's minimum: 40-byte header). */
export const MIN_SIZE: Record<Family, number> = { 4: 64, 6: 78 };
/** Stations behind each member of the bridge scenario. */
export const BRIDGE_STATIONS = 500;

export interface ScenarioSetup {
  cfg: Config;
  /** the sink NIC's ifindex: what it transmits is what the trial received */
  sink: number;
  /** the generator NIC's ifindex: the one that offers in trials */
  source: number;
  /** gen interfaces that offer once before the warm-up (the bridge's far side, to be learned there) */
  teach: number[];
  routes: MpOptions['routes'];
  /** routes in the table beyond the scenario's own */
  extraRoutes: number;
  describe: string;
}

/** The scenario's name checked: one clear error for an unknown one, or one not built for the family. */
export function checkScenario(name: string, family: Family = 4): Scenario {
  if (!(SCENARIOS as readonly string[]).includes(name))
    throw new UserError(`unknown scenario '${name}' (available: ${SCENARIOS.join(', ')})`);
  if (family === 6 && !SCENARIOS_V6.includes(name as Scenario))
    throw new UserError(`scenario '${name}' is IPv4 only (with --ip 6: ${SCENARIOS_V6.join(', ')})`);
  return name as Scenario;
}

export interface ScenarioParams {
  size: number;
  flows: number;
  /** RSS queues of each NIC */
  queues: number;
  /** synthetic routes for `normal` */
  routes: number;
  family?: Family;
}

/** The traffic and addressing of one family: the generator's ranges, the router's addresses, the gateway. */
function plan(family: Family) {
  return family === 4
    ? { src: '192.0.2.0/24', dst: '203.0.113.0/24', in: '192.0.2.1/24', out: '198.51.100.1/24', gw: '198.51.100.254' }
    : {
        src: '2001:db8:1::/64',
        dst: '2001:db8:2::/64',
        in: '2001:db8:1::1/64',
        out: '2001:db8:ff::1/64',
        gw: '2001:db8:ff::fe',
      };
}

/** ipflow sized for the traffic (NetBSD's 256 flows would thrash under 1,024: sysctl net.inet.ip.maxflows). */
const flowMax = (flows: number) => Math.max(256, 2 * flows);
const flowHash = (flows: number) => 2 ** Math.min(16, Math.ceil(Math.log2(Math.max(64, flows))));

export function buildScenario(s: Scenario, p: ScenarioParams): ScenarioSetup {
  const family = p.family ?? 4;
  checkScenario(s, family);
  if (p.size < MIN_SIZE[family])
    throw new UserError(`${p.size}-byte frames are below ${MIN_SIZE[family]}, the smallest UDP/IPv${family} frame`);
  const a = plan(family);
  const gen = `gen: { src: "${a.src}", dst: "${a.dst}", flows: ${p.flows}, size: ${p.size}, rate: 0`;
  const rss = `rss: { queues: ${p.queues}, udp: true }`;
  let yaml: string;
  if (s === 'bridge') {
    // station i of side A talks to station i of side B; side B's gen offers only to teach the bridge
    const st = (from: string, to: string) => `${gen}, src_mac: "${from}", dst_mac: "${to}", macs: ${BRIDGE_STATIONS} }`;
    yaml = `interfaces:
  - { name: wm0, mac: "02:00:00:00:00:01", ${rss}, driver: gen, ${st('02:62:01:00:00:00', '02:62:02:00:00:00')} }
  - { name: wm1, mac: "02:00:00:00:00:02", ${rss}, driver: gen, ${st('02:62:02:00:00:00', '02:62:01:00:00:00')} }
  - { name: bridge0, bridge: { members: [wm0, wm1], maxaddr: ${4 * BRIDGE_STATIONS}, timeout: 1200 }, addresses: ["198.51.100.1/24"] }
fastforward: false
`;
  } else {
    const vlan = s === 'vlan';
    const gif = s === 'gif';
    const egress = vlan ? 'vlan100' : 'wm1';
    const route = gif ? `{ dst: "${a.dst}", via: 10.20.0.2, dev: gif0 }` : `{ dst: "${a.dst}", via: "${a.gw}" }`;
    yaml = `interfaces:
  - name: wm0
    mac: "02:00:00:00:00:01"
    addresses: ["${a.in}"]
    ${rss}
    driver: gen
    ${gen} }
  - name: wm1
    mac: "02:00:00:00:00:02"
    ${vlan ? 'addresses: []' : `addresses: ["${a.out}"]`}
    rss: { queues: ${p.queues} }
    driver: sink
${vlan ? `  - { name: vlan100, vlan: { parent: wm1, id: 100 }, addresses: ["${a.out}"] }\n` : ''}${
  gif ? '  - { name: gif0, gif: { src: 198.51.100.1, dst: 198.51.100.254 }, addresses: [10.20.0.1/30] }\n' : ''
}routes:
  - ${route}
neighbors:
  - { address: "${a.gw}", mac: "02:00:00:00:bb:fe", dev: ${egress} }
fastforward: ${s === 'fast' || vlan}
ipflow: { hashsize: ${flowHash(p.flows)}, maxflows: ${flowMax(p.flows)} }
`;
  }
  const cfg = parseConfig(yaml, `rfc2544-${s}.yaml`, process.cwd());
  const idx = (name: string) => cfg.interfaces.find((i) => i.name === name)!.index;
  const n = s === 'normal' ? p.routes : 0;
  let routes: MpOptions['routes'] = {};
  if (n > 0) {
    const v4 = family === 4;
    const text = [
      ...generateRoutes({ v4: v4 ? n : 0, v6: v4 ? 0 : n, seed: 1, via4: v4 ? [a.gw] : [], via6: v4 ? [] : [a.gw] }),
    ].join('\n');
    routes = {
      extraRoutes: n,
      extraLongV4: 0,
      extraV6: v4 ? 0 : n,
      extraNexthops: 1,
      moreRoutes: (add) => {
        parseRoutesText(text, 'routes-gen', add);
      },
    };
  }
  const ip = family === 4 ? 'UDP/IPv4' : 'UDP/IPv6';
  const describe = {
    fast: `${ip}, fast forwarding (ipflow) on, 1 route, ipflow maxflows ${flowMax(p.flows)}`,
    normal: `${ip}, fast forwarding off, ${n + 1} routes (${n} synthetic BGP-like + the traffic's)`,
    vlan: `${ip}, fast forwarding on (ipflow maxflows ${flowMax(p.flows)}), egress through vlan100 on wm1`,
    bridge: `${ip} between stations, bridge0 over wm0 and wm1, ${(2 * BRIDGE_STATIONS).toLocaleString('en-US')} learned MACs (${BRIDGE_STATIONS} a side), every frame switched`,
    gif: `${ip}, fast forwarding off, routed into gif0 (IPv4 in IPv4 to 198.51.100.254 via wm1): every frame encapsulated, +20 bytes on the wire`,
  }[s];
  return {
    cfg,
    sink: idx('wm1'),
    source: idx('wm0'),
    teach: s === 'bridge' ? [idx('wm1')] : [],
    routes,
    extraRoutes: n,
    describe,
  };
}
