// Transparent huge pages for the shared WebAssembly.Memory (Linux, Node only).
//
// The compiled FIB's tbl24 alone is 32 MiB: 8,192 4-KiB pages, far more than the data TLB holds.
// Measured, that matters with a large table only: 1M routes 1.5-5% faster with huge pages, 1k routes
// unchanged (there one destination and 1,024 cost the same; bench/README.md). Linux backs an anonymous
// range with 2-MiB pages when THP is `always`, or `madvise` and the range was advised MADV_HUGEPAGE.
// V8 does not advise WASM memories, so on the common `madvise` setting they get 4-KiB pages; this
// module advises the 2-MiB-aligned part of the memory through libc's madvise (koffi).
//
// It must run before the memory is first written: a page touched before the advice is a 4-KiB page
// until khugepaged collapses it, which may take minutes or never happen. The stack's memory never
// grows (createMemory sizes it once), so one call covers it.
//
// Portable: no static imports (the file is reached from wasm.ts, which runs in Deno and browsers
// too). Outside Node on Linux, or where THP is `never` or missing, there is nothing to advise:
// `'auto'` is then a silent no-op, `true` a clear error (hugePagesSupport() says why).

import type { HugePagesSetting } from '../config/schema.js';
export type { HugePagesSetting };

const MADV_HUGEPAGE = 14;
const HUGE = 2 * 1024 * 1024;
const THP_ENABLED = '/sys/kernel/mm/transparent_hugepage/enabled';

type Fs = { readFileSync(p: string, enc: 'utf8'): string };
type Madvise = {
  addrOf(buf: Uint8Array): number | bigint;
  madvise(addr: bigint, len: bigint, advice: number): number;
  errno(): number;
};

type Proc = { platform?: string; getBuiltinModule?: (id: string) => unknown };
const proc = (globalThis as { process?: Proc }).process;

function builtin<T>(id: string): T | undefined {
  return typeof proc?.getBuiltinModule === 'function' ? (proc.getBuiltinModule(id) as T | undefined) : undefined;
}

let support: string | null | undefined; // undefined: not probed; null: supported; string: why not
let libc: Madvise | undefined;

/** null where huge pages can be advised here, else the reason they cannot (for errors and docs). */
export function hugePagesSupport(): string | null {
  if (support !== undefined) return support;
  try {
    support = probe();
  } catch (e) {
    // a runtime that imitates Node's process but not all of it (Deno without permissions, say)
    support = `cannot probe transparent huge pages here: ${(e as Error).message}`;
  }
  return support;
}

function probe(): string | null {
  if (proc?.platform !== 'linux') return 'transparent huge pages need Linux under Node';
  const fs = builtin<Fs>('node:fs');
  if (!fs) return 'transparent huge pages need Node >= 20.16 (process.getBuiltinModule)';
  let mode: string;
  try {
    mode = fs.readFileSync(THP_ENABLED, 'utf8');
  } catch {
    return `this kernel has no transparent huge pages (${THP_ENABLED} is missing)`;
  }
  if (/\[never\]/.test(mode)) return `transparent huge pages are off (${THP_ENABLED}: never)`;
  try {
    libc = loadLibc();
  } catch (e) {
    return `cannot call libc's madvise: ${(e as Error).message}`;
  }
  return null;
}

function loadLibc(): Madvise {
  const mod = builtin<{ createRequire(url: string): (id: string) => unknown }>('node:module')!;
  type Koffi = {
    load(lib: string): { func(sig: string): (...a: unknown[]) => unknown };
    errno(): number;
  };
  const koffi = mod.createRequire(import.meta.url)('koffi') as Koffi;
  const lib = koffi.load('libc.so.6');
  // memmove(p, p, 0) returns p: the one portable way to read a buffer's address through koffi
  const memmove = lib.func('uintptr_t memmove(void *dst, const void *src, size_t n)');
  const madvise = lib.func('int madvise(uintptr_t addr, size_t len, int advice)');
  return {
    addrOf: (buf) => memmove(buf, buf, 0) as number | bigint,
    madvise: (addr, len, advice) => madvise(addr, len, advice) as number,
    errno: () => koffi.errno(),
  };
}

/**
 * Advises `memory`'s 2-MiB-aligned part MADV_HUGEPAGE, per `setting`. Returns the bytes advised (0 when
 * off or unsupported under 'auto'). Throws when `setting` is true and huge pages are not available.
 */
export function adviseHugePages(memory: WebAssembly.Memory, setting: HugePagesSetting = 'auto'): number {
  if (setting === false) return 0;
  const why = hugePagesSupport();
  if (why !== null) {
    if (setting === true) throw new Error(`huge_pages: ${why}`);
    return 0;
  }
  const buf = new Uint8Array(memory.buffer);
  const base = BigInt(libc!.addrOf(buf));
  const h = BigInt(HUGE);
  const start = ((base + h - 1n) / h) * h;
  const end = ((base + BigInt(buf.byteLength)) / h) * h;
  if (end <= start) return 0;
  if (libc!.madvise(start, end - start, MADV_HUGEPAGE) !== 0) {
    const err = libc!.errno();
    if (setting === true) throw new Error(`huge_pages: madvise(MADV_HUGEPAGE) failed, errno ${err}`);
    return 0;
  }
  return Number(end - start);
}
