// End to end through the built CLI: `mpstack run` with a `udp` link and two `stream` links (a TCP
// listener and a unix-socket client), and peers speaking QEMU's framing (sock-peer.ts). Frame level,
// no namespaces: each peer resolves the router by ARP and pings it; stray datagrams, a second
// connection, a bad length and a lost peer are counted, and the links recover. Then (as root, in
// network namespaces) real Linux hosts behind TAP devices relayed onto the sockets, as QEMU would
// relay a VM's NIC: ping and ping -6 to the router and across it, with no static neighbors.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildArp, buildFrame } from '../../ts/packet/build.js';
import { ip, mac } from '../fixtures/topology.js';
import { Station, eq, streamConnect, streamListen, udpPipe } from './sock-peer.js';

const CLI = join(process.cwd(), 'dist/ts/cli/main.js');
const run = promisify(execFile);

/** A free port of the kind asked (bound to 0, released: another process may take it, rarely). */
async function freePort(kind: 'udp' | 'tcp'): Promise<number> {
  if (kind === 'udp') {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const p = s.address().port;
    s.close();
    return p;
  }
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const p = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return p;
}

/** `mpstack run` in the background, until stop(); its control socket for the ctl commands. */
class Running {
  stderr = '';
  readonly exited: Promise<number | null>;
  private constructor(
    readonly child: ChildProcess,
    readonly sock: string,
  ) {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((r) => child.on('exit', (code) => r(code)));
  }

  static async start(dir: string, config: string): Promise<Running> {
    writeFileSync(join(dir, 'router.yaml'), config);
    const sock = join(dir, 'ctl.sock');
    const child = spawn(process.execPath, [
      CLI,
      'run',
      '--config',
      join(dir, 'router.yaml'),
      '--cpus',
      '1',
      '--socket',
      sock,
    ]);
    const r = new Running(child, sock);
    const deadline = Date.now() + 10_000;
    while (!/control socket/.test(r.stderr)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill();
        throw new Error(`mpstack run did not come up: ${r.stderr}`);
      }
      await new Promise((res) => setTimeout(res, 20));
    }
    return r;
  }

  async ctl(args: string[]): Promise<string> {
    return (await run(process.execPath, [CLI, ...args, '--socket', this.sock], { encoding: 'utf8' })).stdout;
  }

  /** SIGINT: a clean stop, exit 0. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }
}

const BCAST = new Uint8Array(6).fill(0xff);
const R0 = mac('02:00:00:00:00:01');
const R1 = mac('02:00:00:00:00:02');
const R2 = mac('02:00:00:00:00:03');

const isArpReply = (from: string) => (f: Uint8Array, dv: DataView) =>
  f.length >= 42 && dv.getUint16(12) === 0x0806 && dv.getUint16(20) === 2 && eq(f.subarray(28, 32), ip(from));
const isEchoReply = (from: string) => (f: Uint8Array, dv: DataView) =>
  f.length >= 42 && dv.getUint16(12) === 0x0800 && f[23] === 1 && eq(f.subarray(26, 30), ip(from)) && f[34] === 0;

/** A station's ARP request for `target`, then an echo request to it; expects both answers. */
async function resolveAndPing(st: Station, target: string, routerMac: Uint8Array): Promise<void> {
  st.pipe.send(
    buildArp({ dstMac: BCAST, srcMac: st.mac, op: 1, senderMac: st.mac, senderIp: st.ip4, targetIp: ip(target) }),
  );
  const reply = await st.expect(`ARP reply from ${target}`, isArpReply(target));
  expect([...reply.subarray(22, 28)]).toEqual([...routerMac]);
  st.pipe.send(
    buildFrame({ dstMac: routerMac, srcMac: st.mac, src: st.ip4, dst: ip(target), proto: 'icmp', payload: 32 }),
  );
  const echo = await st.expect(`echo reply from ${target}`, isEchoReply(target));
  expect([...echo.subarray(30, 34)]).toEqual([...st.ip4]);
}

