// The RFC 2544 bench's topologies, built in code: a generator NIC (wm0, `gen` driver: UDP/IPv4 flows
// as address and port ranges, so RSS spreads them over its queues) and a sink NIC (wm1), the router
// between them configured as the talk's scenario asks.
//   fast    fast forwarding (ipflow) on; the one route the traffic takes
//   normal  fast forwarding off; the traffic's route plus N synthetic ones (routes-gen.ts)
//   vlan    fast forwarding on; the egress is vlan100 on wm1 (the frames leave tagged)
// bridge and gif need bridge(4) and gif(4), which mpstack does not have yet.
import { parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { parseRoutesText } from '../config/routes-file.js';
import type { MpOptions } from '../machine/machine.js';
import { UserError } from '../errors.js';
import { generateRoutes } from '../scenario/routes-gen.js';

export const SCENARIOS = ['fast', 'normal', 'vlan'] as const;
export type Scenario = (typeof SCENARIOS)[number];
const NOT_YET = ['bridge', 'gif'];

export interface ScenarioSetup {
  cfg: Config;
  /** the sink NIC's ifindex: what it transmits is what the trial received */
  sink: number;
  routes: MpOptions['routes'];
  /** routes in the table beyond the scenario's own */
  extraRoutes: number;
  describe: string;
}

/** The scenario's name checked: one clear error for an unknown one or one not built yet. */
export function checkScenario(name: string): Scenario {
  if ((SCENARIOS as readonly string[]).includes(name)) return name as Scenario;
  if (NOT_YET.includes(name))
    throw new UserError(
      `scenario '${name}' needs ${name}(4), which mpstack does not have yet (another issue builds it); available: ${SCENARIOS.join(', ')}`,
    );
  throw new UserError(
    `unknown scenario '${name}' (available: ${SCENARIOS.join(', ')}; not yet: ${NOT_YET.join(', ')})`,
  );
}

export interface ScenarioParams {
  size: number;
  flows: number;
  /** RSS queues of each NIC */
  queues: number;
  /** synthetic routes for `normal` */
  routes: number;
}

export function buildScenario(s: Scenario, p: ScenarioParams): ScenarioSetup {
  const vlan = s === 'vlan';
  const egress = vlan ? 'vlan100' : 'wm1';
  const yaml = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
    rss: { queues: ${p.queues}, udp: true }
    driver: gen
    gen: { src: 192.0.2.0/24, dst: 203.0.113.0/24, flows: ${p.flows}, size: ${p.size}, rate: 0 }
  - name: wm1
    mac: 02:00:00:00:00:02
    ${vlan ? 'addresses: []' : 'addresses: [198.51.100.1/24]'}
    rss: { queues: ${p.queues} }
    driver: sink
${vlan ? '  - { name: vlan100, vlan: { parent: wm1, id: 100 }, addresses: [198.51.100.1/24] }\n' : ''}routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: ${egress} }
fastforward: ${s !== 'normal'}
`;
  const cfg = parseConfig(yaml, `rfc2544-${s}.yaml`, process.cwd());
  const sink = cfg.interfaces.find((i) => i.name === 'wm1')!.index;
  const n = s === 'normal' ? p.routes : 0;
  let routes: MpOptions['routes'] = {};
  if (n > 0) {
    const text = [...generateRoutes({ v4: n, v6: 0, seed: 1, via4: ['198.51.100.254'], via6: [] })].join('\n');
    routes = {
      extraRoutes: n,
      extraLongV4: 0,
      extraV6: 0,
      extraNexthops: 1,
      moreRoutes: (add) => {
        parseRoutesText(text, 'routes-gen', add);
      },
    };
  }
  const describe =
    s === 'fast'
      ? 'fast forwarding (ipflow) on, 1 route'
      : s === 'normal'
        ? `fast forwarding off, ${n + 1} routes (${n} synthetic BGP-like /16-/24 + the traffic's /24)`
        : 'fast forwarding on, egress through vlan100 on wm1';
  return { cfg, sink, routes, extraRoutes: n, describe };
}
