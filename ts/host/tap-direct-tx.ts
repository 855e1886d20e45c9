// A CPU that posted a short burst to a TAP link writes it to the device itself, under the ring's
// sender lock (LinkPort.txSendExclusive), instead of waking the link's transmit thread: on a VM a
// futex wake-up of a sleeping thread costs ~40 µs, and a frame paid three of them on its way
// through (RX thread -> CPU -> TX thread). Longer bursts still go to the transmit thread, which
// writes them while the CPU forwards its next batch. The ring's descriptor (TXR_FD) is 0 for links
// that are not TAP devices (sockets), so those always go to their driver.
//
// Then it reads that device once, non-blocking, into the same queue's RX ring (under its producer
// lock, shared with the link's RX thread): a write into a TAP runs the host's receive path in the
// writer's context, so a reply (an echo reply, a TCP ACK) is usually queued on the device before the
// write returns; read at once, it costs neither the RX thread's wake-up nor this CPU's.
import { MAX_FRAME, RXR_DIRECT, RXR_POLLED, TXR_DIRECT, TXR_DIRECT_ERRORS } from '../../assembly/layout.js';
import { LinkPort } from '../machine/link-port.js';
import { tapLibc } from './tap-device.js';

/**
 * Bursts of up to this many frames the posting CPU writes itself (MPSTACK_TAP_DIRECT_TX=N to change
 * it, 0 to send everything through the transmit threads).
 */
export const DIRECT_TX_MAX = 16;
/** At most this many frames read back per burst written or per poll (the rest wait for the RX thread or the next poll). */
const DIRECT_RX_MAX = 64;

/**
 * Reads what the device `fd` has now, non-blocking, into port's RX ring (the caller holds the sender
 * lock: the descriptor stays open) and adds the frames placed to the ring's `counter` (RXR_DIRECT,
 * RXR_POLLED). A busy producer lock: its RX thread is at it, nothing read.
 */
function readDevice(
  libc: ReturnType<typeof tapLibc>,
  i32: Int32Array,
  port: LinkPort,
  fd: number,
  counter: number,
): number {
  if (!port.rxLock(0)) return 0;
  let n = 0;
  for (; n < DIRECT_RX_MAX; n++) {
    const at = port.rxSlot(0);
    if (at < 0) break;
    const len = libc.read(fd, port.u8.subarray(at, at + MAX_FRAME), MAX_FRAME);
    if (len < 0) break; // EAGAIN, or a device going away: its RX thread sees that and says so
    if (len < 14 || len > MAX_FRAME) port.rxMissed(0, len);
    else port.rxDone(0, len);
  }
  port.rxUnlock(0);
  if (n !== 0) Atomics.add(i32, (port.spec.rx[0]!.ring + counter) >> 2, n);
  return n;
}

/** The CPU's view of each link: a LinkPort over link TX ring rings[i] and its queue's RX ring rx[i] (ring 0: none). */
function linkPorts(
  memory: WebAssembly.Memory,
  mp: number,
  rings: number[],
  rx: { ring: number; qs: number }[],
): LinkPort[] {
  return rings.map(
    (r, i) => new LinkPort(memory, { name: '', ifindex: 0, mp, rx: rx[i]?.ring ? [rx[i]!] : [], tx: [r] }),
  );
}

/**
 * The CPU loop's `txDirect` for the link TX rings `rings` (CpuWorkerData.linkTx; `rx`: the RX ring
 * and queue state of each one's queue, ring 0 for none): given a ring's position there, writes its
 * posted frames, reads back what the device has, and returns true; or returns false to leave the
 * frames to the link's thread. Undefined when direct writes are off. `busyPoll`: no burst limit.
 */
export function tapDirectTx(
  memory: WebAssembly.Memory,
  mp: number,
  rings: number[],
  rx: { ring: number; qs: number }[],
  busyPoll = false,
): ((i: number) => boolean) | undefined {
  const env = process.env['MPSTACK_TAP_DIRECT_TX'];
  // busy polling: the CPU is the poll-mode driver, both ways (as DPDK's): it writes every burst
  // itself, since the transmit thread it would wake competes with the spinning CPU for a core
  const max = env !== undefined && env !== '' ? Number(env) : busyPoll ? Infinity : DIRECT_TX_MAX;
  if (!(max > 0) || rings.length === 0) return undefined;
  const ports = linkPorts(memory, mp, rings, rx);
  const i32 = new Int32Array(memory.buffer);
  let libc: ReturnType<typeof tapLibc> | null = null;
  let ok = 0;
  let failed = 0;
  const send = (fd: number, u8: Uint8Array, at: number, len: number) => {
    if (fd < 0 || libc!.write(fd, u8.subarray(at, at + len), len) < 0) failed++;
    else ok++;
  };
  const txDirect = (i: number) => {
    const port = ports[i]!;
    if (port.txDescriptor() < 0 || port.txBacklog() > max) return false;
    libc ??= tapLibc(); // loaded on the first TAP burst: engines without TAP links never load koffi here
    ok = 0;
    failed = 0;
    if (port.txSendExclusive(send) < 0) return false;
    if (ok !== 0) Atomics.add(i32, (rings[i]! + TXR_DIRECT) >> 2, ok);
    if (failed !== 0) Atomics.add(i32, (rings[i]! + TXR_DIRECT_ERRORS) >> 2, failed);
    if (ok !== 0 && port.spec.rx.length !== 0)
      port.txWithDescriptor((fd) => readDevice(libc!, i32, port, fd, RXR_DIRECT));
    return true;
  };
  return txDirect;
}

/**
 * The CPU loop's busy poll (engine.busy_poll_us) over the link TX rings `rings` (as tapDirectTx's):
 * `poll(i)` reads what ring i's TAP device has now, non-blocking, into its queue's RX ring (under the
 * producer lock, as the read-back after a direct write; counted in RXR_POLLED) and returns how many frames it placed. The caller
 * polls only the queues whose vector it owns, so no two CPUs spin on one device. Undefined without
 * rings that have a queue to read into.
 */
export function tapBusyPoll(
  memory: WebAssembly.Memory,
  mp: number,
  rings: number[],
  rx: { ring: number; qs: number }[],
): ((i: number) => number) | undefined {
  if (!rx.some((q) => q.ring !== 0)) return undefined;
  const ports = linkPorts(memory, mp, rings, rx);
  const i32 = new Int32Array(memory.buffer);
  let libc: ReturnType<typeof tapLibc> | null = null;
  return (i: number) => {
    const port = ports[i];
    if (port === undefined || port.spec.rx.length === 0 || port.txDescriptor() < 0) return 0; // not TAP, or detached
    libc ??= tapLibc();
    let n = 0;
    port.txWithDescriptor((fd) => {
      n = readDevice(libc!, i32, port, fd, RXR_POLLED);
    });
    return n;
  };
}