describe('udp and stream links, frame level', () => {
  let dir = '';
  let r: Running;
  let ports: { udpLocal: number; udpPeer: number; tcp: number };
  const unixPeer = () => join(dir, 'peer.sock');
  let unixConns: Awaited<ReturnType<typeof streamConnect>>[] = [];
  let unixServer: Awaited<ReturnType<typeof streamListen>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `mpstack-sock-${process.pid}-`));
    ports = { udpLocal: await freePort('udp'), udpPeer: await freePort('udp'), tcp: await freePort('tcp') };
    unixServer = await streamListen(unixPeer(), (p) => unixConns.push(p));
    r = await Running.start(
      dir,
      `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
    driver: udp
    udp: { local: "127.0.0.1:${ports.udpLocal}", remote: "127.0.0.1:${ports.udpPeer}" }
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24]
    driver: stream
    stream: { listen: "127.0.0.1:${ports.tcp}" }
  - name: wm2
    mac: 02:00:00:00:00:03
    addresses: [203.0.113.1/24]
    driver: stream
    stream: { connect: "unix:${unixPeer()}" }
`,
    );
  }, 20_000);

  afterAll(async () => {
    for (const c of unixConns) c.close();
    unixServer?.close();
    if (r) expect(await r.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  test('udp: ARP and echo with the router; a stray sender injects nothing and is counted', async () => {
    const peer = await udpPipe(ports.udpPeer, ports.udpLocal);
    const st = new Station(peer, mac('02:00:00:00:aa:10'), ip('192.0.2.10'));
    try {
      await resolveAndPing(st, '192.0.2.1', R0);
      // the same ARP request from another port: dropped before the ring
      const stray = await udpPipe(0, ports.udpLocal);
      const got: Uint8Array[] = [];
      stray.onFrame = (f) => got.push(f);
      stray.send(
        buildArp({
          dstMac: BCAST,
          srcMac: st.mac,
          op: 1,
          senderMac: st.mac,
          senderIp: st.ip4,
          targetIp: ip('192.0.2.1'),
        }),
      );
      // a runt from the peer itself
      peer.send(new Uint8Array(10));
      await new Promise((res) => setTimeout(res, 300));
      stray.close();
      expect(got).toEqual([]);
      expect(st.frames.filter((f) => isArpReply('192.0.2.1')(f, new DataView(f.buffer)))).toEqual([]);
      const out = await r.ctl(['ifconfig', 'wm0']);
      expect(out).toContain(`link: carrier up  peer 127.0.0.1:${ports.udpPeer} (bound 127.0.0.1:${ports.udpLocal}`);
      expect(out).toMatch(/rx-stray 1\b/);
      expect(out).toMatch(/rx-runts 1\b/);
      expect(out).toContain('driver: udp');
    } finally {
      peer.close();
    }
  });

  test('stream listener: frames split and merged; one peer at a time; a bad length drops the connection', async () => {
    const c = await streamConnect(ports.tcp);
    const st = new Station(c, mac('02:00:00:00:bb:10'), ip('198.51.100.10'));
    // the first ARP request a byte at a time (segments as small as they come)
    const req = buildArp({
      dstMac: BCAST,
      srcMac: st.mac,
      op: 1,
      senderMac: st.mac,
      senderIp: st.ip4,
      targetIp: ip('198.51.100.1'),
    });
    const wire = Buffer.alloc(4 + req.length);
    wire.writeUInt32BE(req.length, 0);
    wire.set(req, 4);
    for (const b of wire) {
      c.sock.write(Uint8Array.of(b));
      await new Promise((res) => setImmediate(res));
    }
    await st.expect('ARP reply to a split request', isArpReply('198.51.100.1'));
    // two requests in one write
    c.sock.write(Buffer.concat([wire, wire]));
    await st.expect('first of two merged', isArpReply('198.51.100.1'));
    await st.expect('second of two merged', isArpReply('198.51.100.1'));
    await resolveAndPing(st, '198.51.100.1', R1);

    // a second connection while the first is up: closed at once
    const second = await streamConnect(ports.tcp);
    await second.closed;
    let out = await r.ctl(['ifconfig', 'wm1']);
    expect(out).toMatch(/link: carrier up {2}peer 127\.0\.0\.1:\d+ \(peer 127\.0\.0\.1:\d+ connected\)/);
    expect(out).toMatch(/refused 1\b/);

    // a length of 0: a framing error, the connection is dropped, the carrier goes down
    c.sock.write(Buffer.alloc(4));
    await c.closed;
    await new Promise((res) => setTimeout(res, 200));
    out = await r.ctl(['ifconfig', 'wm1']);
    expect(out).toMatch(/^wm1: flags=<DOWN>/);
    expect(out).toMatch(/link: carrier down {2}peer - \(peer 127\.0\.0\.1:\d+ went away \(framing error: length 0\)\)/);
    expect(out).toMatch(/framing-errors 1\b/);

    // the next peer is taken, and the interface comes back up
    const c2 = await streamConnect(ports.tcp);
    const st2 = new Station(c2, st.mac, st.ip4);
    await new Promise((res) => setTimeout(res, 200));
    await resolveAndPing(st2, '198.51.100.1', R1);
    expect(await r.ctl(['ifconfig', 'wm1'])).toMatch(/^wm1: flags=<UP>/);
    c2.close();
  });

  test('stream client (unix socket): connects, and connects again when the peer goes', async () => {
    const deadline = Date.now() + 5000;
    while (unixConns.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(unixConns.length).toBe(1);
    const st = new Station(unixConns[0]!, mac('02:00:00:00:cc:10'), ip('203.0.113.10'));
    await resolveAndPing(st, '203.0.113.1', R2);
    unixConns[0]!.close();
    unixConns = [];
    const again = Date.now() + 5000;
    while (unixConns.length === 0 && Date.now() < again) await new Promise((res) => setTimeout(res, 50));
    expect(unixConns.length).toBe(1);
    const st2 = new Station(unixConns[0]!, st.mac, st.ip4);
    await new Promise((res) => setTimeout(res, 200));
    await resolveAndPing(st2, '203.0.113.1', R2);
    const out = await r.ctl(['ifconfig', 'wm2']);
    expect(out).toContain(`link: carrier up  peer unix:${unixPeer()}`);
    expect(out).toMatch(/connects 2\b/);
  }, 15_000);
});
