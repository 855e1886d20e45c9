// POSIX path resolution without node:path, so that config parsing (load.ts) runs in browsers and
// Deno too. resolvePath(base, p) is Node's path.posix.resolve(base, p): `p` if absolute, else
// `base/p`, made absolute against the current directory where the runtime has one (Node, Deno),
// then normalized ('.', '..' and repeated slashes gone; no trailing slash but on '/').
// Where there is no current directory (a browser) a relative result stays relative.

function cwd(): string | undefined {
  const g = globalThis as { process?: { cwd?: () => string }; Deno?: { cwd?: () => string } };
  try {
    return g.process?.cwd?.() ?? g.Deno?.cwd?.();
  } catch {
    return undefined; // Deno without --allow-read
  }
}

function normalize(path: string): string {
  const abs = path.startsWith('/');
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const body = out.join('/');
  return abs ? `/${body}` : body || '.';
}

/** Node's path.posix.resolve(base, p) (see the file comment). */
export function resolvePath(base: string, p: string): string {
  if (p.startsWith('/')) return normalize(p);
  let joined = base === '' ? p : `${base}/${p}`;
  if (!joined.startsWith('/')) {
    const dir = cwd();
    if (dir !== undefined) joined = `${dir}/${joined}`;
  }
  return normalize(joined);
}
