// `mpstack forward`: replays capture files as frames received on interfaces, forwards them offline
// and writes what each interface transmitted (DIR/<if>.pcap) plus a per-frame trace (DIR/trace.jsonl).
// Output is deterministic: the same inputs give byte-identical files with --engine wasm and ts.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fsErrorText } from '../config/files.js';
import type { FibBackend, HugePagesSetting } from '../config/schema.js';
import type { KernelImpl } from '../stack/kernels.js';
import type { FrameResult, RxFrame, Stack } from '../stack/stack.js';
import { readCaptureFile } from '../io/capture.js';
import { PcapWriter } from '../io/pcap.js';
import { buildStack, loadConfigWarn } from './build-stack.js';
import { UserError } from './errors.js';
import { printCounters } from './summary.js';

export interface ForwardOptions {
  config: string;
  in: string[];
  out: string;
  engine: KernelImpl;
  fib?: FibBackend;
  /** overrides the config's engine.huge_pages */
  hugePages?: HugePagesSetting;
  batch: number;
  quiet?: boolean;
}

interface InFrame {
  ifname: string;
  ifindex: number;
  n: number;
  src: number;
  data: Uint8Array;
  sec: number;
  nsec: number;
}

const LINKTYPE_ETHERNET = 1;

async function readInputs(stack: Stack, specs: string[]): Promise<InFrame[]> {
  const all: InFrame[] = [];
  for (const [src, spec] of specs.entries()) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new UserError(`--in '${spec}': expected IF=FILE (e.g. wm0=in.pcap)`);
    const ifname = spec.slice(0, eq);
    const file = spec.slice(eq + 1);
    const ifindex = stack.ifByName.get(ifname);
    if (!ifindex)
      throw new UserError(
        `--in '${spec}': no interface '${ifname}' in the config (have: ${[...stack.ifByName.keys()].join(', ')})`,
      );
    const st = stack.tables.ifs[ifindex]!;
    if (st.vlan)
      throw new UserError(
        `--in '${spec}': ${ifname} is a vlan interface; its frames arrive tagged on ${stack.ifName(st.vlan.parent)}`,
      );
    if (stack.tables.bridges.has(ifindex))
      throw new UserError(
        `--in '${spec}': ${ifname} is a bridge; its frames arrive on its members (${stack
          .bridgeShow(ifname)
          .members.map((m) => m.name)
          .join(', ')})`,
      );
    if (st.gif)
      throw new UserError(
        `--in '${spec}': ${ifname} is a gif (a tunnel); its packets arrive encapsulated on the interface that carries them`,
      );
    const cap = await readCaptureFile(file).catch((e: unknown) => {
      const why = fsErrorText(e);
      throw why === null ? e : new UserError(`--in ${spec}: ${why}`);
    });
    cap.frames.forEach((f, i) => {
      if (f.linktype !== LINKTYPE_ETHERNET)
        throw new UserError(`${file}: frame ${i + 1}: link type ${f.linktype} is not Ethernet (1)`);
      all.push({ ifname, ifindex, n: i + 1, src, data: f.data, sec: f.tsSec, nsec: f.tsNsec });
    });
  }
  // time order across inputs; ties keep the --in order, then the file order
  all.sort((a, b) => a.sec - b.sec || a.nsec - b.nsec || a.src - b.src || a.n - b.n);
  return all;
}

function traceLine(f: InFrame, r: FrameResult, stack: Stack): string {
  const o: Record<string, unknown> = {
    if: f.ifname,
    n: f.n,
    queue: r.queue,
    rss: `0x${r.rss.toString(16).padStart(8, '0')}`,
    path: r.path,
  };
  if (r.reason !== null) o['reason'] = r.reason;
  o['out'] = r.out.map((t) => stack.ifName(t.ifindex));
  return JSON.stringify(o);
}

/** Creates the output directory if need be and opens DIR/trace.jsonl; a bad --out is a UserError. */
function openOut(dir: string): number {
  try {
    mkdirSync(dir, { recursive: true });
    return openSync(join(dir, 'trace.jsonl'), 'w');
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
    // EEXIST: mkdir found a file at DIR; ENOTDIR: a file where a parent directory should be
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'not a directory (a file is in the way)' : fsErrorText(e);
    throw why === null ? e : new UserError(`--out ${dir}: ${why}`);
  }
}

export async function forwardCommand(o: ForwardOptions): Promise<void> {
  const cfg = loadConfigWarn(o.config);
  const stack = buildStack(cfg, o.engine, o.batch, o.fib, o.hugePages);
  const frames = await readInputs(stack, o.in);
  const writers = new Map<number, PcapWriter>();
  const fd = openOut(o.out);
  try {
    // a batch holds frames of one millisecond (the pipeline's clock), up to the batch size
    for (let i = 0; i < frames.length; ) {
      const ms = frames[i]!.sec * 1000 + Math.floor(frames[i]!.nsec / 1e6);
      let j = i + 1;
      while (j < frames.length && j - i < o.batch && frames[j]!.sec * 1000 + Math.floor(frames[j]!.nsec / 1e6) === ms)
        j++;
      const group = frames.slice(i, j);
      const rx: RxFrame[] = group.map((f) => ({ data: f.data, ifindex: f.ifindex }));
      const results = stack.forward(rx, ms % 2 ** 32);
      const lines: string[] = [];
      results.forEach((r, k) => {
        const f = group[k]!;
        lines.push(traceLine(f, r, stack));
        for (const t of r.out) {
          let w = writers.get(t.ifindex);
          if (!w) writers.set(t.ifindex, (w = new PcapWriter()));
          w.add(t.data, f.sec, f.nsec);
        }
      });
      writeSync(fd, lines.join('\n') + '\n');
      i = j;
    }
  } finally {
    closeSync(fd);
  }
  for (const [ifindex, w] of writers) writeFileSync(join(o.out, `${stack.ifName(ifindex)}.pcap`), w.toBytes());
  if (!o.quiet) {
    const names =
      [...writers.keys()].map((i) => `${stack.ifName(i)}.pcap`).join(', ') || 'no pcap (nothing was transmitted)';
    process.stdout.write(
      `forwarded ${frames.length} frames with the ${o.engine} engine -> ${o.out}/: trace.jsonl, ${names}\n`,
    );
    printCounters(stack.counters());
  }
}
