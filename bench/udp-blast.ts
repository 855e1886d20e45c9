// The links bench's 64-byte UDP sender and receiver (bench/links.ts runs them inside the host
// namespaces): faster than iperf3, which sends one datagram per system call and tops out near
// 200 kpps on the 2-core development machine, under the 500 kpps it was to measure. Here a batch of
// up to 256 datagrams goes in one sendmmsg(2) and the sink takes up to 256 per recvmmsg(2) (libc
// through koffi), so the router, not the tools, sets the rate.
//
//   node dist/bench/udp-blast.js send DST PORT PPS SECONDS [PAYLOAD]
//        paced to PPS (0: as fast as it goes); prints {"sent":N,"seconds":S,"errors":E} at the end
//   node dist/bench/udp-blast.js sink PORT
//        receives and counts; prints the running count as a line of JSON every 50 ms
//        ({"received":N}) until killed
//   node dist/bench/udp-blast.js raw DEV DSTMAC SRC DST PORT PPS SECONDS [PAYLOAD]
//        as send, but whole Ethernet frames (IPv4/UDP to DST:PORT from SRC, to DSTMAC: the gateway's
//        or the sink host's MAC) on an AF_PACKET socket bound to DEV with PACKET_QDISC_BYPASS: no UDP
//        socket, route or neighbor lookup, no qdisc in the sender's kernel, so the sender stops being
//        the limit (the UDP-socket sender topped out near 376 kpps here)
import koffi from 'koffi';
import { readFileSync, writeSync } from 'node:fs';

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOL_SOCKET = 1;
const SO_RCVBUFFORCE = 33;
const SO_SNDBUFFORCE = 32;
const SO_RCVTIMEO = 20;
const AF_PACKET = 17;
const SOCK_RAW = 3;
const SOL_PACKET = 263;
const PACKET_QDISC_BYPASS = 20;
const MSG_WAITFORONE = 0x10000;
const BATCH = 256;

const lib = koffi.load('libc.so.6');
const iovec = koffi.struct('iovec', { base: 'void *', len: 'size_t' });
const msghdr = koffi.struct('msghdr', {
  name: 'void *',
  namelen: 'uint32_t',
  iov: koffi.pointer(iovec),
  iovlen: 'size_t',
  control: 'void *',
  controllen: 'size_t',
  flags: 'int',
});
const mmsghdr = koffi.struct('mmsghdr', { hdr: msghdr, len: 'unsigned int' });
const socket = lib.func('int socket(int domain, int type, int proto)');
const connect = lib.func('int connect(int fd, const uint8_t *addr, uint32_t len)');
const bind = lib.func('int bind(int fd, const uint8_t *addr, uint32_t len)');
const setsockopt = lib.func('int setsockopt(int fd, int level, int name, const uint8_t *val, uint32_t len)');
const sendmmsg = lib.func('int sendmmsg(int fd, void *msgs, unsigned int vlen, int flags)');
const recvmmsg = lib.func('int recvmmsg(int fd, void *msgs, unsigned int vlen, int flags, void *timeout)');

function fail(what: string): never {
  console.error(`udp-blast: ${what}: errno ${koffi.errno()}`);
  process.exit(1);
}

/** sockaddr_in for a dotted IPv4 address (0.0.0.0 for any) and a port. */
function sockaddr(ip: string, port: number): Uint8Array {
  const a = new Uint8Array(16);
  const dv = new DataView(a.buffer);
  dv.setUint16(0, AF_INET, true);
  dv.setUint16(2, port, false);
  a.set(ip.split('.').map(Number), 4);
  return a;
}

const int32 = (v: number) => new Uint8Array(new Int32Array([v]).buffer);

/** BATCH message headers, all over one buffer of `len` bytes (the payload sent, or a scratch to receive into). */
function messages(len: number, content?: Uint8Array): unknown {
  const buf = koffi.alloc('uint8_t', Math.max(len, 1));
  if (content) koffi.encode(buf, koffi.array('uint8_t', content.length), Array.from(content));
  const iov = koffi.alloc(iovec, 1);
  koffi.encode(iov, iovec, { base: buf, len });
  const msgs = koffi.alloc(mmsghdr, BATCH);
  const one = { hdr: { name: null, namelen: 0, iov, iovlen: 1, control: null, controllen: 0, flags: 0 }, len: 0 };
  koffi.encode(
    msgs,
    koffi.array(mmsghdr, BATCH),
    Array.from({ length: BATCH }, () => one),
  );
  return msgs;
}

function open(): number {
  const fd = socket(AF_INET, SOCK_DGRAM, 0) as number;
  if (fd < 0) fail('socket');
  return fd;
}

