// Test side of test/sync/workers/agent.mjs: spawn agents (one worker thread = one CPU), watch their
// control words without blocking the event loop, open their gates, collect them. The ctl word
// numbers are the agent's (agent.mjs is plain JS run by node, so they are written out twice).
import { Worker } from 'node:worker_threads';

export const STATE = 0,
  GATE = 1,
  T_EXITING = 2,
  T_DONE = 3,
  R_WALKS = 4,
  R_ELEMS = 5,
  R_BAD = 6,
  R_BAD_ELEM = 7,
  R_BAD_WORD = 8,
  STOP = 9;
export const ENTERED = 1,
  EXITING = 2,
  DONE = 3;
const CTL_WORDS = 16;

export interface Agent {
  readonly worker: Worker;
  readonly ctl: Int32Array;
  /** settles when the agent's task returned (rejects with its error) */
  readonly done: Promise<void>;
  /** the agent's failure, once it failed */
  error(): Error | undefined;
  state(): number;
  /** lets a parked agent go */
  open(): void;
  /** asks a looping agent to stop */
  stop(): void;
}

const live = new Set<Worker>();

type WaitAsyncResult = { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (
  Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, t?: number) => WaitAsyncResult }
).waitAsync;

/** A shared tick counter: agents and the test stamp events with it to order them across threads. */
export function makeClock(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}
export function tick(clock: Int32Array): number {
  return Atomics.add(clock, 0, 1) + 1;
}

export function spawn(
  memory: WebAssembly.Memory,
  clock: Int32Array,
  data: Record<string, unknown> & { task: string; cpu: number; engine?: 'ts' | 'wasm' },
): Agent {
  const ctlBuf = new SharedArrayBuffer(CTL_WORDS * 4);
  const ctl = new Int32Array(ctlBuf);
  const worker = new Worker(new URL('./workers/agent.mjs', import.meta.url), {
    workerData: { engine: 'ts', ...data, memory, ctl: ctlBuf, clock: clock.buffer },
  });
  live.add(worker);
  const done = new Promise<void>((resolve, reject) => {
    worker.once('message', (msg: { ok: boolean; error?: string }) =>
      msg.ok ? resolve() : reject(new Error(msg.error)),
    );
    worker.once('error', reject);
    worker.once('exit', (code) => {
      live.delete(worker);
      reject(new Error(`agent ${data.task} exited with ${code} before reporting`));
    });
  });
  let failure: Error | undefined;
  done.catch((e: Error) => {
    failure = e;
  });
  return {
    worker,
    ctl,
    done,
    error: () => failure,
    state: () => Atomics.load(ctl, STATE),
    open: () => {
      Atomics.store(ctl, GATE, 1);
      Atomics.notify(ctl, GATE);
    },
    stop: () => {
      Atomics.store(ctl, STOP, 1);
    },
  };
}

/** Resolves once the agent's STATE reaches `state` (event loop stays free); rejects after timeoutMs. */
export async function waitState(a: Agent, state: number, timeoutMs = 10000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const s = Atomics.load(a.ctl, STATE);
    if (s >= state) return;
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`agent stuck in state ${s}, waiting for ${state}`);
    const failed = a.error();
    if (failed) throw failed;
    const r = waitAsync(a.ctl, STATE, s, Math.min(left, 50));
    if (r.async) await r.value;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A promise's state after `ms` more milliseconds, without waiting for it to settle. */
export async function stateAfter(p: Promise<unknown>, ms: number): Promise<'pending' | 'resolved' | 'rejected'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const r = await Promise.race([
    p.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    new Promise<'pending'>((resolve) => {
      timer = setTimeout(() => resolve('pending'), ms);
    }),
  ]);
  clearTimeout(timer);
  return r;
}

/** Settles `p` or fails after `ms`, so a broken mechanism fails the test instead of hanging it. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Terminates every agent still running (afterEach: a failed test must not leave parked threads). */
export async function terminateAll(): Promise<void> {
  await Promise.all([...live].map((w) => w.terminate()));
  live.clear();
}
