// The live page (web/live.html, what `mpstack serve` opens): the router on Web Workers, live.
//
// Topology: createRouter's multi-CPU machine (ts/portable/router-mp.ts) on `cpus` Web Workers over
// one shared WebAssembly.Memory, with four NICs:
//
//   alice 10.0.1.10 ── wm0 (port) ──┐              ┌── wm1 (port) ── bob 10.0.2.20
//                                   ├── router ────┤
//   flood (gen) ────── wm2 (gen) ───┘   (CPUs)     └── wm3 (sink) ── 198.51.100.254
//
// alice and bob are emulated hosts on this page's thread, on the router's ports: each answers ARP
// for its address, resolves its gateway by ARP, and answers pings. alice pings bob every 250 ms and
// streams UDP datagrams to him (a port puts a frame on the RX queue its addresses hash to, so the
// pair's traffic is one queue of each port's two); the router learns both from their ARP requests.
// The flood is the `gen` driver: made inside the worker CPUs, 64-byte UDP over 4 RSS queues to
// 203.0.113.0/24, routed out of the sink.
//
// Twice a second the page reads the machine (live-snapshot.ts: the same words `mpstack netstat`,
// `intrctl list` read: per-CPU counters, each interrupt vector's count per CPU) and shows rates over
// the interval: packets per CPU, interrupts per queue and CPU, with the CPU each queue is bound to
// marked. Clicking a queue's cell under another CPU binds it there (the control plane's affinity,
// as `mpstack intrctl affinity`): the queue's interrupts, and its share of the load, move over.
//
// Below, RFC 2544 throughput against CPUs when the server has results (`mpstack serve --results DIR`).
//
// With `?attach=TOKEN` the page runs no router: it shows a running `mpstack run --web` (which prints
// the URL with its token), over a WebSocket to the server it came from (remoteSource below).
//
// Query parameters: cpus (default 2), flood (frames/s, default 30000; 0 = as fast as the CPUs go),
// stream (UDP datagrams/s alice sends, default 2000). The state is also left in globalThis.mpstackLive
// for test/runtimes/serve.test.ts.
import { parseIP } from '../addr/addr.js';
import { buildArp, buildFrame } from '../packet/build.js';
import { createRouter, type RouterPort } from '../portable/router.js';
import { type LiveSnapshot, liveSnapshot } from './live-snapshot.js';

/** One interrupt vector as the page last read it. */
export interface LiveVector {
  id: string;
  /** the CPU it is bound to */
  cpu: number;
  /** interrupts taken per CPU, cumulative (intrctl list's counts) */
  counts: number[];
  /** interrupts per second per CPU over the last interval */
  rates: number[];
  /** frames per second its traffic source put on the RX queue (null: no source, e.g. a port) */
  framesRate: number | null;
}

export interface LiveHostStats {
  name: string;
  ip: string;
  gatewayMac: string | null;
  pingsSent: number;
  pingsAnswered: number;
  lastRttMs: number | null;
  streamSent: number;
  streamReceived: number;
  arpAnswered: number;
}

export interface LiveOutcome {
  state: 'starting' | 'running' | 'error';
  crossOriginIsolated: boolean;
  cpus: number;
  /** how many times the page has read the counters */
  updates: number;
  /** per CPU: frames received, cumulative, and per second over the last interval */
  perCpu: { rx: number; rxRate: number; txRate: number }[];
  vectors: LiveVector[];
  hosts: LiveHostStats[];
  /** non-zero counters summed over the CPUs (netstat -s) */
  counters: Record<string, number>;
  /** affinity changes made by clicking: `wm2 txrx0 -> cpu1` */
  moves: string[];
  /** the RFC 2544 chart: its series and points (0 and 0: no results served) */
  rfc2544: { series: number; points: number } | null;
  error?: string;
}

