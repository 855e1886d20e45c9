// The adapters, each joining a router's port to the thing it imitates: a fake v86 emulator with the
// real event names, a BroadcastChannel member as v86's inbrowser backend is, and a WebSocket client
// connected to mpstack's own `driver: websocket` segment of a second router (multi-CPU, Node host).
// The SharedArrayBuffer ring has its own test with a worker on each side (test/portable/).
import { describe, expect, test } from '@jest/globals';
import { createServer } from 'node:net';
import { WebSocket } from 'ws';
import { buildArp, buildFrame } from '../../packet/build.js';
import { parseIP, parseMac } from '../../addr/addr.js';
import { NODE_HOST } from '../../host/host-node.js';
import { createRouter } from '../router.js';
import { attachBroadcastChannel, v86ChannelName } from './broadcast-channel.js';
import { attachV86 } from './v86.js';
import { connectWebSocket, type WebSocketCtor } from './websocket.js';

const ip = (s: string) => parseIP(s)!.bytes;
const mac = (s: string) => parseMac(s)!;

const CONFIG_A = {
  interfaces: [
    { name: 'wm0', mac: '02:00:00:00:0a:01', addresses: ['192.0.2.1/24'] },
    { name: 'wm1', mac: '02:00:00:00:0a:02', addresses: ['198.51.100.1/24'] },
  ],
  routes: [{ dst: '203.0.113.0/24', via: '198.51.100.2' }],
  neighbors: [{ address: '198.51.100.2', mac: '02:00:00:00:0b:01', dev: 'wm1' }],
};

/** A guest's ARP request: who has `target`, from 192.0.2.50 at 02:00:00:00:aa:50. */
const arpRequest = (target: string) =>
  buildArp({
    dstMac: mac('ff:ff:ff:ff:ff:ff'),
    srcMac: mac('02:00:00:00:aa:50'),
    op: 1,
    senderMac: mac('02:00:00:00:aa:50'),
    senderIp: ip('192.0.2.50'),
    targetIp: ip(target),
  });
const isArpReplyFor = (f: Uint8Array, target: string) =>
  f[12] === 0x08 &&
  f[13] === 0x06 &&
  f[21] === 2 &&
  [...f.subarray(0, 6)].join() === [...mac('02:00:00:00:aa:50')].join() &&
  [...f.subarray(28, 32)].join() === [...ip(target)].join();

