// The data path's route lookups: the compiled FIB when the context has one, else the radix tree.
// TS twin: ts/kernels/fib/route.ts.
import { CTX_FIB4, CTX_FIB6, CTX_LAF, CTX_RT4, CTX_RT6, CTX_WARM, PD_SIZE, PD_BUF, PD_LEN, F4_TBL24 } from '../layout';
import { ld8, ld16be, ld32, ld32be, st32 } from '../util/mem';
import { fib4_lookup } from './dir24';
import { fib6_lookup } from './fib6';
import { rt_lookup4, rt_lookup6 } from './radix';

@inline export function route4(ctx: usize, a: u32): u32 {
  const f = <usize>ld32(ctx + CTX_FIB4);
  return f != 0 ? fib4_lookup(f, a) : rt_lookup4(<usize>ld32(ctx + CTX_RT4), a);
}

/**
 * Before a batch: loads the tbl24 word of every IPv4 destination in descriptors [0, n) (untagged or
 * one 802.1Q tag), one independent load per frame, so their cache and TLB misses overlap instead of
 * coming one at a time inside the per-frame loop (VPP's batch-then-process, without a prefetch
 * instruction). Changes nothing but CTX_WARM; does nothing without a compiled FIB. Reads only
 * bytes inside each frame's PD_LEN.
 */
export function route4_warm(ctx: usize, pd0: usize, n: u32): void {
  const f = <usize>ld32(ctx + CTX_FIB4);
  if (f == 0) return;
  const tbl = <usize>ld32(f + F4_TBL24);
  let acc: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const pd = pd0 + <usize>i * PD_SIZE;
    acc ^= route4_warm_word(tbl, <usize>ld32(pd + PD_BUF), <u32>load<u16>(pd + PD_LEN));
  }
  st32(ctx + CTX_WARM, acc);
}

/** route4_warm's load for one frame (p, len bytes): its IPv4 destination's tbl24 word, or 0 (not IPv4). */
@inline export function route4_warm_word(tbl: usize, p: usize, len: u32): u32 {
  let l3: u32 = 14;
  let et = len >= 14 ? ld16be(p + 12) : 0;
  if (et == 0x8100 && len >= 18) {
    et = ld16be(p + 16);
    l3 = 18;
  }
  if (et != 0x0800 || len < l3 + 20) return 0;
  return <u32>load<u16>(tbl + ((<usize>(ld32be(p + l3 + 16) >>> 8)) << 1));
}

/** addrPtr: 16-byte wire-order address. */
@inline export function route6(ctx: usize, addrPtr: usize): u32 {
  const f = <usize>ld32(ctx + CTX_FIB6);
  return f != 0 ? fib6_lookup(f, addrPtr) : rt_lookup6(<usize>ld32(ctx + CTX_RT6), addrPtr);
}

// The local-address filter (LAF_BYTES in assembly/layout/cpu.ts): a source is looked up only when
// its bit may be set. One hash for both families: an IPv4 address is its own word, an IPv6 one the
// xor of its host-order words; Tables sets the bits with the same functions (TS twin).

/** The filter's bit for a 32-bit word (an IPv4 address, or an IPv6 address folded by laf_fold6). */
@inline export function laf_hash(x: u32): u32 {
  return (x ^ (x >>> 16)) & 0xffff;
}

/** An IPv6 address's host-order words folded into one, for laf_hash. */
@inline export function laf_fold6(w0: u32, w1: u32, w2: u32, w3: u32): u32 {
  return w0 ^ w1 ^ w2 ^ w3;
}

/** Whether the filter may hold `h`: the source needs its lookup (no filter: always). */
@inline export function laf_maybe(ctx: usize, h: u32): bool {
  const laf = <usize>ld32(ctx + CTX_LAF);
  return laf == 0 || ((ld8(laf + <usize>(h >>> 3)) >>> (h & 7)) & 1) != 0;
}
