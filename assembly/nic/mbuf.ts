// The cluster pool of the multi-CPU engine and each CPU's cache in front of it (layout: MB_* in
// assembly/layout/buffers.ts). A CPU allocates and frees through its cache, the CTX_FREE stack the pipeline
// already draws fragments and ICMP errors from; only an empty or full cache goes to the shared pool,
// MB_BULK clusters at a time under the pool's lock. TS twin: ts/kernels/nic/mbuf.ts.
//
// Caller guarantees: `fs` is the calling CPU's own cache (u32 count, u32 cap, u32 clusters[cap]),
// cap >= 2 * MB_BULK; `pool` was set up by the engine. Clusters are cluster base addresses.
import { MB_LOCK, MB_COUNT, MB_CONTENDED, MB_EMPTY, MB_SIZE, MB_BULK } from '../layout/buffers';
import { ld32, st32 } from '../util/mem';

@inline function pool_lock(pool: usize): void {
  while (atomic.cmpxchg<u32>(pool + MB_LOCK, 0, 1) != 0) atomic.add<u32>(pool + MB_CONTENDED, 1);
}

@inline function pool_unlock(pool: usize): void {
  atomic.store<u32>(pool + MB_LOCK, 0);
}

/** Moves up to `want` clusters from the pool into the cache (it has room). Returns how many moved. */
export function pool_refill(fs: usize, pool: usize, want: u32): u32 {
  pool_lock(pool);
  const have = ld32(pool + MB_COUNT);
  const k = want < have ? want : have;
  const n = ld32(fs);
  memory.copy(fs + 8 + ((<usize>n) << 2), pool + MB_SIZE + ((<usize>(have - k)) << 2), (<usize>k) << 2);
  st32(pool + MB_COUNT, have - k);
  if (k < want) st32(pool + MB_EMPTY, ld32(pool + MB_EMPTY) + 1);
  pool_unlock(pool);
  st32(fs, n + k);
  return k;
}

/** Moves the cache's top `k` clusters (k <= its count) back to the pool. */
export function pool_drain(fs: usize, pool: usize, k: u32): void {
  const n = ld32(fs);
  pool_lock(pool);
  const have = ld32(pool + MB_COUNT);
  memory.copy(pool + MB_SIZE + ((<usize>have) << 2), fs + 8 + ((<usize>(n - k)) << 2), (<usize>k) << 2);
  st32(pool + MB_COUNT, have + k);
  pool_unlock(pool);
  st32(fs, n - k);
}

/** A cluster from the cache, refilled from the pool when empty; 0 when both are empty. */
@inline export function pool_get(fs: usize, pool: usize): usize {
  let n = ld32(fs);
  if (n == 0) {
    n = pool_refill(fs, pool, MB_BULK);
    if (n == 0) return 0;
  }
  st32(fs, n - 1);
  return <usize>ld32(fs + 8 + ((<usize>(n - 1)) << 2));
}

/** Frees cluster `c` into the cache, first moving MB_BULK of it to the pool when it is full. */
@inline export function pool_put(fs: usize, pool: usize, c: usize): void {
  let n = ld32(fs);
  if (n == ld32(fs + 4)) {
    pool_drain(fs, pool, MB_BULK);
    n -= MB_BULK;
  }
  st32(fs + 8 + ((<usize>n) << 2), <u32>c);
  st32(fs, n + 1);
}

/**
 * Between batches: brings the cache back between `low` and cap - MB_BULK clusters (the pipeline
 * takes fragments and ICMP errors from the cache without refilling it, so a batch starts with
 * `low` at hand). Returns the cache's count.
 */
export function pool_balance(fs: usize, pool: usize, low: u32): u32 {
  const n = ld32(fs);
  if (n < low) pool_refill(fs, pool, low - n);
  else if (n > ld32(fs + 4) - MB_BULK) pool_drain(fs, pool, n - (ld32(fs + 4) - MB_BULK));
  return ld32(fs);
}
