// Loads the embedded default scenario: the router config plus a generated table of a few hundred
// routes (spread over the wm1 and wm2 gateways).
import { parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { parseRoutesText } from '../config/routes-file.js';
import { DEFAULT_CONFIG_NAME, DEFAULT_CONFIG_YAML } from './default-config.js';
import { generateRoutes } from './routes-gen.js';

export interface DefaultScenarioOptions { v4Routes?: number; v6Routes?: number; seed?: number }

export function defaultRoutesText(o: DefaultScenarioOptions = {}): string {
  return [...generateRoutes({
    v4: o.v4Routes ?? 400, v6: o.v6Routes ?? 100, seed: o.seed ?? 2016,
    via4: ['198.51.100.254', '203.0.113.254'], via6: ['2001:db8:1::fe', '2001:db8:2::fe'],
  })].join('\n') + '\n';
}

export function defaultScenarioConfig(o: DefaultScenarioOptions = {}): Config {
  const cfg = parseConfig(DEFAULT_CONFIG_YAML, DEFAULT_CONFIG_NAME, '.'); // no routes_file: the base is never used
  parseRoutesText(defaultRoutesText(o), '<generated routes>', (r) => {
    cfg.routes.push({ ...r, dst: Uint8Array.from(r.dst), via: r.via ? Uint8Array.from(r.via) : null });
  });
  return cfg;
}
