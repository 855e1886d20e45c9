// One TAP link's I/O thread (a Node worker, started by tap-link-node.ts): the NIC of its interface.
// Off the forwarding CPUs: the CPUs only see frames appear in the RX ring and leave the TX rings
// (link-port.ts's protocol). One thread per link does both directions on its event loop:
//   RX  the non-blocking descriptor is watched by libuv (koffi's node.poll); when readable, frames
//       are read straight into the RX ring's clusters (no copy in between), up to a ring's worth,
//       then published at once and the CPUs' doorbell rung.
//   TX  on a thread of its own (tap-tx-thread-node.ts), or with MPSTACK_TAP_TX_THREAD=0 here:
//       Atomics.waitAsync on the CPUs' TX doorbell; each wake sends every posted frame from its
//       cluster with write(2). The descriptor is published in the TX ring (TXR_FD) for whoever sends:
//       that thread, or a CPU that writes a short burst itself (tap-direct-tx.ts).
// Busy polling (engine.busy_poll_us): while the queue's CPU polls the device itself it says so in the
// RX ring (RXR_POLLER); the thread, woken by the device, then stops watching it and reads nothing
// (the CPU does), so frames that arrive in the CPU's window wake no thread. It waits for the word to
// clear (the CPU notifies it when its window ends) and watches again; the watch is level-triggered,
// so a frame that came between the CPU's last read and the re-arm makes it readable at once.
// When the device goes away (deleted: reads fail with EBADFD/EIO) the link is down; the thread
// looks for a device of that name again every second and attaches when one appears.
import { parentPort, workerData } from 'node:worker_threads';
import koffi from 'koffi';
import { MAX_FRAME } from '../../assembly/layout.js';
import { LinkPort } from '../machine/link-port.js';
import type { TapMessage, TapThreadData } from './tap-thread-protocol.js';
import { EAGAIN, closeTap, deviceExists, errno, openTap, setDeviceMtu, tapLibc } from './tap-device.js';

const d = workerData as TapThreadData;
const port = new LinkPort(d.memory, d.port);
const libc = tapLibc();
const st = d.stats;
const post = (m: TapMessage) => parentPort!.postMessage(m);

let fd = -1;
let watch: ReturnType<typeof koffi.node.poll> | null = null;
let stopped = false;
/** a pause under way (the CPU polls the device): the watch is stopped until the poller word clears */
let paused = false;
let retry: ReturnType<typeof setTimeout> | undefined;

/** Attaches to the device (creating it the first time); false while it is not there. */
function attach(first: boolean): boolean {
  if (!first && !deviceExists(d.device)) return false;
  fd = openTap(d.ifname, d.device, d.multiQueue);
  st[5]!++;
  // the host side sends nothing larger than the interface takes (a 9000-byte host MTU would otherwise
  // make frames the clusters cannot hold: those are counted and dropped below)
  if (d.mtu !== 0) setDeviceMtu(d.device, d.mtu);
  paused = false; // a pause of the device before (its watch closed by detach) is over
  watch = koffi.node.poll(fd, { readable: true }, onReadable);
  port.txSetDescriptor(fd);
  post({ kind: 'carrier', up: true, why: `attached to ${d.device}` });
  return true;
}

function detach(why: string): void {
  watch?.close();
  watch = null;
  port.txSetDescriptor(-1); // no sender writes to it any more: closing it cannot hit a reused number
  closeTap(fd);
  fd = -1;
  post({ kind: 'carrier', up: false, why });
  const again = () => {
    if (stopped) return;
    try {
      if (attach(false)) return;
    } catch {
      // not attachable yet (busy, wrong type): keep looking
    }
    retry = setTimeout(again, 1000);
  };
  retry = setTimeout(again, 1000);
}

let resume: ReturnType<typeof setImmediate> | undefined;

/** Stops watching while CPU `poller` polls the device; watches again once it has stopped polling. */
function pause(poller: number): void {
  watch!.stop();
  paused = true;
  port.rxPaused();
  const w = watch;
  const again = (): void => {
    if (stopped || watch !== w) return; // stopped, or detached meanwhile (a new attach watches anew)
    const now = port.rxPoller();
    if (now === poller) {
      // a slice ended (short, so that a stop is not kept waiting): the CPU still polls; wait on
      void port.rxPollerWait(poller, 100).then(again);
      return;
    }
    paused = false;
    w!.start({ readable: true }, onReadable);
  };
  void port.rxPollerWait(poller, 100).then(again);
}

/** Reads what the device has, into the RX ring; a full ring leaves the rest in the device's queue for the next turn. */
function onReadable(): void {
  if (fd < 0 || paused) return;
  const poller = port.rxPoller();
  if (poller !== 0) {
    pause(poller);
    return;
  }
  port.rxLock(0, true); // a CPU may be reading the device too, right after writing to it (tap-direct-tx.ts)
  let full = false;
  for (let i = 0; i < 256; i++) {
    const at = port.rxSlot(0);
    if (at < 0) {
      full = true;
      break;
    }
    const n = libc.read(fd, port.u8.subarray(at, at + MAX_FRAME), MAX_FRAME);
    if (n < 0) {
      const e = errno();
      if (e !== EAGAIN) {
        port.rxUnlock(0);
        detach(`${d.device} went away (read: errno ${e})`);
        return;
      }
      break;
    }
    if (n < 14) {
      st[2]!++;
      continue;
    }
    if (n > MAX_FRAME) {
      // longer than a cluster holds (the kernel reports the whole length it could not copy)
      st[6]!++;
      continue;
    }
    port.rxDone(0, n);
    st[0]!++;
  }
  port.rxUnlock(0);
  // the ring is full: the CPU is behind; look again after the other events of this turn
  if (full && !resume) {
    resume = setImmediate(() => {
      resume = undefined;
      onReadable();
    });
  }
}

function send(to: number, u8: Uint8Array, at: number, len: number): void {
  if (to < 0 || libc.write(to, u8.subarray(at, at + len), len) < 0) st[4]!++;
  else st[3]!++;
}

async function txLoop(): Promise<void> {
  while (!stopped) {
    const seen = port.txBell();
    if (port.txSendExclusive(send) > 0) {
      await new Promise((r) => setImmediate(r)); // let RX have its turn
      continue;
    }
    await port.waitTx(seen, 100);
  }
}

parentPort!.on('message', (m: { stop?: boolean }) => {
  if (!m.stop) return;
  stopped = true;
  clearTimeout(retry);
  if (resume) clearImmediate(resume);
  watch?.close();
  watch = null;
  port.txSetDescriptor(-1); // no sender writes to it any more: closing it cannot hit a reused number
  closeTap(fd);
  fd = -1;
  parentPort!.close();
});

try {
  attach(true);
  if (!d.txCtl) void txLoop().catch((err: unknown) => post({ kind: 'error', message: String(err) }));
} catch (err) {
  post({ kind: 'error', message: (err as Error).message });
  parentPort!.close();
}