const outcome: LiveOutcome = {
  state: 'starting',
  crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
  cpus: 0,
  updates: 0,
  perCpu: [],
  vectors: [],
  hosts: [],
  counters: {},
  moves: [],
  rfc2544: null,
};
(globalThis as { mpstackLive?: LiveOutcome }).mpstackLive = outcome;

const params = new URLSearchParams(location.search);
const num = (k: string, d: number) => {
  const v = Number(params.get(k) ?? d);
  return Number.isFinite(v) && v >= 0 ? v : d;
};

/** How often the page reads the counters. */
const UPDATE_MS = 500;
const PING_MS = 250;
/** alice's stream goes out in bursts this often */
const STREAM_TICK_MS = 20;
const STREAM_FLOWS = 8;

function config(flood: number): Record<string, unknown> {
  return {
    interfaces: [
      { name: 'wm0', mac: '02:00:00:00:00:01', addresses: ['10.0.1.1/24'], rss: { queues: 2, udp: true } },
      { name: 'wm1', mac: '02:00:00:00:00:02', addresses: ['10.0.2.1/24'], rss: { queues: 2, udp: true } },
      {
        name: 'wm2',
        mac: '02:00:00:00:00:03',
        addresses: ['192.0.2.1/24'],
        rss: { queues: 4, udp: true },
        driver: 'gen',
        gen: { src: '192.0.2.0/24', dst: '203.0.113.0/24', flows: 64, size: 64, rate: flood },
      },
      { name: 'wm3', mac: '02:00:00:00:00:04', addresses: ['198.51.100.1/24'], driver: 'sink' },
    ],
    routes: [{ dst: '203.0.113.0/24', via: '198.51.100.254' }],
    neighbors: [{ address: '198.51.100.254', mac: '02:00:00:00:bb:fe', dev: 'wm3' }],
  };
}

// ---- emulated hosts ---------------------------------------------------------------------------------

