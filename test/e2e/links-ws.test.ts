// End to end through the built CLI: `mpstack run` with a `websocket` interface (a switched segment,
// ws-link-node.ts) and a `tap` interface moved into a Linux network namespace with a host behind it.
// Two Node `ws` clients connect as v86 does (one binary message per Ethernet frame), each a station
// with its own MAC and addresses that answers ARP, neighbor solicitations and echo requests itself.
// Each resolves the router and pings it, pings the other client directly (switched: the frames keep
// their sender's MAC and TTL, the router never forwards them), and pings the namespace host behind
// the TAP (routed: Linux answers); Linux's own ping reaches a client back. IPv4 and IPv6.
//
// Needs root, /dev/net/tun, iproute2 and iputils-ping. Where they are missing the test fails with the
// reason when CI is set, and is reported as not run otherwise.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { MAX_FRAME } from '../../assembly/layout.js';
import { formatMac, parseIP, parseMac } from '../../ts/addr/addr.js';
import { WS_MAX_PAYLOAD } from '../../ts/host/ws-link-node.js';
import { buildArp, buildFrame, buildNd } from '../../ts/packet/build.js';
import { Netns } from './netns.js';

const CLI = join(process.cwd(), 'dist/ts/cli/main.js');

function missing(): string | null {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, TAP)';
  if (!existsSync('/dev/net/tun')) return 'needs /dev/net/tun';
  if (spawnSync('ip', ['-V']).error) return 'needs iproute2 (ip)';
  if (spawnSync('ping', ['-V']).error) return 'needs iputils-ping (ping)';
  return null;
}
const why = missing();
if (why && !process.env.CI) console.warn(`test/e2e/links-ws.test.ts not run: ${why}`);
const suite = why && !process.env.CI ? describe.skip : describe;

const ip = (s: string) => parseIP(s)!.bytes;
const ROUTER_MAC = parseMac('02:00:00:77:00:01')!;
const BCAST = new Uint8Array(6).fill(0xff);
const NS_NAME = `mpws${process.pid}`;
const TAP = `mpws${process.pid}`.slice(0, 15);

// ---- a station on the segment --------------------------------------------------------------------

function cksum(b: Uint8Array, from: number, to: number, acc = 0): number {
  for (let i = from; i < to; i += 2) acc += (b[i]! << 8) | (i + 1 < to ? b[i + 1]! : 0);
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return ~acc & 0xffff;
}

const eq = (a: Uint8Array, at: number, b: Uint8Array) => b.every((v, i) => a[at + i] === v);
const type = (f: Uint8Array) => (f[12]! << 8) | f[13]!;

/** An echo reply to the echo request `f` (IPv4 or IPv6), from its destination, sent with TTL 64. */
function echoReply(f: Uint8Array, mac: Uint8Array): Uint8Array {
  const r = Uint8Array.from(f);
  r.set(f.subarray(6, 12), 0);
  r.set(mac, 6);
  const dv = new DataView(r.buffer);
  if (type(f) === 0x0800) {
    const hl = (f[14]! & 15) * 4;
    r.set(f.subarray(30, 34), 26);
    r.set(f.subarray(26, 30), 30);
    r[22] = 64;
    dv.setUint16(24, 0);
    dv.setUint16(24, cksum(r, 14, 14 + hl));
    const l4 = 14 + hl;
    r[l4] = 0;
    dv.setUint16(l4 + 2, 0);
    dv.setUint16(l4 + 2, cksum(r, l4, 14 + dv.getUint16(16)));
  } else {
    r.set(f.subarray(38, 54), 22);
    r.set(f.subarray(22, 38), 38);
    r[21] = 64;
    const plen = dv.getUint16(18);
    r[54] = 129;
    dv.setUint16(56, 0);
    let acc = 58 + plen;
    for (let i = 22; i < 54; i += 2) acc += (r[i]! << 8) | r[i + 1]!;
    dv.setUint16(56, cksum(r, 54, 54 + plen, acc));
  }
  return r;
}

