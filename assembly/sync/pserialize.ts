// pserialize, reader side: passive serialization after NetBSD pserialize(9).
// Layout and protocol: assembly/layout/sync.ts (PSZ_*, PSC_*). TS twin: ts/kernels/sync/pserialize.ts;
// the writer (psz_init, perform): ts/sync/pserialize.ts.
//
// What it guarantees: a writer that unpublishes an object (one atomic store) and then performs
// may free the object when perform returns, because every reader that could still hold a pointer
// to it was inside a read section when perform began, and perform waits for those sections to end.
// Readers pay one atomic store and one atomic exchange per section, both on their own cache line,
// and never wait; they read and write no other line (a notify at exit only while a perform sleeps).
//
// When to use something else: a read section must be short and must not block (no Atomics.wait,
// no await: a parked reader holds back every perform, on every CPU). To keep an object across a
// blocking operation, take a psref (assembly/sync/psref.ts) inside the section and leave it.
// Shared counters and state that readers write need atomics, not pserialize.
//
// Why not NetBSD's scheme as is: NetBSD readers only block kernel preemption, and perform sends a
// cross-call to every CPU. Worker threads cannot be interrupted, so each CPU announces its section
// in its own slot instead and perform reads the slots: a sequentially consistent store at enter
// (the store-to-load fence a writer must be able to rely on) and an exchange at exit are the price.
// No global epoch is read: a section is told apart from the next by the CPU's own sequence number,
// so readers write and read nothing but their own cache line.
//
// Caller contract for both functions: `psz` points at a domain set up by psz_init (TS), `cpu` is
// below its ncpu and names the calling thread's CPU; one thread per CPU; enter and exit pair up on
// the same CPU. Sections may nest (a depth count; only the outermost touches the state word).

import { PSZ_SLOTS, PSZ_SLOT_SIZE, PSC_STATE, PSC_NEST, PSC_ERRORS, PSC_INSIDE, PSC_WAITER } from '../layout/sync';

@inline function slot(psz: usize, cpu: u32): usize {
  return psz + PSZ_SLOTS + <usize>cpu * PSZ_SLOT_SIZE;
}

/** Enters a read section on `cpu`. The section's loads are ordered after the announcement. */
export function psz_read_enter(psz: usize, cpu: u32): void {
  const s = slot(psz, cpu);
  const n = load<u32>(s + PSC_NEST);
  store<u32>(s + PSC_NEST, n + 1);
  // Outside a section nobody else writes the state word (performs only flag inside states), so
  // the plain load sees this CPU's own last exit.
  if (n == 0) atomic.store<u32>(s + PSC_STATE, load<u32>(s + PSC_STATE) | PSC_INSIDE);
}

/**
 * Leaves a read section on `cpu`. An exit with no section open changes nothing but PSC_ERRORS
 * (a debug count the TS side reads), so one stray exit cannot end another section early.
 */
export function psz_read_exit(psz: usize, cpu: u32): void {
  const s = slot(psz, cpu);
  const n = load<u32>(s + PSC_NEST);
  if (n == 0) {
    store<u32>(s + PSC_ERRORS, load<u32>(s + PSC_ERRORS) + 1);
    return;
  }
  store<u32>(s + PSC_NEST, n - 1);
  if (n == 1) {
    // next seq, I and W clear; the old value tells whether a perform sleeps on this word
    const old = atomic.xchg<u32>(s + PSC_STATE, ((load<u32>(s + PSC_STATE) >>> 2) + 1) << 2);
    if (old & PSC_WAITER) atomic.notify(s + PSC_STATE, -1);
  }
}

/** Read-section depth of `cpu` (0 = outside): for asserting `…InReadSection` preconditions. */
export function psz_read_depth(psz: usize, cpu: u32): u32 {
  return load<u32>(slot(psz, cpu) + PSC_NEST);
}

/**
 * Calibration for bench/sync.ts: `n` empty read sections on `cpu`, as the pipeline would run them
 * inside WASM (no JS call per section). Returns the depth after the loop (0) so nothing is elided.
 */
export function psz_bench_sections(psz: usize, cpu: u32, n: u32): u32 {
  for (let i: u32 = 0; i < n; i++) {
    psz_read_enter(psz, cpu);
    psz_read_exit(psz, cpu);
  }
  return psz_read_depth(psz, cpu);
}
