// A wire for the link-port stress test (test/machine/links.test.ts), on its own thread, as a link's
// driver thread would be: `send` places `count` frames per flow into the RX queues of its port (the
// flow's queue), waiting while a ring is full, and counts what its TX rings give back; `recv` drains
// its port's TX rings and checks each flow's sequence numbers arrive once each, in order.
import { parentPort, workerData } from 'node:worker_threads';
import { LinkPort } from '../../../dist/ts/machine/link-port.js';

const d = workerData;
const port = new LinkPort(d.memory, d.port);
const stop = new Int32Array(d.stop);
const SEQ = d.seqAt;

async function send() {
  while (Atomics.load(stop, 1) === 0) Atomics.wait(stop, 1, 0, 10); // until both ends are open
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const next = d.templates.map(() => 0);
  let waits = 0;
  let left = d.templates.length * d.count;
  const total = left;
  while (left > 0) {
    // the receiving wire is a JS loop slower than the CPUs: stay within what its TX rings hold
    // (this test is about the protocol; a full TX ring is a counted drop, tested elsewhere)
    while (total - left - Atomics.load(stop, 2) > 1024) Atomics.wait(nap, 0, 0, 0.1);
    for (let f = 0; f < d.templates.length; f++) {
      const q = f % d.port.rx.length;
      // a burst per flow, as a NIC's DMA would bring it
      for (let b = 0; b < 37 && next[f] < d.count; b++) {
        const at = port.rxSlot(q);
        if (at < 0) {
          waits++;
          break;
        }
        const t = d.templates[f];
        port.u8.set(t, at);
        new DataView(port.u8.buffer).setUint32(at + SEQ, next[f]++);
        port.rxDone(q, t.length);
        left--;
      }
    }
    port.rxPublish();
    Atomics.wait(nap, 0, 0, 0.05); // let the CPUs catch up a little now and then
  }
  parentPort.postMessage({ sent: d.templates.length * d.count, waits });
}

async function recv() {
  const next = new Map();
  let frames = 0;
  let bad = 0;
  const dv = new DataView(port.u8.buffer);
  const want = d.flows * d.count;
  while (frames < want && Atomics.load(stop, 0) === 0) {
    const seen = port.txBell();
    const n = port.txDrain((_u8, at, len) => {
      frames++;
      const flow = dv.getUint16(at + d.flowAt);
      const seq = dv.getUint32(at + SEQ);
      const expect = next.get(flow) ?? 0;
      if (seq !== expect || len !== d.len) bad++;
      next.set(flow, seq + 1);
    });
    Atomics.store(stop, 2, frames);
    if (n === 0) await port.waitTx(seen, 20);
  }
  parentPort.postMessage({ frames, bad, flows: [...next.entries()] });
}

(d.role === 'send' ? send() : recv()).catch((e) => parentPort.postMessage({ error: String(e.stack ?? e) }));
