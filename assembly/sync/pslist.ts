// pslist, reader side: lists that lock-free readers walk, after NetBSD pslist(9).
// Layout and protocol: assembly/layout/sync.ts (PSLH_*, PSLE_*). TS twin: ts/kernels/sync/pslist.ts; the
// writer side (insert_head, insert_after, remove, entry_init/destroy): ts/sync/pslist.ts.
//
// What it guarantees: a reader walking the list inside a pserialize read section sees every
// element fully initialised, and reaches each element at most once; an element removed while the
// reader stands on it still leads on (its next is kept), so the walk ends normally. It sees some
// interleaving of concurrent inserts and removes, not a snapshot: an element inserted behind the
// reader's position is missed, one removed ahead of it may or may not be seen.
//
// When to use something else: for a lookup by key over many elements, a hash or a tree (the
// radix RIB) — a list walk is linear. For an element kept past the read section, take a psref on it.
//
// Caller contract: inside a pserialize read section; `off` is the byte offset of the list's entry
// (PSLE_SIZE bytes) inside each element, the same for every element of the list.

import { PSLH_FIRST, PSLE_NEXT } from '../layout';

/** First element of the list at `head`, 0 when empty. Acquire load: the element is seen whole. */
export function pslist_reader_first(head: usize): usize {
  return <usize>atomic.load<u32>(head + PSLH_FIRST);
}

/** The element after `elem` (entry at `off`), 0 at the end. Acquire load. */
export function pslist_reader_next(elem: usize, off: u32): usize {
  return <usize>atomic.load<u32>(elem + off + PSLE_NEXT);
}
