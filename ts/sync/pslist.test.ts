// pslist on one thread: the writer operations against a model (an array), read back through both
// readers (WASM and TS); the publish and remove rules a concurrent reader relies on (next kept on
// remove, poison on destroy); misuse refused. Concurrent readers: test/sync/pslist.stress.test.ts.
import { describe, expect, test } from '@jest/globals';
import { LAYOUT_BASE, POISON, PSLE_NEXT, PSLE_PREVP } from '../../assembly/layout.js';
import { Mem } from '../kernels/util/mem.js';
import { createMemory, instantiateWasm } from '../stack/wasm.js';
import {
  PslistError,
  pslist_destroy,
  pslist_entry_destroy,
  pslist_entry_init,
  pslist_init,
  pslist_reader_first,
  pslist_reader_next,
  pslist_writer_first,
  pslist_writer_insert_after,
  pslist_writer_insert_head,
  pslist_writer_next,
  pslist_writer_remove,
} from './pslist.js';

const HEAD = LAYOUT_BASE;
const ELEMS = LAYOUT_BASE + 64;
const ESIZE = 32;
const OFF = 12; // the entry sits inside the element, not at its start
const elem = (i: number) => ELEMS + i * ESIZE;

function setup() {
  const memory = createMemory(LAYOUT_BASE + 65536);
  const m = new Mem(memory);
  const x = instantiateWasm(memory);
  pslist_init(m, HEAD);
  const walks = {
    ts: () => {
      const out: number[] = [];
      for (let e = pslist_reader_first(m, HEAD); e !== 0; e = pslist_reader_next(m, e, OFF)) out.push(e);
      return out;
    },
    wasm: () => {
      const out: number[] = [];
      for (let e = x.pslist_reader_first(HEAD) >>> 0; e !== 0; e = x.pslist_reader_next(e, OFF) >>> 0) out.push(e);
      return out;
    },
    writer: () => {
      const out: number[] = [];
      for (let e = pslist_writer_first(m, HEAD); e !== 0; e = pslist_writer_next(m, e, OFF)) out.push(e);
      return out;
    },
  };
  const w = (p: number) => m.u32[p >>> 2]!;
  const fresh = (i: number) => {
    pslist_entry_init(m, elem(i), OFF);
    return elem(i);
  };
  return { m, x, walks, w, fresh };
}

describe('pslist', () => {
  test('insert_head, insert_after and remove, read back by both readers', () => {
    const t = setup();
    const all = () => [t.walks.ts(), t.walks.wasm(), t.walks.writer()];
    expect(all()).toEqual([[], [], []]);
    pslist_writer_insert_head(t.m, HEAD, t.fresh(0), OFF);
    pslist_writer_insert_head(t.m, HEAD, t.fresh(1), OFF);
    pslist_writer_insert_after(t.m, elem(1), t.fresh(2), OFF);
    pslist_writer_insert_after(t.m, elem(0), t.fresh(3), OFF);
    const order = [elem(1), elem(2), elem(0), elem(3)];
    expect(all()).toEqual([order, order, order]);
    pslist_writer_remove(t.m, elem(2), OFF); // middle
    pslist_writer_remove(t.m, elem(1), OFF); // head
    pslist_writer_remove(t.m, elem(3), OFF); // tail
    expect(all()).toEqual([[elem(0)], [elem(0)], [elem(0)]]);
    pslist_writer_remove(t.m, elem(0), OFF);
    expect(all()).toEqual([[], [], []]);
    pslist_destroy(t.m, HEAD);
  });

  test('a removed element keeps its next, so a reader standing on it walks on', () => {
    const t = setup();
    for (const i of [3, 2, 1, 0]) pslist_writer_insert_head(t.m, HEAD, t.fresh(i), OFF);
    const standing = elem(1); // a reader is here
    pslist_writer_remove(t.m, elem(1), OFF);
    pslist_writer_remove(t.m, elem(2), OFF); // and its successor goes too
    expect(pslist_reader_next(t.m, standing, OFF)).toBe(elem(2));
    expect(t.x.pslist_reader_next(elem(2), OFF) >>> 0).toBe(elem(3)); // still leads back into the list
    expect(t.walks.ts()).toEqual([elem(0), elem(3)]);
    expect(t.w(elem(1) + OFF + PSLE_PREVP)).toBe(0); // on no list
  });

  test('entry_destroy poisons next (after the grace period): a late reader would fault, not wander', () => {
    const t = setup();
    pslist_writer_insert_head(t.m, HEAD, t.fresh(0), OFF);
    pslist_writer_insert_head(t.m, HEAD, t.fresh(1), OFF);
    pslist_writer_remove(t.m, elem(1), OFF);
    pslist_entry_destroy(t.m, elem(1), OFF);
    expect(t.w(elem(1) + OFF + PSLE_NEXT)).toBe(POISON);
    expect(() => pslist_reader_next(t.m, POISON, OFF)).toThrow(RangeError);
    expect(() => t.x.pslist_reader_next(POISON, OFF)).toThrow(); // out-of-bounds trap
  });

  test('misuse is refused', () => {
    const t = setup();
    pslist_writer_insert_head(t.m, HEAD, t.fresh(0), OFF);
    pslist_writer_insert_head(t.m, HEAD, t.fresh(1), OFF);
    expect(() => pslist_writer_insert_head(t.m, HEAD, elem(0), OFF)).toThrow(PslistError); // already on the list
    pslist_writer_remove(t.m, elem(1), OFF);
    expect(() => pslist_writer_remove(t.m, elem(1), OFF)).toThrow(/not on a list/);
    expect(() => pslist_writer_insert_head(t.m, HEAD, elem(1), OFF)).toThrow(/not initialised/); // removed, next kept
    expect(() => pslist_writer_insert_after(t.m, elem(1), t.fresh(2), OFF)).toThrow(/not on a list/);
    expect(() => pslist_destroy(t.m, HEAD)).toThrow(/not empty/);
    pslist_writer_insert_head(t.m, HEAD, t.fresh(1), OFF); // re-initialised: fine
    expect(() => pslist_entry_destroy(t.m, elem(1), OFF)).toThrow(/still on a list/);
  });

  test('random inserts and removes match a model; prevp links stay consistent', () => {
    const t = setup();
    const model: number[] = [];
    const free = Array.from({ length: 64 }, (_, i) => i);
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let step = 0; step < 4000; step++) {
      const op = rnd(3);
      if (op < 2 && free.length > 0) {
        const i = free.splice(rnd(free.length), 1)[0]!;
        const e = t.fresh(i);
        if (model.length === 0 || op === 0) {
          pslist_writer_insert_head(t.m, HEAD, e, OFF);
          model.unshift(e);
        } else {
          const k = rnd(model.length);
          pslist_writer_insert_after(t.m, model[k]!, e, OFF);
          model.splice(k + 1, 0, e);
        }
      } else if (model.length > 0) {
        const e = model.splice(rnd(model.length), 1)[0]!;
        pslist_writer_remove(t.m, e, OFF);
        pslist_entry_destroy(t.m, e, OFF); // no readers here: the grace period is trivially over
        free.push((e - ELEMS) / ESIZE);
      }
      if (step % 97 === 0 || step > 3950) {
        expect(t.walks.ts()).toEqual(model);
        expect(t.walks.wasm()).toEqual(model);
        let link = HEAD;
        for (const e of model) {
          expect(t.w(e + OFF + PSLE_PREVP)).toBe(link);
          link = e + OFF + PSLE_NEXT;
        }
      }
    }
  });
});
