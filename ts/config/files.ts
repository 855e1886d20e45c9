// Reading configuration from disk (Node): the YAML config and its routes_file. Parsing and checking
// are load.ts's and routes-file.ts's, which need no file system and run in any runtime.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { configErrorAt } from './error.js';
import { parseConfig } from './load.js';
import { parseRoutesBytes, type RouteSpec } from './routes-file.js';
import type { Config } from './schema.js';
import { UserError } from '../errors.js';

/** Reads and parses a config file. A missing or unreadable file is a UserError naming it; content errors are ConfigError. */
export function loadConfig(path: string): Config {
  const abs = resolve(path);
  const text = new TextDecoder().decode(
    readInputFile(abs, (e) => {
      throw new UserError(`--config ${path}: ${e}`);
    }),
  );
  return parseConfig(text, path, dirname(abs));
}

/** How a file-system error reads in a message, for the errors a wrong path gives; null for others. */
export function fsErrorText(e: unknown): string | null {
  // not `instanceof Error`: under a test runner's vm sandbox, fs errors come from another realm
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'ENXIO':
    case 'ENODEV':
      return 'no such device (a socket or device that cannot be opened as a file)';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    default:
      return null;
  }
}

/**
 * Reads a whole file. When the path is wrong (missing, unreadable, a directory), calls `fail` with
 * the reason (`no such file`) so the caller can throw an error that names where the path came from
 * (an option, a config field); `fail` must throw. Other I/O errors propagate as they are.
 */
export function readInputFile(path: string, fail: (reason: string) => never): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const text = fsErrorText(e);
    if (text === null) throw e;
    return fail(text);
  }
}

/**
 * Reads cfg.routesFile (if any) and streams its routes to onRoute, checking that every `dev` is one
 * of cfg's interfaces. Same contract as parseRoutesBytes (onRoute's RouteSpec is reused); returns the
 * number of routes, 0 without a routes_file.
 */
export function streamRoutesFile(cfg: Config, onRoute: (r: RouteSpec) => void): number {
  if (cfg.routesFile === null) return 0;
  const devs = new Set(cfg.interfaces.map((i) => i.name));
  const bytes = readInputFile(cfg.routesFile, (e) => {
    throw configErrorAt(cfg, 'routes_file', `${cfg.routesFile}: ${e}`);
  });
  return parseRoutesBytes(bytes, cfg.routesFile, onRoute, { devs });
}
