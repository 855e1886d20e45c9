// createStack's and createRouter's `routes` option (a table in routes_file syntax) as the Stack's
// extra routes. Internal: not exported from the package's entries.
import { parseRoutesText, type RouteSpec } from '../config/routes-file.js';
import type { Config } from '../config/schema.js';
import type { StackOptions } from '../stack/stack.js';

/** A routes_file table (`options.routes`) as the Stack's extra routes: their counts and loader (null: none). */
export function extraRoutes(
  cfg: Config,
  routes: string | undefined,
  name: string,
): Pick<StackOptions, 'extraRoutes' | 'extraLongV4' | 'extraV6' | 'moreRoutes'> {
  const extra: RouteSpec[] = [];
  if (routes !== undefined) {
    const devs = new Set(cfg.interfaces.map((i) => i.name));
    parseRoutesText(
      routes,
      `${name} routes`,
      (r) => {
        extra.push({ ...r, dst: Uint8Array.from(r.dst), via: r.via ? Uint8Array.from(r.via) : null });
      },
      { devs },
    );
  }
  return {
    extraRoutes: extra.length,
    extraLongV4: extra.filter((r) => r.family === 4 && r.plen > 24).length,
    extraV6: extra.filter((r) => r.family === 6).length,
    moreRoutes: extra.length
      ? (add) => {
          for (const r of extra) add(r);
        }
      : undefined,
  };
}
