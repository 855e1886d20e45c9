// Loads the embedded default scenario: the router config plus a generated table of a few hundred
// routes (spread over the wm1 and wm2 gateways).
import { parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { parseRoutesText } from '../config/routes-file.js';
import { DEFAULT_CONFIG_NAME, DEFAULT_CONFIG_YAML } from './default-config.js';
import { generateRoutes } from './routes-gen.js';
import { formatIP, formatPrefix } from '../addr/addr.js';

export interface DefaultScenarioOptions {
  v4Routes?: number;
  v6Routes?: number;
  seed?: number;
}

export function defaultRoutesText(o: DefaultScenarioOptions = {}): string {
  return (
    [
      ...generateRoutes({
        v4: o.v4Routes ?? 400,
        v6: o.v6Routes ?? 100,
        seed: o.seed ?? 2016,
        via4: ['198.51.100.254', '203.0.113.254'],
        via6: ['2001:db8:1::fe', '2001:db8:2::fe'],
      }),
    ].join('\n') + '\n'
  );
}

export function defaultScenarioConfig(o: DefaultScenarioOptions = {}): Config {
  const cfg = parseConfig(DEFAULT_CONFIG_YAML, DEFAULT_CONFIG_NAME, '.'); // no routes_file: the base is never used
  parseRoutesText(defaultRoutesText(o), '<generated routes>', (r) => {
    cfg.routes.push({ ...r, dst: Uint8Array.from(r.dst), via: r.via ? Uint8Array.from(r.via) : null });
  });
  return cfg;
}

/**
 * The router the demo runs, as one self-contained YAML config: DEFAULT_CONFIG_YAML with the
 * generated table (defaultRoutesText) written inline under `routes:`, after the config's own two,
 * so loading it gives defaultScenarioConfig's routes in the same order. What `mpstack demo
 * --print-config` prints: saved as router.yaml, `route lookup` over it answers as the demo does.
 * `base` is a variant of DEFAULT_CONFIG_YAML (the live scenario's, ts/scenario/live.ts) whose
 * `routes:` list also comes just before `ipflow:`.
 */
export function defaultRouterYaml(o: DefaultScenarioOptions = {}, base: string = DEFAULT_CONFIG_YAML): string {
  const lines: string[] = [];
  const n = parseRoutesText(defaultRoutesText(o), '<generated routes>', (r) => {
    const f = [`dst: ${formatPrefix(r.dst, r.plen)}`];
    if (r.type !== 'unicast') f.push(`type: ${r.type}`);
    if (r.via) f.push(`via: ${formatIP(r.via)}`);
    if (r.dev) f.push(`dev: ${r.dev}`);
    if (r.mtu) f.push(`mtu: ${r.mtu}`);
    lines.push(`  - { ${f.join(', ')} }`);
  });
  // the routes: list is the last before ipflow:
  const at = base.indexOf('\nipflow:');
  if (at < 0 || base.lastIndexOf('\nroutes:\n', at) < 0)
    throw new Error('the default config: routes: must come just before ipflow:');
  const head = `  # the demo's generated table (mpstack demo --print-routes): ${n} routes over the wm1 and wm2 gateways`;
  return `${base.slice(0, at)}\n${head}\n${lines.join('\n')}${base.slice(at)}`;
}
