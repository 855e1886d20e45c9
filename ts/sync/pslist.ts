// pslist: singly linked lists that lock-free readers walk, after NetBSD pslist(9). The reader side
// (pslist_reader_first/next) is a kernel, assembly/sync/pslist.ts, with its TS twin
// ts/kernels/sync/pslist.ts (re-exported here); this file is the writer side, TS only: lists are
// changed by the control plane under its writer lock, never in the data path.
// Layout and protocol: assembly/layout/sync.ts (PSLH_*, PSLE_*).
//
// What it guarantees: a reader inside a pserialize read section sees each element it reaches fully
// initialised (a writer links an element with one atomic store, after writing all of it), never
// reaches freed memory (a removed element keeps its next, and is reused only after a perform), and
// ends its walk. It sees some interleaving of concurrent changes, not a snapshot.
//
// Writers: one at a time — every pslist_writer_* call and pslist_entry_* call needs the caller's
// writer lock for the list (names say `writer`, as NetBSD's do). The life of an element:
//   pslist_entry_init -> fill the payload -> pslist_writer_insert_* -> ... -> pslist_writer_remove
//   -> pserialize perform -> pslist_entry_destroy (poisons next) -> free or pslist_entry_init again
// Misuse (inserting an element that is on a list or was never initialised, removing one that is on
// no list) throws PslistError: the checks cost a load each and the writer side is not the hot path.
//
// When to use something else: many elements looked up by key want a hash or a tree; a list walk is
// linear. Keeping an element past the read section needs a psref (ts/sync/psref.ts).
import { PSLH_FIRST, PSLE_NEXT, PSLE_PREVP, POISON } from '../../assembly/layout.js';
import type { Mem } from '../kernels/util/mem.js';

export { pslist_reader_first, pslist_reader_next } from '../kernels/sync/pslist.js';

export class PslistError extends Error {
  override readonly name = 'PslistError';
}

// ---- writer (caller holds the list's writer lock) -----------------------------------------------

/** An empty list at `head` (PSLH_SIZE bytes, 4-byte aligned). Before the head is published. */
export function pslist_init(m: Mem, head: number): void {
  Atomics.store(m.u32, (head + PSLH_FIRST) >>> 2, 0);
}

/** Retires an empty list's head; throws if elements remain. */
export function pslist_destroy(m: Mem, head: number): void {
  if (m.u32[(head + PSLH_FIRST) >>> 2] !== 0) throw new PslistError(`pslist_destroy(${head}): list not empty`);
  m.u32[(head + PSLH_FIRST) >>> 2] = POISON;
}

/** Prepares an element's entry (at `elem + off`) for insertion: on no list, no successor. */
export function pslist_entry_init(m: Mem, elem: number, off: number): void {
  const e = (elem + off) >>> 2;
  m.u32[e + (PSLE_NEXT >>> 2)] = 0;
  m.u32[e + (PSLE_PREVP >>> 2)] = 0;
}

/**
 * Ends an element's life on lists: its next is poisoned, so a reader that still (wrongly) stood on
 * it would fault instead of walking into reused memory. Caller: the element is on no list and a
 * pserialize perform has returned since it was removed.
 */
export function pslist_entry_destroy(m: Mem, elem: number, off: number): void {
  const e = (elem + off) >>> 2;
  if (m.u32[e + (PSLE_PREVP >>> 2)] !== 0)
    throw new PslistError(`pslist_entry_destroy(${elem}): element is still on a list`);
  m.u32[e + (PSLE_NEXT >>> 2)] = POISON;
}

function checkFresh(m: Mem, elem: number, off: number): void {
  const e = (elem + off) >>> 2;
  if (m.u32[e + (PSLE_PREVP >>> 2)] !== 0 || m.u32[e + (PSLE_NEXT >>> 2)] !== 0) {
    throw new PslistError(
      `pslist insert of ${elem}: entry not initialised (on a list, or removed and not re-initialised)`,
    );
  }
}

/** Links `elem` (its entry initialised, its payload written) first on the list at `head`. */
export function pslist_writer_insert_head(m: Mem, head: number, elem: number, off: number): void {
  checkFresh(m, elem, off);
  const u32 = m.u32;
  const link = head + PSLH_FIRST;
  const next = u32[link >>> 2]!;
  u32[(elem + off + PSLE_NEXT) >>> 2] = next;
  u32[(elem + off + PSLE_PREVP) >>> 2] = link;
  if (next !== 0) u32[(next + off + PSLE_PREVP) >>> 2] = elem + off + PSLE_NEXT;
  Atomics.store(u32, link >>> 2, elem); // publishes elem, whole
}

/** Links `elem` (initialised, payload written) right after `after`, which is on the list. */
export function pslist_writer_insert_after(m: Mem, after: number, elem: number, off: number): void {
  checkFresh(m, elem, off);
  const u32 = m.u32;
  if (u32[(after + off + PSLE_PREVP) >>> 2] === 0)
    throw new PslistError(`pslist_writer_insert_after(${after}): not on a list`);
  const link = after + off + PSLE_NEXT;
  const next = u32[link >>> 2]!;
  u32[(elem + off + PSLE_NEXT) >>> 2] = next;
  u32[(elem + off + PSLE_PREVP) >>> 2] = link;
  if (next !== 0) u32[(next + off + PSLE_PREVP) >>> 2] = elem + off + PSLE_NEXT;
  Atomics.store(u32, link >>> 2, elem);
}

/**
 * Unlinks `elem` with one atomic store. Its next is kept so a reader standing on it walks on; it
 * must not be reused or freed before a pserialize perform returns (then pslist_entry_destroy).
 */
export function pslist_writer_remove(m: Mem, elem: number, off: number): void {
  const u32 = m.u32;
  const prevp = u32[(elem + off + PSLE_PREVP) >>> 2]!;
  if (prevp === 0) throw new PslistError(`pslist_writer_remove(${elem}): not on a list`);
  const next = u32[(elem + off + PSLE_NEXT) >>> 2]!;
  if (next !== 0) u32[(next + off + PSLE_PREVP) >>> 2] = prevp;
  Atomics.store(u32, prevp >>> 2, next);
  u32[(elem + off + PSLE_PREVP) >>> 2] = 0;
}

/** First element, for the writer (lock held: plain load). */
export function pslist_writer_first(m: Mem, head: number): number {
  return m.u32[(head + PSLH_FIRST) >>> 2]!;
}

/** Next element, for the writer (lock held: plain load). */
export function pslist_writer_next(m: Mem, elem: number, off: number): number {
  return m.u32[(elem + off + PSLE_NEXT) >>> 2]!;
}