const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** The paced sendmmsg loop of both senders: `msgs` are BATCH ready messages on the connected/bound `fd`. */
function blast(fd: number, msgs: unknown, pps: number, seconds: number): void {
  let sent = 0;
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  for (let now = t0; now < end; now = performance.now()) {
    // what is due by now; ahead of the schedule: sleep a little rather than spin (the router needs the cores)
    const due = pps === 0 ? sent + BATCH : Math.floor(((now - t0) / 1000) * pps);
    const n = Math.min(BATCH, due - sent);
    if (n <= 0) {
      sleepMs(0.2);
      continue;
    }
    const r = sendmmsg(fd, msgs, n, 0) as number;
    if (r < 0)
      errors++; // ENOBUFS and the like: the datagrams were not sent, try again when due
    else sent += r;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ sent, seconds: s, errors }));
}

function send(dst: string, port: number, pps: number, seconds: number, payload: number): void {
  const fd = open();
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, int32(4 << 20), 4);
  if (connect(fd, sockaddr(dst, port), 16) < 0) fail(`connect ${dst}:${port}`);
  blast(fd, messages(payload), pps, seconds);
}

/** An Ethernet + IPv4 + UDP frame (UDP checksum 0: none, which IPv4 allows) with a zero payload. */
function udpFrame(dstMac: string, srcMac: string, src: string, dst: string, port: number, payload: number): Uint8Array {
  const f = new Uint8Array(14 + 20 + 8 + payload);
  const dv = new DataView(f.buffer);
  const mac = (m: string) => m.split(':').map((x) => parseInt(x, 16));
  f.set(mac(dstMac), 0);
  f.set(mac(srcMac), 6);
  dv.setUint16(12, 0x0800);
  f[14] = 0x45;
  dv.setUint16(16, 20 + 8 + payload);
  f[22] = 64; // TTL
  f[23] = 17; // UDP
  f.set(src.split('.').map(Number), 26);
  f.set(dst.split('.').map(Number), 30);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += dv.getUint16(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  dv.setUint16(24, ~sum & 0xffff);
  dv.setUint16(34, port); // source port: the same as the destination's
  dv.setUint16(36, port);
  dv.setUint16(38, 8 + payload);
  return f;
}

function raw(
  dev: string,
  dstMac: string,
  src: string,
  dst: string,
  port: number,
  pps: number,
  seconds: number,
  payload: number,
): void {
  const ifindex = Number(readFileSync(`/sys/class/net/${dev}/ifindex`, 'utf8'));
  const srcMac = readFileSync(`/sys/class/net/${dev}/address`, 'utf8').trim();
  // protocol 0: this socket sends only, the kernel hands it no received frames
  const fd = socket(AF_PACKET, SOCK_RAW, 0) as number;
  if (fd < 0) fail('socket(AF_PACKET)');
  if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, int32(1), 4) < 0) fail('PACKET_QDISC_BYPASS');
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, int32(4 << 20), 4);
  const ll = new Uint8Array(20); // sockaddr_ll: family, protocol (0), ifindex
  new DataView(ll.buffer).setUint16(0, AF_PACKET, true);
  new DataView(ll.buffer).setInt32(4, ifindex, true);
  if (bind(fd, ll, 20) < 0) fail(`bind ${dev}`);
  const frame = udpFrame(dstMac, srcMac, src, dst, port, payload);
  blast(fd, messages(frame.length, frame), pps, seconds);
}

function sink(port: number): void {
  const fd = open();
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, int32(16 << 20), 4);
  const tv = new Uint8Array(16);
  new DataView(tv.buffer).setBigInt64(8, 20_000n, true); // 20 ms: the count gets printed while idle too
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
  if (bind(fd, sockaddr('0.0.0.0', port), 16) < 0) fail(`bind port ${port}`);
  const msgs = messages(2048);
  let received = 0;
  let shown = -1;
  let last = 0;
  for (;;) {
    const r = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, null) as number;
    if (r > 0) received += r;
    const now = performance.now();
    if (now - last >= 50 && received !== shown) {
      writeSync(1, `${JSON.stringify({ received })}\n`);
      shown = received;
      last = now;
    }
  }
}

const [mode, ...a] = process.argv.slice(2);
if (mode === 'send' && a.length >= 4) send(a[0]!, Number(a[1]), Number(a[2]), Number(a[3]), Number(a[4] ?? 18));
else if (mode === 'sink' && a.length >= 1) sink(Number(a[0]));
else if (mode === 'raw' && a.length >= 7)
  raw(a[0]!, a[1]!, a[2]!, a[3]!, Number(a[4]), Number(a[5]), Number(a[6]), Number(a[7] ?? 18));
else {
  console.error(
    'usage: udp-blast send DST PORT PPS SECONDS [PAYLOAD] | udp-blast sink PORT | udp-blast raw DEV DSTMAC SRC DST PORT PPS SECONDS [PAYLOAD]',
  );
  process.exit(2);
}
