// TS twin of assembly/nic/mbuf.ts: the cluster pool and the per-CPU caches in front of it.
import { MB_LOCK, MB_COUNT, MB_CONTENDED, MB_EMPTY, MB_SIZE, MB_BULK } from '../../../assembly/layout/buffers.js';
import { type Mem, ld32, st32 } from '../util/mem.js';

function pool_lock(m: Mem, pool: number): void {
  while (Atomics.compareExchange(m.u32, (pool + MB_LOCK) >>> 2, 0, 1) !== 0)
    Atomics.add(m.u32, (pool + MB_CONTENDED) >>> 2, 1);
}

function pool_unlock(m: Mem, pool: number): void {
  Atomics.store(m.u32, (pool + MB_LOCK) >>> 2, 0);
}

export function pool_refill(m: Mem, fs: number, pool: number, want: number): number {
  pool_lock(m, pool);
  const have = ld32(m, pool + MB_COUNT);
  const k = Math.min(want, have);
  const n = ld32(m, fs);
  m.u8.copyWithin(fs + 8 + n * 4, pool + MB_SIZE + (have - k) * 4, pool + MB_SIZE + have * 4);
  st32(m, pool + MB_COUNT, have - k);
  if (k < want) st32(m, pool + MB_EMPTY, ld32(m, pool + MB_EMPTY) + 1);
  pool_unlock(m, pool);
  st32(m, fs, n + k);
  return k;
}

export function pool_drain(m: Mem, fs: number, pool: number, k: number): void {
  const n = ld32(m, fs);
  pool_lock(m, pool);
  const have = ld32(m, pool + MB_COUNT);
  m.u8.copyWithin(pool + MB_SIZE + have * 4, fs + 8 + (n - k) * 4, fs + 8 + n * 4);
  st32(m, pool + MB_COUNT, have + k);
  pool_unlock(m, pool);
  st32(m, fs, n - k);
}

export function pool_get(m: Mem, fs: number, pool: number): number {
  let n = ld32(m, fs);
  if (n === 0) {
    n = pool_refill(m, fs, pool, MB_BULK);
    if (n === 0) return 0;
  }
  st32(m, fs, n - 1);
  return ld32(m, fs + 8 + (n - 1) * 4);
}

export function pool_put(m: Mem, fs: number, pool: number, c: number): void {
  let n = ld32(m, fs);
  if (n === ld32(m, fs + 4)) {
    pool_drain(m, fs, pool, MB_BULK);
    n -= MB_BULK;
  }
  st32(m, fs + 8 + n * 4, c);
  st32(m, fs, n + 1);
}

export function pool_balance(m: Mem, fs: number, pool: number, low: number): number {
  const n = ld32(m, fs);
  const high = ld32(m, fs + 4) - MB_BULK;
  if (n < low) pool_refill(m, fs, pool, low - n);
  else if (n > high) pool_drain(m, fs, pool, n - high);
  return ld32(m, fs);
}
