// How long one thread takes to wake another on this machine: the hand-offs a frame pays crossing
// mpstack over TAP (bench/README.md, "links": where the latency goes). One-way latency from the
// waker's timestamp to the woken thread's, on CLOCK_MONOTONIC (process.hrtime, the same clock in
// every thread), with the woken thread idle in between (GAP_MS apart, as pings 10 ms apart find it):
//
//   wait        Atomics.notify -> a worker blocked in Atomics.wait          (CPU doorbell, TX thread)
//   waitAsync   Atomics.notify -> an event loop's Atomics.waitAsync         (the socket links' TX)
//   poll        write(2) to a pipe -> koffi.node.poll callback (libuv)      (the TAP RX thread)
//   read        write(2) to a pipe -> a worker blocked in read(2)
//
// Usage: node dist/bench/wakeups.js [--count N] [--gap-ms MS] [mode ...]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import koffi from 'koffi';
import { loadavg } from 'node:os';
import { isMain, median, table, writeResults } from './common.js';

const MODES = ['wait', 'waitAsync', 'poll', 'read'] as const;
type Mode = (typeof MODES)[number];
const now = () => Number(process.hrtime.bigint());

interface Libc {
  pipe2(fds: number[], flags: number): number;
  write(fd: number, b: Uint8Array, n: number): number;
  read(fd: number, b: Uint8Array, n: number): number;
  close(fd: number): number;
}
function libc(): Libc {
  const lib = koffi.load('libc.so.6');
  return {
    pipe2: lib.func('int pipe2(_Out_ int *fds, int flags)') as Libc['pipe2'],
    write: lib.func('long write(int fd, const uint8_t *buf, unsigned long n)') as Libc['write'],
    read: lib.func('long read(int fd, _Out_ uint8_t *buf, unsigned long n)') as Libc['read'],
    close: lib.func('int close(int fd)') as Libc['close'],
  };
}

/** The woken side: [0] the bell, [1] wakes seen; f64 [0] waker's time, [1] woken's time. */
function wokenThread(): void {
  const { sab, mode, fd } = workerData as { sab: SharedArrayBuffer; mode: Mode; fd: number };
  const i32 = new Int32Array(sab);
  const f64 = new Float64Array(sab, 16, 2);
  let seen = 0;
  const woke = () => {
    f64[1] = now();
    Atomics.add(i32, 1, 1);
  };
  const c = libc();
  const b = new Uint8Array(16);
  parentPort!.postMessage('ready');
  if (mode === 'wait')
    for (;;) {
      Atomics.wait(i32, 0, seen);
      seen = Atomics.load(i32, 0);
      woke();
    }
  if (mode === 'read')
    for (;;) {
      if (c.read(fd, b, 16) <= 0) return;
      woke();
    }
  if (mode === 'waitAsync') {
    const w = Atomics as unknown as {
      waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> };
    };
    const loop = async () => {
      for (;;) {
        const r = w.waitAsync(i32, 0, seen);
        if (r.async) await r.value;
        seen = Atomics.load(i32, 0);
        woke();
      }
    };
    setInterval(() => undefined, 1 << 30);
    void loop();
  }
  if (mode === 'poll')
    koffi.node.poll(fd, { readable: true }, () => {
      woke();
      c.read(fd, b, 16);
    });
}

async function measure(mode: Mode, count: number, gapMs: number): Promise<number[]> {
  const c = libc();
  const sab = new SharedArrayBuffer(32);
  const i32 = new Int32Array(sab);
  const f64 = new Float64Array(sab, 16, 2);
  const fds = [0, 0];
  if (c.pipe2(fds, mode === 'poll' ? 0o4000 : 0) < 0) throw new Error('pipe2 failed'); // O_NONBLOCK for poll
  const w = new Worker(new URL(import.meta.url), { workerData: { sab, mode, fd: fds[0] } });
  await new Promise((r) => w.once('message', r));
  const one = new Uint8Array([1]);
  const us: number[] = [];
  for (let i = 0; i < count; i++) {
    await new Promise((r) => setTimeout(r, gapMs));
    const t = now();
    if (mode === 'poll' || mode === 'read') c.write(fds[1]!, one, 1);
    else {
      Atomics.add(i32, 0, 1);
      Atomics.notify(i32, 0);
    }
    const deadline = Date.now() + 1000;
    while (Atomics.load(i32, 1) !== i + 1 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    if (Atomics.load(i32, 1) === i + 1) us.push((f64[1]! - t) / 1000);
  }
  // a reader blocked in read(2) is ended by end-of-file (terminate() cannot interrupt a system call);
  // a libuv poll watcher must go with its thread before its descriptor closes
  if (mode === 'read') c.close(fds[1]!);
  await w.terminate();
  if (mode !== 'read') c.close(fds[1]!);
  c.close(fds[0]!);
  return us.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let count = 300;
  let gapMs = 5;
  const modes: Mode[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--count') count = Number(argv[++i]);
    else if (a === '--gap-ms') gapMs = Number(argv[++i]);
    else if ((MODES as readonly string[]).includes(a)) modes.push(a as Mode);
    else throw new Error(`unknown argument ${a} (--count N, --gap-ms MS, ${MODES.join(' ')})`);
  }
  const rows: (string | number)[][] = [];
  const results: Record<string, unknown> = {};
  const q = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  for (const m of modes.length ? modes : MODES) {
    const s = await measure(m, count, gapMs);
    results[m] = { n: s.length, medianUs: median(s), p10Us: q(s, 0.1), p90Us: q(s, 0.9), p99Us: q(s, 0.99) };
    rows.push([m, s.length, q(s, 0.1).toFixed(1), median(s).toFixed(1), q(s, 0.9).toFixed(1), q(s, 0.99).toFixed(1)]);
  }
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  console.log(`wake-up latency, one way, µs (${count} wakes ${gapMs} ms apart; load average ${load})`);
  console.log(
    table(['hand-off', 'n', 'p10', 'median', 'p90', 'p99'], rows, [
      'left',
      'right',
      'right',
      'right',
      'right',
      'right',
    ]),
  );
  writeResults('wakeups', { method: { count, gapMs }, results });
}

if (!isMainThread) wokenThread();
else if (isMain(import.meta.url)) await main();
