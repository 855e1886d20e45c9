// `mpstack capture IF`: a live capture of a running engine, as tcpdump -w on a BSD's bpf(4). The
// engine's tap on IF (ts/machine/capture-ring.ts) records the frames that pass it; this command reads
// them over the control socket (capture.open / read / close, control-protocol.ts) and writes them as
// they come, classic pcap (default) or pcapng with the interface's name and each frame's direction,
// to stdout (`-w -`, the default) or a file: `mpstack capture wm0 | tshark -r -` works live.
//
// It ends at -c COUNT frames, on SIGINT/SIGTERM, when its reader goes away (EPIPE on stdout), or
// when the engine stops; then it says on stderr what tcpdump says: "N packets captured, M dropped"
// (dropped: frames the engine's capture rings had no room for, because this reader fell behind).
import { closeSync, openSync, writeSync } from 'node:fs';
import { PcapWriter } from '../../io/pcap.js';
import { PcapngWriter } from '../../io/pcapng.js';
import { UserError } from '../../errors.js';
import { ControlClient, findInstance } from '../../host/control-client.js';
import { CAPTURE_MAX_READ, type ControlCommands } from '../../host/control-protocol.js';

export interface CaptureOptions {
  socket?: string;
  /** where to write: a file, or '-' for stdout */
  w: string;
  /** stop after this many frames */
  c?: number;
  direction: 'in' | 'out' | 'both';
  pcapng?: boolean;
}

/** How long one capture.read waits for frames: also how soon a SIGINT is noticed, ms. */
const READ_WAIT_MS = 100;

/** The output: stdout (asynchronous, EPIPE when the reader is gone) or a file (synchronous writes). */
interface Sink {
  write(bytes: Uint8Array): Promise<void>;
  close(): void;
}

function stdoutSink(onGone: () => void): Sink {
  let gone = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    gone = true;
    if (e.code !== 'EPIPE') process.stderr.write(`mpstack: capture: stdout: ${e.message}\n`);
    onGone();
  });
  return {
    write: (bytes) =>
      gone || bytes.length === 0
        ? Promise.resolve()
        : new Promise((resolve) => {
            process.stdout.write(bytes, () => resolve()); // an error is the 'error' event's
          }),
    close: () => undefined,
  };
}

function fileSink(path: string): Sink {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new UserError(`capture: ${path}: ${(e as Error).message}`);
  }
  return {
    write: async (bytes) => {
      for (let o = 0; o < bytes.length; ) o += writeSync(fd, bytes, o);
    },
    close: () => closeSync(fd),
  };
}

export async function captureCommand(ifname: string, o: CaptureOptions): Promise<void> {
  if (o.w === '-' && process.stdout.isTTY)
    throw new UserError('capture: stdout is a terminal: write to a file (-w FILE) or a pipe (| tshark -r -)');
  const c = await ControlClient.connect(findInstance(o.socket));
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  let sink: Sink | undefined;
  let captured = 0;
  let dropped = 0;
  let open = false;
  let tap = -1;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    tap = (await c.call('capture.open', { if: ifname, direction: o.direction })).tap;
    open = true;
    sink = o.w === '-' ? stdoutSink(onSignal) : fileSink(o.w);
    const pcap = o.pcapng ? null : new PcapWriter({ nanosecond: false });
    const ng = o.pcapng ? new PcapngWriter() : null;
    ng?.addInterface(ifname);
    const take = () => (pcap ? pcap.takeBytes() : ng!.takeBytes());
    await sink.write(take()); // the header: a reader sees a valid, empty capture at once
    while (!stop && (o.c === undefined || captured < o.c)) {
      const max = o.c === undefined ? CAPTURE_MAX_READ : Math.min(CAPTURE_MAX_READ, o.c - captured);
      let r: ControlCommands['capture.read']['result'];
      try {
        r = await c.call('capture.read', { tap, max, waitMs: READ_WAIT_MS });
      } catch (e) {
        open = false; // the engine stopped or hung up: what it recorded so far is written
        if (!/stopping|closed the connection/.test((e as Error).message)) throw e;
        break;
      }
      dropped = r.dropped;
      for (const [sec, nsec, dir, b64] of r.frames) {
        const data = Buffer.from(b64, 'base64');
        if (pcap) pcap.add(data, sec, nsec);
        else ng!.add(0, data, sec, nsec, dir);
      }
      captured += r.frames.length;
      await sink.write(take());
      if (r.ended !== undefined) {
        open = false;
        break;
      }
    }
    if (open) {
      open = false;
      dropped = (await c.call('capture.close', { tap })).dropped;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    sink?.close();
    c.close();
  }
  process.stderr.write(`${captured} packet${captured === 1 ? '' : 's'} captured, ${dropped} dropped\n`);
}
