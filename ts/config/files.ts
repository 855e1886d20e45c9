// Reading configuration from disk (Node): the YAML config and its routes_file. Parsing and checking
// are load.ts's and routes-file.ts's, which need no file system and run in any runtime.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseConfig } from './load.js';
import { parseRoutesBytes, type RouteSpec } from './routes-file.js';
import type { Config } from './schema.js';

/** Reads and parses a config file. I/O errors propagate as they are; content errors are ConfigError. */
export function loadConfig(path: string): Config {
  const abs = resolve(path);
  return parseConfig(readFileSync(abs, 'utf8'), path, dirname(abs));
}

/**
 * Reads cfg.routesFile (if any) and streams its routes to onRoute, checking that every `dev` is one
 * of cfg's interfaces. Same contract as parseRoutesBytes (onRoute's RouteSpec is reused); returns the
 * number of routes, 0 without a routes_file.
 */
export function streamRoutesFile(cfg: Config, onRoute: (r: RouteSpec) => void): number {
  if (cfg.routesFile === null) return 0;
  const devs = new Set(cfg.interfaces.map((i) => i.name));
  return parseRoutesBytes(readFileSync(cfg.routesFile), cfg.routesFile, onRoute, { devs });
}