const BROADCAST = new Uint8Array(6).fill(0xff);
const macText = (m: Uint8Array) => [...m].map((x) => x.toString(16).padStart(2, '0')).join(':');
const ip4 = (s: string) => parseIP(s)!.bytes;
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The one's-complement sum of an IPv4 header, for the replies a host writes (RFC 1071). */
function ipHeaderChecksum(f: Uint8Array, at: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i += 2) if (i !== 10) sum += (f[at + i]! << 8) | f[at + i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * A host on one of the router's ports, on this page's thread: ARP (answers for its address, learns
 * its gateway's MAC), ICMP echo (answers requests, times replies), and UDP datagrams it counts.
 */
class EmulatedHost {
  gatewayMac: Uint8Array | null = null;
  readonly stats: LiveHostStats;
  private readonly pings = new Map<number, number>(); // IP id -> sent at (performance.now())
  private pingSeq = 0;
  private streamSeq = 0;

  constructor(
    name: string,
    private readonly mac: Uint8Array,
    private readonly ip: Uint8Array,
    private readonly gateway: Uint8Array,
    private readonly port: RouterPort,
  ) {
    this.stats = {
      name,
      ip: [...ip].join('.'),
      gatewayMac: null,
      pingsSent: 0,
      pingsAnswered: 0,
      lastRttMs: null,
      streamSent: 0,
      streamReceived: 0,
      arpAnswered: 0,
    };
    port.onFrame((f) => this.receive(f));
  }

  /** Asks for the gateway's MAC (again, until it is known). */
  resolveGateway(): void {
    if (this.gatewayMac) return;
    this.port.send(
      buildArp({
        dstMac: BROADCAST,
        srcMac: this.mac,
        op: 1,
        senderMac: this.mac,
        senderIp: this.ip,
        targetIp: this.gateway,
      }),
    );
  }

  ping(to: Uint8Array): void {
    if (!this.gatewayMac) return;
    const id = (this.pingSeq = (this.pingSeq + 1) & 0xffff);
    this.pings.set(id, performance.now());
    this.stats.pingsSent++;
    this.port.send(
      buildFrame({ dstMac: this.gatewayMac, srcMac: this.mac, src: this.ip, dst: to, proto: 'icmp', id, payload: 56 }),
    );
  }

  /** `n` UDP datagrams to `to`, round robin over STREAM_FLOWS source ports (iperf's port 5001). */
  stream(to: Uint8Array, n: number): void {
    if (!this.gatewayMac) return;
    for (let i = 0; i < n; i++) {
      const sport = 40000 + (this.streamSeq++ % STREAM_FLOWS);
      this.port.send(
        buildFrame({
          dstMac: this.gatewayMac,
          srcMac: this.mac,
          src: this.ip,
          dst: to,
          sport,
          dport: 5001,
          payload: 512,
        }),
      );
    }
    this.stats.streamSent += n;
  }

  private receive(f: Uint8Array): void {
    const type = (f[12]! << 8) | f[13]!;
    if (type === 0x0806 && f.length >= 42) {
      const op = f[21]!;
      if (op === 1 && same(f.subarray(38, 42), this.ip)) {
        this.stats.arpAnswered++;
        this.port.send(
          buildArp({
            dstMac: f.subarray(22, 28),
            srcMac: this.mac,
            op: 2,
            senderMac: this.mac,
            senderIp: this.ip,
            targetMac: f.subarray(22, 28),
            targetIp: f.subarray(28, 32),
          }),
        );
      } else if (op === 2 && same(f.subarray(28, 32), this.gateway)) {
        this.gatewayMac = f.slice(22, 28);
        this.stats.gatewayMac = macText(this.gatewayMac);
      }
      return;
    }
    if (type !== 0x0800 || f.length < 34 || !same(f.subarray(30, 34), this.ip)) return;
    const ihl = (f[14]! & 0x0f) * 4;
    const proto = f[23]!;
    const l4 = 14 + ihl;
    if (proto === 17) this.stats.streamReceived++;
    else if (proto === 1 && f[l4] === 8) {
      // echo request: the same datagram back, addresses swapped, type 0 (checksum adjusted, RFC 1624)
      const r = f.slice();
      r.set(f.subarray(6, 12), 0);
      r.set(this.mac, 6);
      r.set(f.subarray(30, 34), 26);
      r.set(f.subarray(26, 30), 30);
      r[22] = 64;
      const ck = ipHeaderChecksum(r, 14, ihl);
      r[24] = ck >> 8;
      r[25] = ck & 0xff;
      r[l4] = 0;
      let sum = ((r[l4 + 2]! << 8) | r[l4 + 3]!) + 0x0800;
      sum = (sum & 0xffff) + (sum >>> 16);
      r[l4 + 2] = sum >> 8;
      r[l4 + 3] = sum & 0xff;
      this.port.send(r);
    } else if (proto === 1 && f[l4] === 0) {
      const sent = this.pings.get((f[18]! << 8) | f[19]!);
      if (sent !== undefined) {
        this.pings.delete((f[18]! << 8) | f[19]!);
        this.stats.pingsAnswered++;
        this.stats.lastRttMs = performance.now() - sent;
      }
    }
  }
}

// ---- the view -------------------------------------------------------------------------------------

function el(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`web/live.html lacks #${id}`);
  return e;
}

/** A rate for a narrow cell: 1.23M, 45.6k, 789. */
function rate(perS: number): string {
  if (!Number.isFinite(perS) || perS <= 0) return '0';
  if (perS >= 1e6) return `${(perS / 1e6).toFixed(2)}M`;
  if (perS >= 1e3) return `${(perS / 1e3).toFixed(1)}k`;
  return perS.toFixed(0);
}

/** A table element from a header row and body rows of text (no HTML is interpreted). */
function textTable(head: string[], rows: (string | number)[][]): HTMLTableElement {
  const t = document.createElement('table');
  const tr = t.insertRow();
  for (const h of head) {
    const th = document.createElement('th');
    th.textContent = h;
    tr.append(th);
  }
  for (const r of rows) {
    const row = t.insertRow();
    for (const v of r) row.insertCell().textContent = typeof v === 'number' ? v.toLocaleString('en') : v;
  }
  return t;
}

function show(id: string, node: Node): void {
  el(id).replaceChildren(node);
}

function status(text: string): void {
  el('status').textContent = text;
}

/**
 * The intrctl table: a row per vector, a column per CPU with its interrupts/s there, the bound CPU's
 * cell marked; a click on another CPU's cell binds the vector there.
 */
function intrctlTable(vectors: LiveVector[], cpus: number, move: (id: string, cpu: number) => void): HTMLTableElement {
  const t = textTable(
    ['interrupt id', ...Array.from({ length: cpus }, (_, c) => `CPU${c} intr/s`), 'queue frames/s'],
    [],
  );
  const peak = Math.max(1, ...vectors.flatMap((v) => v.rates));
  for (const v of vectors) {
    const row = t.insertRow();
    row.insertCell().textContent = v.id;
    for (let c = 0; c < cpus; c++) {
      const cell = row.insertCell();
      cell.className = c === v.cpu ? 'bound' : 'cell';
      cell.dataset['irq'] = v.id;
      cell.dataset['cpu'] = String(c);
      cell.textContent = `${rate(v.rates[c] ?? 0)}${c === v.cpu ? '*' : ''}`;
      cell.title = c === v.cpu ? `${v.id} is bound to CPU${c}` : `click: bind ${v.id} to CPU${c}`;
      const share = (v.rates[c] ?? 0) / peak;
      cell.style.background = `linear-gradient(90deg, #8cc8ff ${(share * 100).toFixed(0)}%, transparent 0)`;
      if (c !== v.cpu) cell.onclick = () => move(v.id, c);
    }
    row.insertCell().textContent = v.framesRate === null ? '' : rate(v.framesRate);
  }
  return t;
}

/** Per CPU: packets in and out per second, and a bar of the share of the packets it took. */
function cpuTable(perCpu: LiveOutcome['perCpu']): HTMLTableElement {
  const total = perCpu.reduce((s, c) => s + c.rxRate, 0) || 1;
  const t = textTable(['CPU', 'rx pkts/s', 'tx pkts/s', 'rx total', 'share'], []);
  perCpu.forEach((c, i) => {
    const row = t.insertRow();
    for (const v of [`cpu${i}`, rate(c.rxRate), rate(c.txRate), c.rx.toLocaleString('en')])
      row.insertCell().textContent = v;
    const bar = row.insertCell();
    const b = document.createElement('div');
    b.className = 'bar';
    b.style.width = `${((c.rxRate / total) * 200).toFixed(0)}px`;
    bar.append(b);
  });
  return t;
}

// ---- RFC 2544 results ------------------------------------------------------------------------------

/** The fields of `mpstack bench rfc2544`'s results.json the chart uses. */
interface BenchPoint {
  scenario: string;
  engine: string;
  cpus: number;
  size: number;
  fps: number;
  /** 6 for UDP/IPv6 (absent in results from before IPv6: 4) */
  family?: number;
}

const SVG = 'http://www.w3.org/2000/svg';
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Throughput against CPUs: a line per scenario, engine and frame size, from the results the server
 * has under /results/ (`mpstack serve --results DIR`); a sentence saying how to get some if none.
 */
async function rfc2544Chart(): Promise<void> {
  const r = await fetch('/results/results.json');
  const all = r.ok ? ((await r.json()) as BenchPoint[]) : [];
  if (!Array.isArray(all) || all.length === 0) {
    const p = document.createElement('p');
    p.textContent =
      'No RFC 2544 results served: run `mpstack bench rfc2544 --cpus 1,2 --out DIR`, then `mpstack serve --results DIR`.';
    show('rfc2544', p);
    outcome.rfc2544 = { series: 0, points: 0 };
    return;
  }
  // a search run several times (--runs) is drawn by its median run
  const byCpu = new Map<string, BenchPoint[]>();
  for (const p of all) {
    const k = `${p.scenario}${p.family === 6 ? ' IPv6' : ''} (${p.engine}) ${p.size} B`;
    byCpu.set(`${k}|${p.cpus}`, [...(byCpu.get(`${k}|${p.cpus}`) ?? []), p]);
  }
  const series = new Map<string, BenchPoint[]>();
  for (const [kc, ps] of byCpu) {
    const k = kc.slice(0, kc.lastIndexOf('|'));
    const med = [...ps].sort((a, b) => a.fps - b.fps)[(ps.length - 1) >> 1]!;
    series.set(k, [...(series.get(k) ?? []), med]);
  }
  const W = 560;
  const H = 300;
  const L = 70;
  const B = 40;
  const maxCpu = Math.max(...all.map((p) => p.cpus));
  const maxFps = Math.max(...all.map((p) => p.fps)) * 1.1 || 1;
  const x = (c: number) => L + (W - L - 20) * (maxCpu === 1 ? 0.5 : (c - 1) / (maxCpu - 1));
  const y = (f: number) => H - B - ((H - B - 10) * f) / maxFps;
  const chart = svg('svg', { width: W + 200, height: H, viewBox: `0 0 ${W + 200} ${H}`, role: 'img' });
  chart.append(svg('line', { x1: L, y1: H - B, x2: W - 10, y2: H - B, stroke: '#888' }));
  chart.append(svg('line', { x1: L, y1: 10, x2: L, y2: H - B, stroke: '#888' }));
  for (let i = 0; i <= 4; i++) {
    const f = (maxFps * i) / 4;
    chart.append(svg('text', { x: L - 6, y: y(f) + 4, 'text-anchor': 'end', 'font-size': 11 }, rate(f)));
  }
  for (const c of [...new Set(all.map((p) => p.cpus))])
    chart.append(svg('text', { x: x(c), y: H - B + 16, 'text-anchor': 'middle', 'font-size': 11 }, String(c)));
  chart.append(svg('text', { x: (L + W) / 2, y: H - 6, 'text-anchor': 'middle', 'font-size': 12 }, 'worker CPUs'));
  chart.append(
    svg(
      'text',
      { x: 14, y: H / 2, 'font-size': 12, transform: `rotate(-90 14 ${H / 2})`, 'text-anchor': 'middle' },
      'frames/s',
    ),
  );
  let i = 0;
  for (const [name, pts] of series) {
    const color = COLORS[i % COLORS.length]!;
    const sorted = [...pts].sort((a, b) => a.cpus - b.cpus);
    chart.append(
      svg('polyline', {
        points: sorted.map((p) => `${x(p.cpus)},${y(p.fps)}`).join(' '),
        fill: 'none',
        stroke: color,
        'stroke-width': 2,
      }),
    );
    for (const p of sorted) {
      const dot = svg('circle', { cx: x(p.cpus), cy: y(p.fps), r: 4, fill: color, class: 'point' });
      dot.append(
        svg('title', {}, `${name}, ${p.cpus} CPU${p.cpus === 1 ? '' : 's'}: ${p.fps.toLocaleString('en')} fps`),
      );
      chart.append(dot);
    }
    chart.append(svg('rect', { x: W + 10, y: 14 + i * 18, width: 12, height: 12, fill: color }));
    chart.append(svg('text', { x: W + 28, y: 24 + i * 18, 'font-size': 12 }, name));
    i++;
  }
  show('rfc2544', chart);
  outcome.rfc2544 = { series: series.size, points: all.length };
}

// ---- main -----------------------------------------------------------------------------------------

/** Where the page's numbers come from: the router it runs, or a running `mpstack run --web`. */
interface LiveSource {
  /** what it runs on, for the status line */
  what: string;
  snapshot(): Promise<LiveSnapshot>;
  /** binds interrupt `id` to `cpu` (the control plane's affinity) */
  affinity(id: string, cpu: number): Promise<void>;
}

/** The router on this page's Web Workers, with alice and bob on its ports and the flood on wm2. */
async function localSource(): Promise<{ source: LiveSource; hosts: EmulatedHost[] }> {
  if (!outcome.crossOriginIsolated)
    throw new Error('this page is not cross-origin isolated: open it from `mpstack serve` (COOP/COEP headers)');
  const cpus = Math.max(1, Math.floor(num('cpus', 2)));
  const flood = Math.floor(num('flood', 30000));
  const streamRate = num('stream', 2000);
  status(`starting the router on ${cpus} Web Workers…`);
  // dist/ts/web/live.js -> <root>/build/mpstack.wasm
  const router = await createRouter(config(flood), {
    cpus,
    wasm: new URL('../../../build/mpstack.wasm', import.meta.url),
  });
  const alice = new EmulatedHost('alice', hostMac(0x0a), ip4('10.0.1.10'), ip4('10.0.1.1'), router.port('wm0'));
  const bob = new EmulatedHost('bob', hostMac(0x14), ip4('10.0.2.20'), ip4('10.0.2.1'), router.port('wm1'));
  const hosts = [alice, bob];
  addEventListener('pagehide', () => void router.close());

  // traffic: ARP until each host knows its gateway, pings, and the stream in bursts
  setInterval(() => {
    for (const h of hosts) h.resolveGateway();
    alice.ping(ip4('10.0.2.20'));
  }, PING_MS);
  let owed = 0;
  setInterval(() => {
    owed += (streamRate * STREAM_TICK_MS) / 1000;
    const n = Math.floor(owed);
    owed -= n;
    alice.stream(ip4('10.0.2.20'), n);
  }, STREAM_TICK_MS);
  return {
    source: {
      what: `${cpus} Web Workers`,
      snapshot: () => liveSnapshot(router.machine, router.control, () => performance.now()),
      affinity: async (id, cpu) => void (await router.control.affinity(id, cpu)),
    },
    hosts,
  };
}

/**
 * A running `mpstack run --web` (ts/cli/live-web.ts), over a WebSocket to the server this page came
 * from: requests `{ id, op: 'snapshot' }` or `{ id, op: 'affinity', irq, cpu }`, each answered by
 * `{ id, snapshot }`, `{ id, ok: true }` or `{ id, error }`. The token in the page's URL (`?attach=`,
 * printed by run) is the socket's key.
 */
function remoteSource(token: string): Promise<LiveSource> {
  const ws = new WebSocket(`ws://${location.host}/live?token=${encodeURIComponent(token)}`);
  const waiting = new Map<number, { ok: (v: unknown) => void; no: (e: Error) => void }>();
  let next = 1;
  ws.onmessage = (ev) => {
    const m = JSON.parse(String(ev.data)) as { id: number; error?: string };
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined) w?.no(new Error(m.error));
    else w?.ok(m);
  };
  ws.onclose = () => {
    for (const w of waiting.values()) w.no(new Error('mpstack run closed the connection (it stopped?)'));
    waiting.clear();
  };
  const ask = <T>(req: Record<string, unknown>): Promise<T> =>
    new Promise((ok, no) => {
      if (ws.readyState !== WebSocket.OPEN) return no(new Error('not connected to mpstack run'));
      const id = next++;
      waiting.set(id, { ok: ok as (v: unknown) => void, no });
      ws.send(JSON.stringify({ ...req, id }));
    });
  return new Promise((ok, no) => {
    ws.onopen = () =>
      ok({
        what: 'a running mpstack run',
        snapshot: async () => (await ask<{ snapshot: LiveSnapshot }>({ op: 'snapshot' })).snapshot,
        affinity: async (irq, cpu) => void (await ask({ op: 'affinity', irq, cpu })),
      });
    ws.onerror = () => no(new Error('cannot reach mpstack run (stopped, or a wrong token)'));
  });
}

