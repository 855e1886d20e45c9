// `mpstack bench compare A.json B.json`: two RFC 2544 results.json side by side, as ratios B / A per
// (scenario, IP family, engine, CPU count, frame size): WASM against TS, or before against after a
// change. A search run several times (--runs) counts by its median run, as results.md does.
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';

/** The fields of a results.json entry that compare reads. */
export interface ResultEntry {
  scenario: string;
  family: number;
  engine: string;
  cpus: number;
  size: number;
  fps: number;
  run: number;
}

export interface CompareRow {
  scenario: string;
  family: number;
  engine: string;
  cpus: number;
  size: number;
  /** fps in A and in B (null: that file has no such search) */
  a: number | null;
  b: number | null;
  /** b / a, null when either is missing or a is 0 */
  ratio: number | null;
}

/** The entries of a results.json text, or a UserError that names the file and what is wrong. */
export function parseResults(text: string, name: string): ResultEntry[] {
  const bad = (why: string): never => {
    throw new UserError(`${name}: not an RFC 2544 results.json (${why})`);
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    bad(`not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(data)) bad('expected an array of results');
  return (data as unknown[]).map((x, i) => {
    if (typeof x !== 'object' || x === null) return bad(`entry ${i} is not an object`);
    const o = x as Record<string, unknown>;
    for (const k of ['scenario', 'engine']) if (typeof o[k] !== 'string') bad(`entry ${i} has no string '${k}'`);
    for (const k of ['cpus', 'size', 'fps'])
      if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) bad(`entry ${i} has no numeric '${k}'`);
    return {
      scenario: o['scenario'] as string,
      family: typeof o['family'] === 'number' ? o['family'] : 4, // results from before IPv6 are IPv4
      engine: o['engine'] as string,
      cpus: o['cpus'] as number,
      size: o['size'] as number,
      fps: o['fps'] as number,
      run: typeof o['run'] === 'number' ? o['run'] : 1,
    };
  });
}

export function readResults(path: string): ResultEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseResults(text, path);
}

const keyOf = (r: Omit<ResultEntry, 'fps' | 'run'>) => `${r.scenario}|${r.family}|${r.engine}|${r.cpus}|${r.size}`;

/** fps per key: the median run's (the lower middle of an even count, a run that happened). */
function medians(rs: ResultEntry[]): Map<string, { r: ResultEntry; fps: number }> {
  const g = new Map<string, ResultEntry[]>();
  for (const r of rs) g.set(keyOf(r), [...(g.get(keyOf(r)) ?? []), r]);
  const out = new Map<string, { r: ResultEntry; fps: number }>();
  for (const [k, xs] of g) {
    const s = xs.map((x) => x.fps).sort((a, b) => a - b);
    out.set(k, { r: xs[0]!, fps: s[(s.length - 1) >> 1]! });
  }
  return out;
}

/** Rows for every search in A or B, A's order first, then B's own. */
export function compareResults(a: ResultEntry[], b: ResultEntry[]): CompareRow[] {
  const ma = medians(a);
  const mb = medians(b);
  const keys = [...new Set([...ma.keys(), ...mb.keys()])];
  return keys.map((k) => {
    const x = ma.get(k);
    const y = mb.get(k);
    const r = (x ?? y)!.r;
    const fa = x?.fps ?? null;
    const fb = y?.fps ?? null;
    return {
      scenario: r.scenario,
      family: r.family,
      engine: r.engine,
      cpus: r.cpus,
      size: r.size,
      a: fa,
      b: fb,
      ratio: fa !== null && fb !== null && fa > 0 ? fb / fa : null,
    };
  });
}

const int = (n: number | null) => (n === null ? '–' : Math.round(n).toLocaleString('en-US'));

/** The rows as a Markdown table. */
export function compareTable(rows: CompareRow[], nameA: string, nameB: string): string {
  const lines = [
    `A = ${nameA}, B = ${nameB}; ratio = B / A (zero-loss fps; a search run several times counts by its median run)`,
    '',
    '| scenario | IP | engine | CPUs | size B | A fps | B fps | B / A |',
    '|---|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.scenario} | IPv${r.family} | ${r.engine} | ${r.cpus} | ${r.size} | ${int(r.a)} | ${int(r.b)} | ${
        r.ratio === null ? (r.a === null ? 'only in B' : r.b === null ? 'only in A' : '–') : `${r.ratio.toFixed(3)}×`
      } |`,
    );
  return lines.join('\n');
}
