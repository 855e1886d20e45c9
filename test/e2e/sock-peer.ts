// Peers of mpstack's udp and stream links for the end-to-end tests, speaking QEMU's framing as a VM's
// netdev would: a UDP socket (one frame per datagram) and a stream connection (4-byte big-endian
// length before each frame). A Station on top answers ARP for its address, as a host would, and
// keeps every other frame for the test to wait on.
import { type Socket as UdpSocket, createSocket } from 'node:dgram';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { StreamDeframer, streamFrame } from '../../ts/host/stream-framing.js';
import { buildArp } from '../../ts/packet/build.js';

/** A frame source and sink: what a Station runs over. */
export interface FramePipe {
  send(frame: Uint8Array): void;
  onFrame: (frame: Uint8Array) => void;
  close(): void;
}

/** A UDP socket bound at `local`, sending to `remote` (both 127.0.0.1 ports). */
export async function udpPipe(local: number, remote: number): Promise<FramePipe & { sock: UdpSocket }> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(local, '127.0.0.1', () => r()));
  const p: FramePipe & { sock: UdpSocket } = {
    sock,
    send: (f) => sock.send(f, remote, '127.0.0.1'),
    onFrame: () => undefined,
    close: () => sock.close(),
  };
  sock.on('message', (m) => p.onFrame(Uint8Array.from(m)));
  return p;
}

/** The framing of one connected stream socket. */
export function streamPipe(s: Socket): FramePipe & { sock: Socket; closed: Promise<void> } {
  const d = new StreamDeframer();
  const p: FramePipe & { sock: Socket; closed: Promise<void> } = {
    sock: s,
    closed: new Promise<void>((r) => s.once('close', () => r())),
    send: (f: Uint8Array) => void s.write(streamFrame(f, 0, f.length)),
    onFrame: () => undefined,
    close: () => void s.destroy(),
  };
  s.on('data', (c: Buffer) => d.push(c, (f) => p.onFrame(Uint8Array.from(f))));
  s.on('error', () => undefined);
  return p;
}

/** Connects to a TCP port or unix socket path; resolves once connected. */
export function streamConnect(to: number | string): Promise<FramePipe & { sock: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const s = typeof to === 'number' ? connect(to, '127.0.0.1') : connect(to);
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(streamPipe(s));
    });
  });
}

/** A listener whose connections are handed to `onConnection`. */
export function streamListen(path: string, onConnection: (p: ReturnType<typeof streamPipe>) => void): Promise<Server> {
  return new Promise((resolve) => {
    const srv = createServer((s) => onConnection(streamPipe(s)));
    srv.listen(path, () => resolve(srv));
  });
}

/** A host on a link: answers ARP requests for `ip4`, keeps the other frames. */
export class Station {
  readonly frames: Uint8Array[] = [];
  private waiters: (() => void)[] = [];

  constructor(
    readonly pipe: FramePipe,
    readonly mac: Uint8Array,
    readonly ip4: Uint8Array,
  ) {
    pipe.onFrame = (f) => this.receive(f);
  }

  private receive(f: Uint8Array): void {
    const dv = new DataView(f.buffer, f.byteOffset);
    if (f.length >= 42 && dv.getUint16(12) === 0x0806 && dv.getUint16(20) === 1 && eq(f.subarray(38, 42), this.ip4)) {
      this.pipe.send(
        buildArp({
          dstMac: f.subarray(6, 12),
          srcMac: this.mac,
          op: 2,
          senderMac: this.mac,
          senderIp: this.ip4,
          targetMac: f.subarray(22, 28),
          targetIp: f.subarray(28, 32),
        }),
      );
    }
    this.frames.push(f);
    for (const w of this.waiters.splice(0)) w();
  }

  /** The first frame received (now or within `ms`) that `pred` accepts; removed from the list. */
  async expect(what: string, pred: (f: Uint8Array, dv: DataView) => boolean, ms = 3000): Promise<Uint8Array> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.frames.findIndex((f) => pred(f, new DataView(f.buffer, f.byteOffset)));
      if (i >= 0) return this.frames.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${ms} ms (${this.frames.length} other frames)`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

export function eq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