class Station {
  readonly log: Buffer[] = [];
  private constructor(
    readonly ws: WebSocket,
    readonly name: string,
    readonly mac: Uint8Array,
    readonly ip4: Uint8Array,
    readonly ip6: Uint8Array,
  ) {
    ws.on('message', (d: Buffer) => this.input(d));
  }

  static connect(url: string, name: string, mac: string, ip4: string, ip6: string): Promise<Station> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Station(ws, name, parseMac(mac)!, ip(ip4), ip(ip6))));
      ws.once('error', reject);
    });
  }

  send(f: Uint8Array): void {
    this.ws.send(f);
  }

  /** Answers what a host answers on its own: ARP and NS for its addresses, echo requests to them. */
  private input(f: Buffer): void {
    this.log.push(f);
    const t = type(f);
    if (t === 0x0806 && f[21] === 1 && eq(f, 38, this.ip4)) {
      this.send(
        buildArp({
          dstMac: f.subarray(22, 28),
          srcMac: this.mac,
          op: 2,
          senderMac: this.mac,
          senderIp: this.ip4,
          targetMac: f.subarray(22, 28),
          targetIp: f.subarray(28, 32),
        }),
      );
    } else if (t === 0x0800 && f[23] === 1 && eq(f, 30, this.ip4) && f[14 + (f[14]! & 15) * 4] === 8) {
      this.send(echoReply(f, this.mac));
    } else if (t === 0x86dd && f[20] === 58 && f[54] === 135 && eq(f, 62, this.ip6)) {
      this.send(
        buildNd({
          dstMac: f.subarray(6, 12),
          srcMac: this.mac,
          src: this.ip6,
          dst: f.subarray(22, 38),
          type: 136,
          flags: 0x60000000, // S, O
          target: this.ip6,
          options: [[2, this.mac]],
        }),
      );
    } else if (t === 0x86dd && f[20] === 58 && f[54] === 128 && eq(f, 38, this.ip6)) {
      this.send(echoReply(f, this.mac));
    }
  }

  /** The first frame received from now on that `pred` accepts (throws after `ms`). */
  async next(what: string, pred: (f: Buffer) => boolean, send?: Uint8Array, ms = 4000): Promise<Buffer> {
    const from = this.log.length;
    if (send) this.send(send);
    const deadline = Date.now() + ms;
    for (;;) {
      const f = this.log.slice(from).find(pred);
      if (f) return f;
      if (Date.now() > deadline) throw new Error(`${this.name}: no ${what} within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  arpFor(target: string): Promise<Buffer> {
    const t = ip(target);
    return this.next(
      `ARP reply for ${target}`,
      (f) => type(f) === 0x0806 && f[21] === 2 && eq(f, 28, t),
      buildArp({ dstMac: BCAST, srcMac: this.mac, op: 1, senderMac: this.mac, senderIp: this.ip4, targetIp: t }),
    );
  }

  nsFor(target: string): Promise<Buffer> {
    const t = ip(target);
    return this.next(
      `NA for ${target}`,
      (f) => type(f) === 0x86dd && f[20] === 58 && f[54] === 136 && eq(f, 62, t),
      buildNd({
        dstMac: Uint8Array.from([0x33, 0x33, 0xff, t[13]!, t[14]!, t[15]!]),
        srcMac: this.mac,
        src: this.ip6,
        dst: Uint8Array.from([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, t[13]!, t[14]!, t[15]!]),
        type: 135,
        target: t,
        options: [[1, this.mac]],
      }),
    );
  }

  /** Sends an echo request to `dst` through `viaMac`; the reply. */
  ping(dst: string, viaMac: Uint8Array): Promise<Buffer> {
    const d = ip(dst);
    const v6 = d.length === 16;
    return this.next(
      `echo reply from ${dst}`,
      (f) =>
        v6
          ? type(f) === 0x86dd && f[20] === 58 && f[54] === 129 && eq(f, 22, d)
          : type(f) === 0x0800 && f[23] === 1 && f[34] === 0 && eq(f, 26, d),
      buildFrame({
        dstMac: viaMac,
        srcMac: this.mac,
        src: v6 ? this.ip6 : this.ip4,
        dst: d,
        proto: v6 ? 58 : 'icmp',
        payload: 56,
      }),
    );
  }
}

const srcMac = (f: Uint8Array) => formatMac(f.subarray(6, 12));
const ttl = (f: Uint8Array) => (type(f) === 0x0800 ? f[22]! : f[21]!);

// ---- the router and the namespace ------------------------------------------------------------------

let dir = '';
let child: ChildProcess | null = null;
let stderr = '';
let ns: Netns | null = null;
let url = '';
const stations: Station[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function mpstack(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

suite('websocket link: two clients on a switched segment, a namespace host behind a TAP', () => {
  beforeAll(async () => {
    if (why) throw new Error(`test/e2e/links-ws.test.ts: ${why}`);
    if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build`);
    ns = Netns.create(NS_NAME);
    dir = mkdtempSync(join(tmpdir(), 'mpstack-ws-'));
    const port = await freePort();
    url = `ws://127.0.0.1:${port}/`;
    writeFileSync(
      join(dir, 'router.yaml'),
      `interfaces:
  - name: ws0
    mac: ${formatMac(ROUTER_MAC)}
    addresses: [10.77.0.1/24, fd77::1/64]
    driver: websocket
    websocket: { listen: 127.0.0.1:${port}, max_clients: 2, queue: 64 }
  - name: tap0
    mac: 02:00:00:78:00:01
    addresses: [10.78.0.1/24, fd78::1/64]
    driver: tap
    tap: ${TAP}
`,
    );
    const sock = join(dir, 'ctl.sock');
    child = spawn(process.execPath, [
      CLI,
      'run',
      '--config',
      join(dir, 'router.yaml'),
      '--cpus',
      '1',
      '--socket',
      sock,
    ]);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const deadline = Date.now() + 10_000;
    while (!/control socket/.test(stderr)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`mpstack run did not come up: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // the namespace host behind the TAP: Linux, with mpstack as its default router
    spawnSync('ip', ['link', 'set', TAP, 'netns', NS_NAME]);
    ns.ip(['link', 'set', 'lo', 'up']);
    ns.ip(['addr', 'add', '10.78.0.2/24', 'dev', TAP]);
    ns.ip(['-6', 'addr', 'add', 'fd78::2/64', 'dev', TAP, 'nodad']);
    ns.ip(['link', 'set', TAP, 'up']);
    ns.ip(['route', 'add', 'default', 'via', '10.78.0.1']);
    ns.ip(['-6', 'route', 'add', 'default', 'via', 'fd78::1']);
    stations.push(await Station.connect(url, 'A', '02:aa:00:00:00:0a', '10.77.0.10', 'fd77::10'));
    stations.push(await Station.connect(url, 'B', '02:aa:00:00:00:0b', '10.77.0.11', 'fd77::11'));
  }, 30_000);

  afterAll(async () => {
    for (const s of stations) s.ws.terminate();
    let code: number | null = null;
    if (child && child.exitCode === null) {
      const exited = new Promise<number | null>((r) => child!.once('exit', (c) => r(c)));
      child.kill('SIGINT');
      const t = setTimeout(() => child!.kill('SIGKILL'), 5000);
      code = await exited;
      clearTimeout(t);
    }
    ns?.delete();
    spawnSync('ip', ['link', 'del', TAP]); // if it never left for the namespace
    if (dir) rmSync(dir, { recursive: true, force: true });
    // SIGINT is a clean stop: the links close, the CPUs drain
    if (child) expect([code, stderr]).toEqual([0, expect.not.stringMatching(/error|Error/)]);
  });

  test('each client resolves the router by ARP and ND and pings it', async () => {
    for (const s of stations) {
      const arp = await s.arpFor('10.77.0.1');
      expect(formatMac(arp.subarray(22, 28))).toBe(formatMac(ROUTER_MAC));
      expect(srcMac(await s.ping('10.77.0.1', ROUTER_MAC))).toBe(formatMac(ROUTER_MAC));
      const na = await s.nsFor('fd77::1');
      expect(srcMac(na)).toBe(formatMac(ROUTER_MAC));
      expect(srcMac(await s.ping('fd77::1', ROUTER_MAC))).toBe(formatMac(ROUTER_MAC));
    }
  }, 30_000);

  test('the clients reach each other switched, not routed: MACs and TTL as the other client sent them', async () => {
    const [a, b] = stations as [Station, Station];
    const before = linkStats();
    // A resolves B: the broadcast is flooded to B (and the router), B's answer comes back switched
    const arp = await a.arpFor('10.77.0.11');
    expect(formatMac(arp.subarray(22, 28))).toBe(formatMac(b.mac));
    const r4 = await a.ping('10.77.0.11', b.mac);
    expect([srcMac(r4), ttl(r4)]).toEqual([formatMac(b.mac), 64]);
    const req = b.log.find((f) => type(f) === 0x0800 && f[34] === 8 && eq(f, 26, a.ip4))!;
    expect([srcMac(req), ttl(req)]).toEqual([formatMac(a.mac), 64]);
    await a.nsFor('fd77::11');
    const r6 = await a.ping('fd77::11', b.mac);
    expect([srcMac(r6), ttl(r6)]).toEqual([formatMac(b.mac), 64]);
    // the unicast frames between them never reached the router: only the two flooded solicitations did
    const after = linkStats();
    expect(Number(after['to-router']) - Number(before['to-router'])).toBe(2);
    expect(Number(after.macs)).toBe(2);
  }, 30_000);

  test('each client pings the namespace host behind the TAP through the router (Linux answers)', async () => {
    for (const s of stations) {
      const r4 = await s.ping('10.78.0.2', ROUTER_MAC);
      expect([srcMac(r4), ttl(r4)]).toEqual([formatMac(ROUTER_MAC), 63]);
      const r6 = await s.ping('fd78::2', ROUTER_MAC);
      expect([srcMac(r6), ttl(r6)]).toEqual([formatMac(ROUTER_MAC), 63]);
    }
  }, 30_000);

  test("Linux's ping in the namespace reaches a client on the segment", async () => {
    // not spawnSync: the stations answer on this process's event loop
    for (const [dst, v] of [
      ['10.77.0.10', '-4'],
      ['fd77::11', '-6'],
    ] as const) {
      const r = await promisify(execFile)('ip', ['netns', 'exec', NS_NAME, 'ping', v, '-c', '2', '-W', '3', dst], {
        encoding: 'utf8',
      });
      expect(r.stdout).toContain('2 received');
    }
  }, 30_000);

  test('a third client is over max_clients: closed with 1013 and counted', async () => {
    const ws = new WebSocket(url);
    const code = await new Promise<number>((r) => ws.once('close', (c: number) => r(c)));
    expect(code).toBe(1013);
    expect(Number(linkStats().rejected)).toBe(1);
  });

  test('a client that stops reading: its queue is bounded, the excess a counted drop; the segment carries on', async () => {
    const [a, b] = stations as [Station, Station];
    const sock = (a.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    const flood = (g: Uint8Array) => g[12] === 0x88 && g[13] === 0xb5;
    const got0 = a.log.filter(flood).length;
    // broadcasts from B (an ethertype nobody handles), each one queued to A, which no longer reads:
    // 20 MB, more than a socket holds with Linux's default tcp_wmem (4 MB at most) and a reader that never read
    const N = 10_000;
    const f = new Uint8Array(2000);
    f.set(BCAST, 0);
    f.set(b.mac, 6);
    f.set([0x88, 0xb5], 12);
    const before = linkStats();
    sock.pause();
    let s: Record<string, string>;
    try {
      for (let i = 0; i < N; i++) b.ws.send(f);
      await b.ping('10.77.0.1', ROUTER_MAC); // B's frames all reached the switch before this
      s = linkStats();
    } finally {
      sock.resume();
    }
    // A: client1, B: client2 (in the order they connected). What else the router sent A meanwhile
    // (its neighbor probes) is in A's counters too.
    const count = (st: Record<string, string>, re: RegExp) => Number(re.exec(st.client1!)![1]);
    const tx = count(s, / tx (\d+)\//) - count(before, / tx (\d+)\//);
    const drops = count(s, / drops (\d+)/) - count(before, / drops (\d+)/);
    expect(drops).toBeGreaterThan(0);
    expect(tx + drops).toBeGreaterThanOrEqual(N);
    expect(/ drops (\d+)/.exec(s.client2!)![1]).toBe('0');
    expect(Number(s['tx-drops']) - Number(before['tx-drops'])).toBe(drops);
    // A reads again: every broadcast that was not dropped arrives, then A is a station as before
    const got = () => a.log.filter(flood).length - got0;
    for (const deadline = Date.now() + 10_000; got() + drops < N && Date.now() < deadline; )
      await new Promise((r) => setTimeout(r, 20));
    expect(got()).toBeLessThan(N);
    expect(got() + drops).toBeGreaterThanOrEqual(N);
    await a.ping('10.77.0.1', ROUTER_MAC);
    await a.ping('10.77.0.11', b.mac);
  });

  test('messages that are no frame are counted drops; one past the payload limit closes its client (1009)', async () => {
    const [a, b] = stations as [Station, Station];
    const before = linkStats();
    a.ws.send('a text message');
    a.ws.send(new Uint8Array(0));
    a.ws.send(new Uint8Array(13));
    a.ws.send(new Uint8Array(MAX_FRAME + 1).fill(0xff));
    // still a station: the router answers it
    await a.ping('10.77.0.1', ROUTER_MAC);
    const mid = linkStats();
    expect(Number(mid['rx-bad']) - Number(before['rx-bad'])).toBe(4);
    expect(mid['to-router-missed']).toBe(before['to-router-missed']);
    const closed = new Promise<number>((r) => a.ws.once('close', (c: number) => r(c)));
    a.ws.send(new Uint8Array(WS_MAX_PAYLOAD + 1));
    expect(await closed).toBe(1009);
    // the other client and the router carry on
    await b.ping('10.77.0.1', ROUTER_MAC);
    await b.ping('10.78.0.2', ROUTER_MAC);
    const after = linkStats();
    expect([after['oversize-closed'], after.clients, after['rx-bad']]).toEqual(['1', '1', mid['rx-bad']]);
  });
});

describe('websocket link: a port in use', () => {
  test('mpstack run fails naming the interface and the address', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build`);
    const d = mkdtempSync(join(tmpdir(), 'mpstack-ws-busy-'));
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      writeFileSync(
        join(d, 'r.yaml'),
        `interfaces:\n  - name: ws9\n    addresses: [10.9.0.1/24]\n    driver: websocket\n    websocket: { listen: 127.0.0.1:${port} }\n`,
      );
      const r = await promisify(execFile)(
        process.execPath,
        [CLI, 'run', '--config', join(d, 'r.yaml'), '--cpus', '1', '--socket', join(d, 's.sock')],
        { encoding: 'utf8' },
      ).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect([r.code, r.stderr]).toEqual([
        1,
        `mpstack: ws9: websocket cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`,
      ]);
    } finally {
      busy.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});

/** The websocket link's counters as `mpstack ifconfig ws0` shows them (netstat's link section). */
function linkStats(): Record<string, string> {
  const r = mpstack(['ifconfig', 'ws0', '--socket', join(dir, 'ctl.sock')]);
  if (r.status !== 0) throw new Error(`mpstack ifconfig ws0: ${r.stderr}`);
  const out: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/\b([a-z_-]+)=(\S+)/g)) out[m[1]!] = m[2]!;
  for (const m of r.stdout.matchAll(/^\t(client\d+): (.*)$/gm)) out[m[1]!] = m[2]!;
  return out;
}
