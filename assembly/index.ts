// mpstack WASM module entry: re-exports every hot-path kernel. The module imports its memory
// (env.memory, shared) so one instance per worker CPU can run over the same linear memory.
import { LAYOUT_BASE } from './layout';

/** First byte above AssemblyScript's own static data; TS checks it is below LAYOUT_BASE. */
export function heap_base(): usize {
  return __heap_base;
}
export function layout_base(): usize {
  return LAYOUT_BASE;
}
export * from './fib/radix';
export * from './wire/cksum';
export * from './rss/toeplitz';
export * from './flow/ipflow';
export * from './nbr/nbr';
export * from './nbr/nev';
export * from './forward/pipeline';
export * from './rss/rss';
export * from './nic/gen';
export * from './nic/mbuf';
export * from './nic/rxring';
export * from './nic/txring';
export * from './net/pktq';
export * from './fib/dir24';
export * from './fib/fib6';
export * from './fib/batch';
export * from './sync/pserialize';
export * from './sync/psref';
export * from './sync/pslist';
export { encap_lookup, encap_ingress_reject } from './forward/gif';
export * from './probe/probe';