describe('attachV86', () => {
  /** The shape of v86's V86 instance the adapter touches. */
  function fakeEmulator() {
    const listeners = new Map<string, Set<(d: Uint8Array) => void>>();
    const toGuest: [string, Uint8Array][] = [];
    return {
      toGuest,
      listeners,
      add_listener(ev: string, f: (d: Uint8Array) => void) {
        if (!listeners.has(ev)) listeners.set(ev, new Set());
        listeners.get(ev)!.add(f);
      },
      remove_listener(ev: string, f: (d: Uint8Array) => void) {
        listeners.get(ev)?.delete(f);
      },
      bus: { send: (ev: string, d: Uint8Array) => void toGuest.push([ev, d]) },
      /** the guest transmits */
      guestSends(nic: number, d: Uint8Array) {
        for (const f of listeners.get(`net${nic}-send`) ?? []) f(d);
      },
    };
  }

  test('the guest ARPs for the router and gets the reply on net0-receive; close detaches', async () => {
    const r = await createRouter(CONFIG_A, { engine: 'ts' });
    const emu = fakeEmulator();
    const a = attachV86(r.port('wm0'), emu);
    const req = arpRequest('192.0.2.1');
    emu.guestSends(0, req);
    req.fill(0); // v86 reuses its buffer: the adapter copied it
    expect(emu.toGuest.map(([ev, f]) => [ev, isArpReplyFor(f, '192.0.2.1')])).toEqual([['net0-receive', true]]);
    a.close();
    expect(emu.listeners.get('net0-send')!.size).toBe(0);
    emu.toGuest.length = 0;
    r.receive('wm0', arpRequest('192.0.2.1'));
    expect(emu.toGuest).toEqual([]);
  });

  test('a second NIC (net1) and the multi-CPU router', async () => {
    const r = await createRouter(CONFIG_A, { engine: 'ts', cpus: 1, host: NODE_HOST });
    try {
      const emu = fakeEmulator();
      attachV86(r.port('wm0'), emu, 1);
      emu.guestSends(1, arpRequest('192.0.2.1'));
      const deadline = Date.now() + 5000;
      while (emu.toGuest.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
      expect(emu.toGuest.map(([ev, f]) => [ev, isArpReplyFor(f, '192.0.2.1')])).toEqual([['net1-receive', true]]);
    } finally {
      await r.close();
    }
  }, 20_000);
});

test('attachBroadcastChannel: a station on v86 inbrowser channel ARPs and gets the reply', async () => {
  const r = await createRouter(CONFIG_A, { engine: 'ts' });
  const name = v86ChannelName(`test-${process.pid}`);
  expect(name).toBe(`v86-inbrowser-test-${process.pid}`);
  const a = attachBroadcastChannel(r.port('wm0'), name);
  const vm = new BroadcastChannel(name); // what v86's InBrowserNetworkAdapter opens
  try {
    const got = new Promise<Uint8Array>((resolve) => {
      vm.onmessage = (ev: MessageEvent) => resolve(ev.data as Uint8Array);
    });
    vm.postMessage('not a frame'); // ignored
    vm.postMessage(arpRequest('192.0.2.1'));
    expect(isArpReplyFor(await got, '192.0.2.1')).toBe(true);
  } finally {
    a.close();
    vm.close();
  }
});

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test('connectWebSocket: router A joins router B`s websocket segment and forwards through it', async () => {
  const port = await freePort();
  // B: its wm0 is mpstack's websocket driver (a switched segment), its wm1 a port
  const b = await createRouter(
    {
      interfaces: [
        {
          name: 'wm0',
          mac: '02:00:00:00:0b:01',
          addresses: ['198.51.100.2/24'],
          driver: 'websocket',
          websocket: { listen: `127.0.0.1:${port}` },
        },
        { name: 'wm1', mac: '02:00:00:00:0b:02', addresses: ['203.0.113.1/24'] },
      ],
      neighbors: [
        { address: '203.0.113.9', mac: '02:00:00:00:cc:09', dev: 'wm1' },
        { address: '198.51.100.1', mac: '02:00:00:00:0a:02', dev: 'wm0' },
      ],
    },
    { engine: 'wasm', cpus: 1, host: NODE_HOST },
  );
  const a = await createRouter(CONFIG_A, { engine: 'wasm' });
  const ws = await connectWebSocket(a.port('wm1'), `ws://127.0.0.1:${port}/`, {
    WebSocket: WebSocket as unknown as WebSocketCtor,
  });
  try {
    const out = new Promise<Uint8Array>((resolve) => b.port('wm1').onFrame(resolve));
    const sent = a.receive(
      'wm0',
      buildFrame({
        dstMac: mac('02:00:00:00:0a:01'),
        srcMac: mac('02:00:00:00:aa:10'),
        src: ip('192.0.2.10'),
        dst: ip('203.0.113.9'),
        proto: 'udp',
        sport: 1000,
        dport: 2000,
      }),
    );
    expect(sent.map((o) => o.if)).toEqual(['wm1']);
    const f = await out;
    expect([...f.subarray(0, 6)]).toEqual([...mac('02:00:00:00:cc:09')]);
    expect(f[14 + 8]).toBe(62); // two routers, two hops
    expect(ws.stats()).toMatchObject({ txFrames: 1, txDrops: 0 });
  } finally {
    ws.close();
    await b.close();
  }
}, 30_000);

test('connectWebSocket: no WebSocket class, or nobody listening, is an error', async () => {
  const r = await createRouter(CONFIG_A, { engine: 'ts' });
  const port = await freePort();
  await expect(
    connectWebSocket(r.port('wm1'), `ws://127.0.0.1:${port}/`, { WebSocket: WebSocket as unknown as WebSocketCtor }),
  ).rejects.toThrow(/the connection failed/);
  if (!(globalThis as { WebSocket?: unknown }).WebSocket)
    await expect(connectWebSocket(r.port('wm1'), 'ws://127.0.0.1:1/')).rejects.toThrow(/no WebSocket here/);
});
