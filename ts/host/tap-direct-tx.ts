// A CPU that posted a short burst to a TAP link writes it to the device itself, under the ring's
// sender lock (LinkPort.txSendExclusive), instead of waking the link's transmit thread: on a VM a
// futex wake-up of a sleeping thread costs ~40 µs, one of the three hand-offs a frame pays on its
// way through (RX thread -> CPU -> TX thread). Longer bursts still go to the transmit thread, which
// writes them while the CPU forwards its next batch. The ring's descriptor (TXR_FD) is 0 for links
// that are not TAP devices (sockets), so those always go to their driver.
import { TXR_DIRECT, TXR_DIRECT_ERRORS } from '../../assembly/layout.js';
import { LinkPort } from '../machine/link-port.js';
import { tapLibc } from './tap-device.js';

/**
 * Bursts of up to this many frames the posting CPU writes itself (MPSTACK_TAP_DIRECT_TX=N to change
 * it, 0 to send everything through the transmit threads).
 */
export const DIRECT_TX_MAX = 16;

/**
 * The CPU loop's `txDirect` for the link TX rings `rings` (CpuWorkerData.linkTx): given a ring's
 * position there, writes its posted frames and returns true, or returns false to leave them to the
 * link's thread. Undefined when direct writes are off.
 */
export function tapDirectTx(
  memory: WebAssembly.Memory,
  mp: number,
  rings: number[],
): ((i: number) => boolean) | undefined {
  const env = process.env['MPSTACK_TAP_DIRECT_TX'];
  const max = env === undefined || env === '' ? DIRECT_TX_MAX : Number(env);
  if (!(max > 0) || rings.length === 0) return undefined;
  const ports = rings.map((r) => new LinkPort(memory, { name: '', ifindex: 0, mp, rx: [], tx: [r] }));
  const i32 = new Int32Array(memory.buffer);
  let libc: ReturnType<typeof tapLibc> | null = null;
  let ok = 0;
  let failed = 0;
  const send = (fd: number, u8: Uint8Array, at: number, len: number) => {
    if (fd < 0 || libc!.write(fd, u8.subarray(at, at + len), len) < 0) failed++;
    else ok++;
  };
  return (i: number) => {
    const port = ports[i]!;
    if (port.txDescriptor() < 0 || port.txBacklog() > max) return false;
    libc ??= tapLibc(); // loaded on the first TAP burst: engines without TAP links never load koffi here
    ok = 0;
    failed = 0;
    if (port.txSendExclusive(send) < 0) return false;
    if (ok !== 0) Atomics.add(i32, (rings[i]! + TXR_DIRECT) >> 2, ok);
    if (failed !== 0) Atomics.add(i32, (rings[i]! + TXR_DIRECT_ERRORS) >> 2, failed);
    return true;
  };
}
