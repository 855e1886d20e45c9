// The writer lock: the one lock of the control plane (NetBSD's RT_WLOCK / RT_ASSERT_WLOCK pair).
//
// What it guards: every writer of the shared tables (Tables, and the Stack methods built on it:
// interfaces, addresses, routes, nexthops, neighbors, the radix and FIB scratch memory) and the
// retire → grace period → reclaim sequence. Readers — the pipelines on every CPU — never take it:
// they are pserialize readers (see ts/sync/pserialize.ts). It lives with the tables it guards, and
// every Tables writer asserts it (`assertHeld`), so a writer that forgot it fails at once instead of
// racing another writer across an `await`.
//
// Two ways to hold it, both one writer at a time:
// - `run(op, fn)`: the control plane's operations (ts/control/). It is held across awaits (a route
//   delete waits a grace period in the middle), and writers queue in arrival order.
// - `runSync(op, fn)`: synchronous writers that own the stack outright (building it, bulk loads,
//   tests and benchmarks). It refuses, with an exception, while an async writer holds or waits for
//   the lock: two writers at once is a bug, not something to wait out.
//
// JavaScript has no thread identity to check, so "held" means "some writer holds it": the assertion
// catches writes made outside any writer, not a second writer slipping in while an async one awaits
// (the queue in `run` is what prevents that). The lock is per Stack and per thread: workers never
// write tables.

export class WriterLockError extends Error {
  override readonly name = 'WriterLockError';
}

export class WriterLock {
  /** the operation holding the lock, for messages; null when free */
  private holder: string | null = null;
  private queued = 0;
  private tail: Promise<unknown> = Promise.resolve();

  get held(): boolean {
    return this.holder !== null;
  }

  /** Runs `fn` as the only writer, after every writer queued before it; holds the lock across its awaits. */
  run<T>(op: string, fn: () => T | Promise<T>): Promise<T> {
    this.queued++;
    const res = this.tail.then(async () => {
      this.queued--;
      this.holder = op;
      try {
        return await fn();
      } finally {
        this.holder = null;
      }
    });
    this.tail = res.then(
      () => undefined,
      () => undefined,
    );
    return res;
  }

  /** Runs `fn` as the only writer, now. Throws a WriterLockError if another writer holds or awaits the lock. */
  runSync<T>(op: string, fn: () => T): T {
    if (this.holder !== null || this.queued > 0) {
      throw new WriterLockError(`${op}: the writer lock is taken (${this.holder ?? 'a queued writer'})`);
    }
    this.holder = op;
    try {
      return fn();
    } finally {
      this.holder = null;
    }
  }

  /** RT_ASSERT_WLOCK: the caller is a writer. */
  assertHeld(what: string): void {
    if (this.holder === null) throw new WriterLockError(`${what}: called without the writer lock`);
  }

  /** Resolves once every writer queued so far has finished. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