async function main(): Promise<void> {
  const token = params.get('attach');
  let source: LiveSource;
  let hosts: EmulatedHost[] = [];
  if (token !== null) {
    status('attaching to mpstack run…');
    source = await remoteSource(token);
    for (const id of ['topology', 'topology-text', 'hosts-section']) el(id).hidden = true;
    el('title').textContent = document.title = 'mpstack live: attached to mpstack run';
  } else ({ source, hosts } = await localSource());

  const move = (id: string, cpu: number) => {
    status(`binding ${id} to CPU${cpu}…`);
    source.affinity(id, cpu).then(
      () => {
        outcome.moves.push(`${id} -> cpu${cpu}`);
        status(`running: ${id} bound to CPU${cpu} (as \`mpstack intrctl affinity -i '${id}' -c ${cpu}\`)`);
      },
      (e: unknown) => status(`intrctl affinity: ${e instanceof Error ? e.message : String(e)}`),
    );
  };

  let last = await source.snapshot();
  outcome.cpus = last.intr.cpus;
  const update = async () => {
    const now = await source.snapshot();
    const s = (now.ms - last.ms) / 1000 || 1;
    outcome.perCpu = now.rx.map((rx, c) => ({
      rx,
      rxRate: (rx - last.rx[c]!) / s,
      txRate: (now.tx[c]! - last.tx[c]!) / s,
    }));
    outcome.vectors = now.intr.rows.map((r, i) => ({
      id: r.id,
      cpu: r.cpu,
      counts: r.counts,
      rates: r.counts.map((n, c) => (n - (last.intr.rows[i]?.counts[c] ?? 0)) / s),
      framesRate: now.frames[i] === null ? null : (now.frames[i]! - (last.frames[i] ?? 0)) / s,
    }));
    outcome.hosts = hosts.map((h) => ({ ...h.stats }));
    outcome.counters = now.counters;
    last = now;

    show('cpus', cpuTable(outcome.perCpu));
    show('intrctl', intrctlTable(outcome.vectors, now.intr.cpus, move));
    show(
      'hosts',
      textTable(
        ['host', 'address', 'gateway MAC', 'pings sent', 'answered', 'last RTT', 'UDP sent', 'UDP received'],
        outcome.hosts.map((h) => [
          h.name,
          h.ip,
          h.gatewayMac ?? '(resolving)',
          h.pingsSent,
          h.pingsAnswered,
          h.lastRttMs === null ? '' : `${h.lastRttMs.toFixed(2)} ms`,
          h.streamSent,
          h.streamReceived,
        ]),
      ),
    );
    show(
      'interfaces',
      textTable(
        ['name', 'mtu', 'mac', 'ipkts', 'idrops', 'opkts', 'source'],
        now.interfaces.map((r) => [r.name, r.mtu, r.mac, r.ipkts, r.idrops, r.opkts, r.source ?? '']),
      ),
    );
    show(
      'counters',
      textTable(
        ['counter', 'value'],
        Object.entries(now.counters).map(([k, v]) => [k, v]),
      ),
    );
    show(
      'routes',
      textTable(
        ['route'],
        now.routes.map((r) => [r]),
      ),
    );
    const pre = document.createElement('pre');
    pre.textContent = now.arp.join('\n');
    show('arp', pre);
    outcome.updates++;
    if (outcome.state === 'starting') {
      outcome.state = 'running';
      status(`running on ${source.what}: click a cell of the intrctl table to move that queue to that CPU`);
    }
  };
  const loop = () =>
    update().then(
      () => setTimeout(loop, UPDATE_MS),
      (e: unknown) => fail(e),
    );
  setTimeout(loop, UPDATE_MS);
  await rfc2544Chart();
}

/** A locally administered MAC for a host: 02:00:00:00:01:<last> */
function hostMac(last: number): Uint8Array {
  return Uint8Array.from([0x02, 0, 0, 0, 0x01, last]);
}

function fail(e: unknown): void {
  outcome.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  outcome.state = 'error';
  status(`failed: ${outcome.error}`);
}

main().catch(fail);
