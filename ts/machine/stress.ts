// The talk's MP-safety test, automated: "do ioctl repeatedly while applying fluctuating traffic".
// Worker CPUs forward at full speed while the control plane flaps routes, churns the table (radix
// nodes and FIB groups freed, poisoned and reused), takes interfaces down and up, rewrites
// neighbors, moves interrupts between CPUs, and deletes and adds bridge members (an eighth of the
// traffic is routed through a bridge, flooded to its members: its gateway's MAC is never learned).
// Invariants, checked continuously and at the end:
// no crash or hang; no frame forwarded with a freed nexthop (workers check every frame inside its
// grace window: verify mode); reclaimed memory is poisoned, so a reader reaching it would be caught
// by that check or trap; every generated frame is accounted for (fast + normal + bridge + local + drop).
//
// Runtime-neutral: the caller says how the engine starts (NodeMachine.start: Node's worker threads;
// ts/web/host-web.ts's WebMachine.start: Web Workers in a cross-origin-isolated page).
import { parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { KernelImpl } from '../stack/kernels.js';
import type { RouteSpec } from '../config/routes-file.js';
import { ControlPlane, type RouteKey } from '../control/control-plane.js';
import { rng } from '../rng.js';
import type { MpMachine, MpOptions } from './machine.js';
import type { BufferAudit } from './buffers.js';

export const STRESS_CONFIG = `interfaces:
  - name: wm0
    model: wm
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
    rss: { queues: 4, udp: true }
    driver: gen
    gen: { src: 192.0.2.0/24, dst: 203.0.113.0/24, flows: 512, size: 64, rate: RATE }
  - { name: wm1, mac: 02:00:00:00:00:02, addresses: [198.51.100.1/24], driver: sink }
  - { name: wm2, mac: 02:00:00:00:00:03, addresses: [100.64.0.1/24], driver: sink }
  - { name: wm3, mac: 02:00:00:00:00:04, driver: sink }
  - { name: wm4, mac: 02:00:00:00:00:05, driver: sink }
  - name: bridge0
    mac: 02:00:00:00:00:b0
    bridge: { members: [wm3, wm4] }
    addresses: [100.65.0.1/24]
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
  - { dst: 203.0.113.224/27, via: 100.65.0.254 }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
  - { address: 100.64.0.254, mac: 02:00:00:00:dd:fe, dev: wm2 }
  - { address: 100.65.0.254, mac: 02:00:00:00:ee:fe, dev: bridge0 }
fastforward: true
`;

/** Builds the engine and starts its CPUs (NodeMachine.start in Node). */
export type MpStart = (cfg: Config, o: MpOptions) => Promise<MpMachine>;

export interface StressOptions {
  cpus: number;
  engine: KernelImpl;
  seconds: number;
  /**
   * Op kinds (StressReport.ops keys) that must each have happened: after `seconds` the run goes on
   * until they have, for at most `untilSeconds` more (default: `seconds`), so a slow machine still
   * exercises every kind instead of the luck of a fixed time deciding.
   */
  until?: readonly string[];
  untilSeconds?: number;
  rate?: number;
  seed?: number;
  log?: (s: string) => void;
  start: MpStart;
}

export interface StressReport {
  seconds: number;
  ops: Record<string, number>;
  frames: number;
  generated: number;
  accounted: number;
  fast: number;
  normal: number;
  /** frames the bridge switched (none here: its frames are routed to it) and copies it flooded */
  bridge: number;
  floods: number;
  drops: Record<string, number>;
  violations: number;
  /** the longest a control-plane operation (including its grace period) took, ms */
  maxOpMs: number;
  /** where every cluster was once the CPUs stopped: each must be found exactly once */
  buffers: BufferAudit;
  ok: boolean;
}

// a turn of the event loop: setImmediate where there is one (Node, Deno), a message to ourselves in a
// browser (setTimeout(0) would be clamped to 4 ms)
const tick: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () => new Promise<void>((r) => setImmediate(r))
    : () =>
        new Promise<void>((r) => {
          const ch = new MessageChannel();
          ch.port1.onmessage = () => {
            ch.port1.close();
            r();
          };
          ch.port2.postMessage(0);
        });

export async function runStress(o: StressOptions): Promise<StressReport> {
  const cfg = parseConfig(STRESS_CONFIG.replace('RATE', String(o.rate ?? 0)), '<stress>', '.'); // no routes_file
  const e = await o.start(cfg, { cpus: o.cpus, engine: o.engine, fib: 'compiled', batch: 64, verify: true });
  // every change goes through the control plane's operations, as `mpstack route` and `ifconfig` do
  const cp = new ControlPlane(e);
  const rnd = rng(o.seed ?? 1);
  const dst = Uint8Array.of(203, 0, 113, 0);
  const gws = [Uint8Array.of(198, 51, 100, 254), Uint8Array.of(100, 64, 0, 254)];
  const ops: Record<string, number> = {};
  let maxOpMs = 0;
  let gwIx = 0;
  const devs = ['wm1', 'wm2'];
  const route = (d: Uint8Array, plen: number, via: Uint8Array, dev: string): RouteSpec => ({
    family: 4,
    dst: d,
    plen,
    via,
    dev,
    type: 'unicast',
    mtu: 0,
    metric: 0,
    proto: null,
    file: '<stress>',
    line: 0,
  });
  const key = (d: Uint8Array, plen: number): RouteKey => ({ family: 4, dst: d, plen });
  /** adds routes that do not exist yet; returns those it added */
  const addNew = async (specs: RouteSpec[]) => {
    const added: RouteKey[] = [];
    for (const r of specs) {
      try {
        await cp.routeAdd(r);
        added.push(key(r.dst, r.plen));
      } catch {
        /* exists */
      }
    }
    return added;
  };
  const deadline = performance.now() + o.seconds * 1000;
  const hardDeadline = deadline + (o.untilSeconds ?? o.seconds) * 1000;
  const pending = () => (o.until ?? []).some((k) => !((ops[k] ?? 0) > 0));
  try {
    while (performance.now() < deadline || (pending() && performance.now() < hardDeadline)) {
      const op = Math.floor(rnd() * 9);
      const t0 = performance.now();
      switch (op) {
        case 0: {
          // the traffic's route moves to the other gateway (and interface): changed in place, or withdrawn and re-added
          gwIx ^= 1;
          const r = route(dst, 24, gws[gwIx]!, devs[gwIx]!);
          if (rnd() < 0.5) {
            await cp.routeChange(r);
            ops['route-change'] = (ops['route-change'] ?? 0) + 1;
          } else {
            await cp.routeDelete([key(dst, 24)]);
            await tick();
            await cp.routeAdd(r);
            ops['route-flap'] = (ops['route-flap'] ?? 0) + 1;
          }
          break;
        }
        case 1: {
          // churn: more-specifics inside the traffic's /24 (FIB groups), then gone again
          const specs: RouteSpec[] = [];
          for (let i = 0; i < 16; i++) {
            const plen = 25 + Math.floor(rnd() * 8);
            const p = Uint8Array.of(203, 0, 113, Math.floor(rnd() * 256) & (0xff << (32 - plen)) & 0xff);
            specs.push(route(p, plen, gws[1]!, 'wm2'));
          }
          const added = await addNew(specs);
          await tick();
          await cp.routeDelete(added); // one grace period for all of them
          ops['churn'] = (ops['churn'] ?? 0) + 1;
          break;
        }
        case 2: {
          // the output interface goes down and comes back
          const name = devs[gwIx]!;
          await cp.ifUp(name, false);
          await tick();
          await cp.ifUp(name, true);
          ops['if-down-up'] = (ops['if-down-up'] ?? 0) + 1;
          break;
        }
        case 3: {
          // interrupt affinity moves under traffic
          const v = e.interrupts.vectors[Math.floor(rnd() * e.interrupts.vectors.length)]!;
          await cp.affinity(v.name, Math.floor(rnd() * o.cpus));
          ops['affinity'] = (ops['affinity'] ?? 0) + 1;
          break;
        }
        case 4: {
          // neighbor rewrite (a new MAC for the gateway in use); or churn: the entry deleted under
          // traffic (its slot to limbo, reclaimed after a grace period; frames to the gateway miss
          // meanwhile: held, and the cache asks for it with ARP nobody answers), then set again
          const mac = Uint8Array.of(2, 0, 0, 0, Math.floor(rnd() * 256), 0xfe);
          if (rnd() < 0.5) {
            await cp.neighborDelete(gws[gwIx]!, devs[gwIx]!);
            await tick();
            ops['neighbor-churn'] = (ops['neighbor-churn'] ?? 0) + 1;
          }
          await cp.neighborSet(gws[gwIx]!, devs[gwIx]!, mac);
          ops['neighbor'] = (ops['neighbor'] ?? 0) + 1;
          break;
        }
        case 6: {
          // a vlan attached under traffic, a quarter of the traffic routed through it, then detached
          await cp.ifCreateVlan('vs0', 'wm1', 300);
          await cp.ifAddressAdd('vs0', '10.30.0.1/24');
          await cp.neighborSet(Uint8Array.of(10, 30, 0, 254), 'vs0', Uint8Array.of(2, 0, 0, 0, 0x30, 0xfe));
          await cp.routeAdd(
            route(Uint8Array.of(203, 0, 113, Math.floor(rnd() * 4) << 6), 26, Uint8Array.of(10, 30, 0, 254), 'vs0'),
          );
          // until frames go out through it (a few turns at most; at low rates it may see none)
          for (let k = 0; k < 20 && (e.stack.interfaceCounters()['vs0']?.opkts ?? 0) === 0; k++) await tick();
          ops['vlan-frames'] = (ops['vlan-frames'] ?? 0) + (e.stack.interfaceCounters()['vs0']?.opkts ?? 0);
          await cp.ifDestroy('vs0'); // its routes go, a grace period passes, then its neighbor and its slot
          ops['vlan-attach-detach'] = (ops['vlan-attach-detach'] ?? 0) + 1;
          break;
        }
        case 7: {
          // bridge(4): a member deleted under traffic (its port slot unlinked, a grace period, then
          // freed) and added back; sometimes a static entry for the gateway on it, flushed after
          const m = rnd() < 0.5 ? 'wm3' : 'wm4';
          await cp.brDelete('bridge0', m);
          await tick();
          await cp.brAdd('bridge0', m);
          if (rnd() < 0.3) {
            await cp.brStatic('bridge0', '02:00:00:00:ee:fe', m);
            await tick();
            await cp.brFlush('bridge0', true);
            ops['bridge-static'] = (ops['bridge-static'] ?? 0) + 1;
          }
          ops['bridge-member'] = (ops['bridge-member'] ?? 0) + 1;
          if (ops['bridge-member'] % 2 === 1) {
            // every other time: a bridge created under traffic with wm4 taken from bridge0, a /27 of the traffic routed
            // out through it (flooded: its gateway's MAC is never learned), then destroyed under that
            // traffic (members released, routes deleted, a grace period, FDB and softc freed)
            await cp.brDelete('bridge0', 'wm4');
            await cp.ifCreateBridge('bs1');
            await cp.brAdd('bs1', 'wm4');
            await cp.ifAddressAdd('bs1', '100.66.0.1/24');
            await cp.neighborSet(Uint8Array.of(100, 66, 0, 254), 'bs1', Uint8Array.of(2, 0, 0, 0, 0x66, 0xfe));
            // (unless a flapped route holds that prefix: the bridge still comes and goes)
            await addNew([
              route(Uint8Array.of(203, 0, 113, Math.floor(rnd() * 8) << 5), 27, Uint8Array.of(100, 66, 0, 254), 'bs1'),
            ]);
            for (let k = 0; k < 20 && (e.stack.interfaceCounters()['bs1']?.opkts ?? 0) === 0; k++) await tick();
            ops['bridge-frames'] = (ops['bridge-frames'] ?? 0) + (e.stack.interfaceCounters()['bs1']?.opkts ?? 0);
            await cp.ifDestroy('bs1');
            await cp.brAdd('bridge0', 'wm4');
            ops['bridge-create-destroy'] = (ops['bridge-create-destroy'] ?? 0) + 1;
          }
          break;
        }
        case 8: {
          // a gif attached under traffic, a quarter of the traffic routed into it (encapsulated out
          // wm1), its tunnel moved to wm2's gateway (the old one unpublished, a grace period, the new
          // words), then destroyed (its routes, a grace period, its encap entry and slot)
          await cp.ifCreateGif('gs0');
          await cp.ifTunnel('gs0', '198.51.100.1', '198.51.100.254');
          await cp.ifAddressAdd('gs0', '10.31.0.1/30');
          await cp.routeAdd(
            route(Uint8Array.of(203, 0, 113, Math.floor(rnd() * 4) << 6), 26, Uint8Array.of(10, 31, 0, 2), 'gs0'),
          );
          for (let k = 0; k < 20 && (e.stack.interfaceCounters()['gs0']?.opkts ?? 0) === 0; k++) await tick();
          await cp.ifTunnel('gs0', '100.64.0.1', '100.64.0.254');
          await tick();
          ops['gif-frames'] = (ops['gif-frames'] ?? 0) + (e.stack.interfaceCounters()['gs0']?.opkts ?? 0);
          await cp.ifDestroy('gs0');
          ops['gif-create-destroy'] = (ops['gif-create-destroy'] ?? 0) + 1;
          break;
        }
        default: {
          // a burst of unrelated routes added and deleted (radix nodes reclaimed and reused)
          const specs: RouteSpec[] = [];
          for (let i = 0; i < 64; i++)
            specs.push(
              route(Uint8Array.of(10, Math.floor(rnd() * 256), Math.floor(rnd() * 256), 0), 24, gws[0]!, 'wm1'),
            );
          await cp.routeDelete(await addNew(specs));
          ops['route-burst'] = (ops['route-burst'] ?? 0) + 1;
        }
      }
      maxOpMs = Math.max(maxOpMs, performance.now() - t0);
      await tick();
    }
  } finally {
    await e.stop();
  }
  const per = e.stats.cpuCounters();
  const sum = (k: string) => per.reduce((s, c) => s + (c[k] ?? 0), 0);
  const frames = sum('rx-frames');
  const accounted = sum('fast') + sum('normal') + sum('bridge') + sum('local') + sum('drop');
  const drops: Record<string, number> = {};
  for (const c of per)
    for (const [k, v] of Object.entries(c))
      if (k.startsWith('reason:') && v) drops[k.slice(7)] = (drops[k.slice(7)] ?? 0) + v;
  const generated = e.stats.generated().frames;
  const violations = e.stats.violations();
  const buffers = e.bufferAudit();
  const report: StressReport = {
    seconds: e.elapsedMs / 1000,
    ops,
    frames,
    generated,
    accounted,
    fast: sum('fast'),
    normal: sum('normal'),
    bridge: sum('bridge'),
    floods: sum('bridge-floods'),
    drops,
    violations,
    maxOpMs,
    buffers,
    ok: violations === 0 && generated === frames && frames === accounted && frames > 0 && buffers.ok,
  };
  o.log?.(JSON.stringify(report));
  return report;
}
