// TS twin of assembly/index.ts: the module's export list, line for line, so `typeof import` of this
// file is the type of the WASM module's functions (each twin takes a Mem first when it touches
// memory; the WASM export takes the rest). ts/stack/wasm.ts types the module's exports from it and
// ts/stack/kernels.ts registers the engine's kernels against it: a kernel added on one side only,
// or with different parameters, fails the type check (see test/twins.test.ts for the WASM side).
import { LAYOUT_BASE } from '../../assembly/layout.js';

/** AssemblyScript's static data ends here in WASM; the TS twin keeps none in linear memory. */
export function heap_base(): number {
  return 0;
}
export function layout_base(): number {
  return LAYOUT_BASE;
}
export * from './fib/radix.js';
export * from './wire/cksum.js';
export * from './rss/toeplitz.js';
export * from './flow/ipflow.js';
export * from './nbr/nbr.js';
export * from './nbr/nev.js';
export * from './forward/pipeline.js';
export * from './rss/rss.js';
export * from './nic/gen.js';
export * from './nic/mbuf.js';
export * from './nic/rxring.js';
export * from './nic/txring.js';
export * from './net/pktq.js';
export * from './fib/dir24.js';
export * from './fib/fib6.js';
export * from './fib/batch.js';
export * from './sync/pserialize.js';
export * from './sync/psref.js';
export * from './sync/pslist.js';
export { encap_lookup, encap_ingress_reject } from './forward/gif.js';
export * from './probe/probe.js';
