// TS twin of assembly/sync/pserialize.ts: pserialize's reader side (read sections), after NetBSD
// pserialize(9). Same layout, same protocol: assembly/layout.ts (PSZ_*, PSC_*). The contract and the
// guarantees are the AS file's; the writer side (psz_init, perform) is ts/sync/pserialize.ts, which
// also re-exports these functions.
import {
  PSZ_SLOTS,
  PSZ_SLOT_SIZE,
  PSC_STATE,
  PSC_NEST,
  PSC_ERRORS,
  PSC_INSIDE,
  PSC_WAITER,
} from '../../../assembly/layout.js';
import type { Mem } from '../util/mem.js';

// Module-local copies of the layout constants the reader uses: V8 folds these into the code, while
// every use of an imported binding is a load and a check (~3 ns a read section, measured).
const SLOTS = PSZ_SLOTS,
  SLOT_SIZE = PSZ_SLOT_SIZE,
  STATE = PSC_STATE,
  INSIDE = PSC_INSIDE,
  WAITER = PSC_WAITER;
const NEST_W = (PSC_NEST - PSC_STATE) >>> 2;
const ERRORS_W = (PSC_ERRORS - PSC_STATE) >>> 2;

/** Word index of `cpu`'s state word. */
const slotWord = (psz: number, cpu: number): number => (psz + PSZ_SLOTS + cpu * PSZ_SLOT_SIZE + PSC_STATE) >>> 2;

/** Enters a read section on `cpu` (see the AS twin for the contract). Sections nest. */
export function psz_read_enter(m: Mem, psz: number, cpu: number): void {
  const u32 = m.u32;
  const s = (psz + SLOTS + cpu * SLOT_SIZE + STATE) >>> 2;
  const n = u32[s + NEST_W]!;
  u32[s + NEST_W] = n + 1;
  // Outside a section only this CPU writes the word, so an OR is the AS twin's store of state | I;
  // V8 runs Atomics.or on a Uint32Array faster than Atomics.store (which must return its argument).
  if (n === 0) Atomics.or(u32, s, INSIDE);
}

/** Leaves a read section on `cpu`; an exit with none open only counts in PSC_ERRORS. */
export function psz_read_exit(m: Mem, psz: number, cpu: number): void {
  const u32 = m.u32;
  const s = (psz + SLOTS + cpu * SLOT_SIZE + STATE) >>> 2;
  const n = u32[s + NEST_W]!;
  if (n === 0) {
    u32[s + ERRORS_W] = u32[s + ERRORS_W]! + 1;
    return;
  }
  u32[s + NEST_W] = n - 1;
  if (n === 1) {
    const old = Atomics.exchange(u32, s, ((u32[s]! >>> 2) + 1) << 2); // next seq; I and W clear
    if (old & WAITER) Atomics.notify(new Int32Array(u32.buffer, s << 2, 1), 0); // a perform sleeps here: not the fast path
  }
}

/** Read-section depth of `cpu` (0 = outside). */
export function psz_read_depth(m: Mem, psz: number, cpu: number): number {
  return m.u32[slotWord(psz, cpu) + NEST_W]!;
}

/** `n` empty read sections on `cpu` (the AS twin's calibration loop for bench/sync.ts). Returns the depth after: 0. */
export function psz_bench_sections(m: Mem, psz: number, cpu: number, n: number): number {
  for (let i = 0; i < n; i++) {
    psz_read_enter(m, psz, cpu);
    psz_read_exit(m, psz, cpu);
  }
  return psz_read_depth(m, psz, cpu);
}
