// `mpstack gen-routes`: writes a synthetic, realistic route table in iproute2 syntax (see
// ts/scenario/routes-gen.ts for the prefix-length mix and its sources).
import { createWriteStream, openSync } from 'node:fs';
import { fsErrorText } from '../config/files.js';
import { parseIP } from '../addr/addr.js';
import { generateRoutes } from '../scenario/routes-gen.js';
import { UserError } from './errors.js';

export interface GenRoutesCliOptions {
  v4: number;
  v6: number;
  seed: number;
  via4: string;
  via6: string;
  out?: string;
}

function gateways(list: string, family: 4 | 6, opt: string): string[] {
  const gws = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const g of gws)
    if (parseIP(g)?.family !== family) throw new UserError(`${opt}: '${g}' is not an IPv${family} address`);
  if (gws.length === 0) throw new UserError(`${opt}: give at least one gateway`);
  return gws;
}

/** Opens --out for writing (synchronously, so a bad path is a UserError here, not a stream's error event). */
function openOut(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (e) {
    const why = fsErrorText(e);
    throw why === null ? e : new UserError(`--out ${path}: ${why}`);
  }
}

export async function genRoutesCommand(o: GenRoutesCliOptions): Promise<void> {
  const routes = generateRoutes({
    v4: o.v4,
    v6: o.v6,
    seed: o.seed,
    via4: gateways(o.via4, 4, '--via4'),
    via6: gateways(o.via6, 6, '--via6'),
  });
  const out = o.out ? createWriteStream('', { fd: openOut(o.out) }) : process.stdout;
  let chunk: string[] = [];
  const flush = async () => {
    if (!chunk.length) return;
    const s = chunk.join('\n') + '\n';
    chunk = [];
    if (!out.write(s))
      await new Promise<void>((r) => {
        out.once('drain', () => r());
      });
  };
  for (const line of routes) {
    chunk.push(line);
    if (chunk.length >= 4096) await flush();
  }
  await flush();
  if (o.out)
    await new Promise<void>((res, rej) =>
      (out as ReturnType<typeof createWriteStream>).end((e?: Error | null) => (e ? rej(e) : res())),
    );
}
