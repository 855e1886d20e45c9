// What QEMU does for a VM's NIC, for the links-sock end-to-end test: relays frames between a TAP
// device (the "VM": a Linux host in a network namespace) and a socket in QEMU's framing.
//   node qemu-relay.mjs TAP udp LOCAL_PORT REMOTE_PORT   (as -netdev dgram / socket,udp=,localaddr=)
//   node qemu-relay.mjs TAP stream PORT                  (as -netdev stream,server=off / socket,connect=)
// Everything on 127.0.0.1. Creates the TAP device (the test moves it into a namespace), prints
// "ready" once it relays, and exits when its stdin closes (the test ended or died).
// Uses the built tree (dist/): run `npm run build` first.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import koffi from 'koffi';
import { closeTap, EAGAIN, errno, openTap, tapLibc } from '../../dist/ts/host/tap-device.js';
import { StreamDeframer, streamFrame } from '../../dist/ts/host/stream-framing.js';

const [tap, kind, a, b] = process.argv.slice(2);
const fd = openTap('relay', tap);
const libc = tapLibc();
const buf = new Uint8Array(65536);
const toTap = (f) => libc.write(fd, f, f.length);

let toSocket = () => undefined;
const watch = koffi.node.poll(fd, { readable: true }, () => {
  for (;;) {
    const n = libc.read(fd, buf, buf.length);
    if (n < 0) {
      if (errno() !== EAGAIN) process.exit(1);
      return;
    }
    toSocket(buf.subarray(0, n));
  }
});

if (kind === 'udp') {
  const sock = createSocket('udp4');
  sock.on('message', (m) => toTap(m));
  sock.bind(Number(a), '127.0.0.1', () => {
    toSocket = (f) => sock.send(Buffer.from(f), Number(b), '127.0.0.1');
    process.stdout.write('ready\n');
  });
} else {
  const s = connect(Number(a), '127.0.0.1', () => {
    s.setNoDelay(true);
    toSocket = (f) => s.write(streamFrame(f, 0, f.length));
    process.stdout.write('ready\n');
  });
  const d = new StreamDeframer();
  s.on('data', (c) => {
    if (!d.push(c, toTap)) process.exit(2);
  });
  s.on('close', () => process.exit(3));
}

process.stdin.resume();
process.stdin.on('end', () => {
  watch.close();
  closeTap(fd);
  process.exit(0);
});
