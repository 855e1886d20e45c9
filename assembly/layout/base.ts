// Layout base: where the tables start (LAYOUT_BASE), how regions align (ALIGN: one cache line)
// and the POISON word written over freed memory.
// Plain `export const NAME = <integer>;` lines only: AssemblyScript and TypeScript both compile this
// file (see ../layout.ts, which re-exports it and holds the prefix glossary).

// Region map (TS `ts/stack/memory-plan.ts` computes the actual addresses from the config):
//
//   0 ........ LAYOUT_BASE   AssemblyScript static data and stack (AS owns it, we never write it)
//   LAYOUT_BASE ...          shared tables: ifnet[], nexthop[], radix heads + node pool, neighbor hash,
//                            generation word, Toeplitz tables, VLAN maps
//   then per CPU:            context, counters, ipflow table, descriptor ring, tx list, free stack
//   then                     the buffer pool: BUF_SIZE-byte clusters

export const LAYOUT_BASE = 65536;
export const ALIGN = 64; // every region starts on a cache line

// Written over freed memory (reclaimed radix nodes, the next link of a destroyed pslist entry): a reader
// that sees it read memory it should no longer hold.
export const POISON = 0xdeadbeef;
