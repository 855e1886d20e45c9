// One end of the frame-ring test (test/portable/frame-ring.test.ts), on its own thread: `produce`
// pushes `count` UDP frames (IP id = sequence number, `flows` source ports) into its ring, waiting
// for room rather than dropping; `consume` pops frames until `count` arrived (or `ms` passed) and
// reports the sequence numbers per flow.
import { parentPort, workerData } from 'node:worker_threads';
import { FrameRing } from '../../../dist/ts/portable/adapters/frame-ring.js';
import { buildFrame } from '../../../dist/ts/packet/build.js';

const d = workerData;
const ring = new FrameRing(d.ring);

if (d.role === 'produce') {
  const bytes = (s, sep, base) => Uint8Array.from(s.split(sep).map((x) => Number.parseInt(x, base)));
  for (let i = 0; i < d.count; i++) {
    const f = buildFrame({
      dstMac: bytes('02:00:00:00:0a:01', ':', 16),
      srcMac: bytes('02:00:00:00:aa:10', ':', 16),
      src: bytes('192.0.2.10', '.', 10),
      dst: bytes('203.0.113.9', '.', 10),
      proto: 'udp',
      sport: 1000 + (i % d.flows),
      dport: 2000,
      id: i & 0xffff,
      payload: 18 + (i % 7), // odd lengths: records wrap the ring at every offset
    });
    for (let read = ring.read; !ring.fits(f.length); read = ring.read) ring.waitPop(read, 10);
    ring.push(f);
  }
  parentPort.postMessage({ pushed: d.count, drops: ring.drops });
} else {
  const seq = {};
  let got = 0;
  const deadline = Date.now() + d.ms;
  while (got < d.count && Date.now() < deadline) {
    const seen = ring.written;
    const f = ring.pop();
    if (!f) {
      ring.waitPush(seen, 10);
      continue;
    }
    got++;
    const sport = (f[34] << 8) | f[35];
    (seq[sport] ??= []).push((f[18] << 8) | f[19]);
  }
  parentPort.postMessage({ got, seq });
}
