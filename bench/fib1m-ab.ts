// Alternated A/B of the normal path with 1M IPv4 routes, stack only: `node dist/bench/fib1m-ab.js
// DIR_A DIR_B [ROUNDS]` builds, in this one process, a WASM stack with fib.ts's table (1M generated
// prefixes, compiled FIB, so OPT_FIBWARM, ipflow off) and 4,096 frames to destinations inside them
// from each side's build (two built checkouts, as for ab-batch.ts), then times fwd_batch alone batch
// by batch, A then B each round (4,000 batches of 256 after 1,000 of warm-up), keeping the median
// batch. Prints ns/frame and Mpps per side (median over rounds, min-max) and B/A as a rate. About
// 2 GiB of memory for the two stacks.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMain, median } from './common.js';
import type * as Fib from './fib.js';
import type * as Pipeline from './pipeline.js';
import type * as StackModule from '../ts/stack/stack.js';
import type * as Load from '../ts/config/load.js';
import type * as Build from '../ts/packet/build.js';
import type * as RoutesGen from '../ts/scenario/routes-gen.js';

const BATCH = 256;

/** One side: the stack from `dir`'s build, and a function timing `nb` batches (median ns a frame). */
async function side(dir: string): Promise<(nb: number) => number> {
  const from = (rel: string) => import(pathToFileURL(resolve(dir, rel)).href);
  const fib = (await from('dist/bench/fib.js')) as typeof Fib;
  const { parseConfig } = (await from('dist/ts/config/load.js')) as typeof Load;
  const { Stack } = (await from('dist/ts/stack/stack.js')) as typeof StackModule;
  const { SplitDriver, clockCostNs } = (await from('dist/bench/pipeline.js')) as typeof Pipeline;
  const { buildFrame } = (await from('dist/ts/packet/build.js')) as typeof Build;
  const { rng } = (await from('dist/ts/scenario/routes-gen.js')) as typeof RoutesGen;
  const specs = fib.routes(1_000_000, 0);
  const stack = new Stack(parseConfig(fib.CONFIG, 'bench', process.cwd()), {
    engine: 'wasm',
    batch: BATCH,
    fib: 'compiled',
    extraRoutes: specs.length,
    extraLongV4: specs.filter((r) => r.family === 4 && r.plen > 24).length,
    extraV6: 0,
    moreRoutes: (add) => {
      for (const r of specs) add(r);
    },
  });
  // fib.ts's forwardRate frames: from the wm0 host to a random prefix's address each
  const v4 = specs.filter((r) => r.family === 4);
  const r = rng(5);
  const templates = Array.from({ length: 4096 }, () => {
    const p = v4[Math.floor(r() * v4.length)]!;
    const dst = Uint8Array.from(p.dst);
    if (p.plen < 32) dst[3] = (dst[3]! | 1) & 0xff;
    const data = buildFrame({
      dstMac: Uint8Array.of(2, 0, 0, 0, 0, 1),
      srcMac: Uint8Array.of(2, 0, 0, 0, 0xaa, 0x10),
      src: Uint8Array.of(192, 0, 2, 10),
      dst,
      minFrame: 60,
    });
    return { data, ifindex: 1 };
  });
  const d = new SplitDriver(stack, templates);
  const clockNs = clockCostNs();
  const timed = (nb: number): number => {
    const xs = new Float64Array(nb);
    for (let b = 0; b < nb; b++) {
      d.fill();
      stack.k.rss_batch(d.ctx, BATCH);
      const t0 = process.hrtime.bigint();
      stack.k.fwd_batch(d.ctx, BATCH, 1);
      xs[b] = Number(process.hrtime.bigint() - t0) - clockNs;
    }
    xs.sort();
    return xs[nb >> 1]! / BATCH;
  };
  timed(1000);
  const c = stack.counters();
  if ((c['normal'] ?? 0) === 0 || (c['drop'] ?? 0) > 0) throw new Error(`${dir}: did not forward: drop ${c['drop']}`);
  return timed;
}

if (isMain(import.meta.url)) {
  const [dirA, dirB, roundsArg] = process.argv.slice(2);
  if (!dirA || !dirB) throw new Error('usage: node dist/bench/fib1m-ab.js DIR_A DIR_B [ROUNDS]');
  const rounds = Number(roundsArg ?? 5);
  const [a, b] = [await side(dirA), await side(dirB)];
  const [ra, rb]: number[][] = [[], []];
  for (let i = 0; i < rounds; i++) {
    ra.push(a(4000));
    rb.push(b(4000));
  }
  const show = (xs: number[]) =>
    `${median(xs).toFixed(1)} ns (${(1e3 / median(xs)).toFixed(1)} Mpps, ${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)} ns)`;
  console.log(`normal path, 1M routes, WASM, median batch over ${rounds} rounds a side:`);
  console.log(`  A ${show(ra)}  B ${show(rb)}  B/A rate ${(median(ra) / median(rb)).toFixed(3)}`);
}
