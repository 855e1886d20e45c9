// TS twin of assembly/sync/pslist.ts: pslist's reader side (the walk), after NetBSD pslist(9).
// Same layout: assembly/layout.ts (PSLH_*, PSLE_*). The contract and the guarantees are the AS
// file's; the writer side is ts/sync/pslist.ts, which also re-exports these functions.
import { PSLH_FIRST, PSLE_NEXT } from '../../../assembly/layout.js';
import type { Mem } from '../util/mem.js';

// Module-local copies for the readers: V8 folds these, not imported bindings.
const FIRST_W = PSLH_FIRST >>> 2,
  NEXT = PSLE_NEXT;

/** First element of the list at `head`, 0 when empty. Caller: inside a pserialize read section. */
export function pslist_reader_first(m: Mem, head: number): number {
  return Atomics.load(m.u32, (head >>> 2) + FIRST_W);
}

/** The element after `elem` (entry `off` bytes into it), 0 at the end. Inside a read section. */
export function pslist_reader_next(m: Mem, elem: number, off: number): number {
  return Atomics.load(m.u32, (elem + off + NEXT) >>> 2);
}
