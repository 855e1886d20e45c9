// The control server of a running engine: the control plane's operations (ts/control/) over a unix
// socket. It parses requests and dispatches them; the operations hold the writer lock, follow the
// unpublish → grace period → free order and check a request completely before the first change (see
// ts/control/control-plane.ts). The protocol, the socket's place and every command's arguments and
// result are in control-protocol.ts. An unexpected exception is answered as an internal error and
// never reaches the engine.
import { chmodSync, existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { ControlPlane, parseRouteKey, parseRouteLine } from '../control/control-plane.js';
import { UserError, isUserError } from '../errors.js';
import { formatIP, macIsGroup, macIsZero, parseIP, parseMac } from '../addr/addr.js';
import type { NodeMachine } from './host-node.js';
import {
  CAPTURE_MAX_READ,
  CAPTURE_MAX_WAIT_MS,
  CONTROL_MAX_LINE,
  type CaptureFrame,
  type ControlCommand,
  type ControlResponse,
  defaultSocketPath,
} from './control-protocol.js';

export interface ControlServer {
  /** the socket's path */
  readonly path: string;
  /** Stops listening, lets a running writer finish, closes every connection, removes the socket. */
  close(): Promise<void>;
}

type Args = Record<string, unknown>;

/** What one connection owns: the live captures it opened (closed when it goes away). */
interface Session {
  taps: Set<number>;
}

/** How often a waiting capture.read looks at its tap's rings, ms. */
const CAPTURE_POLL_MS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Argument readers: a wrong, missing or unknown argument is the request's error. */
function argReader(args: Args, allowed: readonly string[]) {
  for (const k of Object.keys(args)) {
    if (!allowed.includes(k))
      throw new UserError(
        `unknown argument '${k}'${allowed.length ? ` (expected ${allowed.join(', ')})` : ' (it takes none)'}`,
      );
  }
  const str = (k: string): string => {
    const v = args[k];
    if (typeof v !== 'string' || v === '') throw new UserError(`'${k}' must be a non-empty string`);
    return v;
  };
  const optStr = (k: string): string | undefined => (args[k] === undefined ? undefined : str(k));
  const int = (k: string): number => {
    const v = args[k];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new UserError(`'${k}' must be an integer`);
    return v;
  };
  /** an optional integer in [min, max], `dflt` when absent */
  const optInt = (k: string, min: number, max: number, dflt: number): number => {
    if (args[k] === undefined) return dflt;
    const v = int(k);
    if (v < min || v > max) throw new UserError(`'${k}' must be from ${min} to ${max}`);
    return v;
  };
  const family = (k: string): 4 | 6 | undefined => {
    const v = args[k];
    if (v === undefined) return undefined;
    if (v !== 4 && v !== 6) throw new UserError(`'${k}' must be 4 or 6`);
    return v;
  };
  const bool = (k: string): boolean => {
    const v = args[k];
    if (v === undefined) return false;
    if (typeof v !== 'boolean') throw new UserError(`'${k}' must be true or false`);
    return v;
  };
  return { str, optStr, int, optInt, family, bool };
}

export async function startControlServer(engine: NodeMachine, path?: string): Promise<ControlServer> {
  const cp = new ControlPlane(engine);
  const sockPath = path ?? defaultSocketPath();

  type Run = (args: Args, session: Session) => unknown;
  /** The session's tap `k` names, or the request's error. */
  const ownTap = (a: ReturnType<typeof argReader>, s: Session): number => {
    const tap = a.int('tap');
    if (!s.taps.has(tap)) throw new UserError(`no capture ${tap} on this connection`);
    return tap;
  };
  const closeTap = async (s: Session, tap: number) => {
    s.taps.delete(tap);
    return engine.tapClose(tap);
  };
  const commands: Record<ControlCommand, Run> = {
    'intrctl.list': (args) => {
      argReader(args, []);
      return cp.intrctlList();
    },
    'intrctl.affinity': (args) => {
      const a = argReader(args, ['irq', 'cpu']);
      return cp.affinity(a.str('irq'), a.int('cpu'));
    },
    'intrctl.nointr': (args) => cp.nointr(argReader(args, ['cpu']).int('cpu')),
    'intrctl.intr': (args) => cp.intr(argReader(args, ['cpu']).int('cpu')),

    'route.add': async (args) => ({
      route: await cp.routeAdd(parseRouteLine(cp.stack, argReader(args, ['line']).str('line'))),
    }),
    'route.delete': async (args) => {
      const a = argReader(args, ['dst', 'family']);
      const [route] = await cp.routeDelete([parseRouteKey(a.str('dst'), a.family('family'))]);
      return { route };
    },
    'route.show': async (args) => ({ routes: await cp.routeShow(argReader(args, ['family']).family('family')) }),
    'route.get': (args) => cp.routeGet(argReader(args, ['address']).str('address')),

    brconfig: async (args) => ({ bridges: await cp.brconfig(argReader(args, ['bridge']).optStr('bridge')) }),
    'brconfig.add': async (args) => {
      const a = argReader(args, ['bridge', 'if']);
      return { bridges: [await cp.brAdd(a.str('bridge'), a.str('if'))] };
    },
    'brconfig.delete': async (args) => {
      const a = argReader(args, ['bridge', 'if']);
      return { bridges: [await cp.brDelete(a.str('bridge'), a.str('if'))] };
    },
    'brconfig.flush': (args) => {
      const a = argReader(args, ['bridge', 'all']);
      return cp.brFlush(a.str('bridge'), a.bool('all'));
    },
    'brconfig.static': async (args) => {
      const a = argReader(args, ['bridge', 'address', 'if']);
      return { bridges: [await cp.brStatic(a.str('bridge'), a.str('address'), a.str('if'))] };
    },
    'brconfig.limits': async (args) => {
      const a = argReader(args, ['bridge', 'maxaddr', 'timeout']);
      const opt = (k: string) => (args[k] === undefined ? undefined : a.int(k));
      return { bridges: [await cp.brLimits(a.str('bridge'), opt('maxaddr'), opt('timeout'))] };
    },
    ifconfig: (args) => ({ interfaces: cp.ifconfig(argReader(args, ['if']).optStr('if')) }),
    'ifconfig.up': async (args) => ({ interfaces: [await cp.ifUp(argReader(args, ['if']).str('if'), true)] }),
    'ifconfig.down': async (args) => ({ interfaces: [await cp.ifUp(argReader(args, ['if']).str('if'), false)] }),
    'ifconfig.create': async (args) => {
      const a = argReader(args, ['if', 'vlan', 'vlanif']);
      if (args['vlan'] === undefined && args['vlanif'] === undefined) {
        if (/^bridge\d+$/.test(a.str('if'))) return { interfaces: [await cp.ifCreateBridge(a.str('if'))] };
        if (!/^gif\d+$/.test(a.str('if')))
          throw new UserError(
            `create takes 'vlan VID vlanif PARENT', or names a gif (gif0, gif1, ...) or a bridge (bridge0, ...)`,
          );
        return { interfaces: [await cp.ifCreateGif(a.str('if'))] };
      }
      return { interfaces: [await cp.ifCreateVlan(a.str('if'), a.str('vlanif'), a.int('vlan'))] };
    },
    'ifconfig.tunnel': async (args) => {
      const a = argReader(args, ['if', 'src', 'dst']);
      return { interfaces: [await cp.ifTunnel(a.str('if'), a.str('src'), a.str('dst'))] };
    },
    'ifconfig.deletetunnel': async (args) => ({
      interfaces: [await cp.ifDeleteTunnel(argReader(args, ['if']).str('if'))],
    }),
    'ifconfig.destroy': async (args) => ({ routes: await cp.ifDestroy(argReader(args, ['if']).str('if')) }),
    'ifconfig.inet': async (args) => {
      const a = argReader(args, ['if', 'address', 'alias']);
      const [name, address] = [a.str('if'), a.str('address')];
      return {
        interfaces: [await (a.bool('alias') ? cp.ifAddressAdd(name, address) : cp.ifAddressSet(name, address))],
      };
    },
    'ifconfig.delete': async (args) => {
      const a = argReader(args, ['if', 'address']);
      return { interfaces: [await cp.ifAddressDelete(a.str('if'), a.str('address'))] };
    },
    'ifconfig.mtu': async (args) => {
      const a = argReader(args, ['if', 'mtu']);
      return { interfaces: [await cp.ifMtu(a.str('if'), a.int('mtu'))] };
    },

    'netstat.i': (args) => {
      argReader(args, []);
      return cp.netstatI();
    },
    'netstat.s': (args) => cp.netstatS(argReader(args, ['perCpu']).bool('perCpu')),
    'netstat.m': (args) => {
      argReader(args, []);
      return cp.netstatM();
    },

    'neighbor.list': (args) => ({ neighbors: cp.neighborEntries(argReader(args, ['family']).family('family')) }),
    'neighbor.set': async (args) => {
      const a = argReader(args, ['address', 'mac', 'if']);
      const ip = parseIP(a.str('address'));
      if (!ip) throw new UserError(`'${a.str('address')}' is not an IPv4 or IPv6 address`);
      const mac = parseMac(a.str('mac'));
      if (!mac || macIsGroup(mac) || macIsZero(mac))
        throw new UserError(`'${a.str('mac')}' is not a unicast MAC address`);
      await cp.neighborSet(ip.bytes, cp.neighborInterface(ip.bytes, a.optStr('if')), mac);
      return { neighbors: cp.neighborEntries(ip.family).filter((e) => e.address === formatIP(ip.bytes)) };
    },
    'neighbor.delete': async (args) => {
      const a = argReader(args, ['address', 'if']);
      const ip = parseIP(a.str('address'));
      if (!ip) throw new UserError(`'${a.str('address')}' is not an IPv4 or IPv6 address`);
      const ifs =
        a.optStr('if') !== undefined
          ? [a.optStr('if')!]
          : cp
              .neighborEntries(ip.family)
              .filter((e) => e.address === formatIP(ip.bytes))
              .map((e) => e.if);
      let deleted = 0;
      for (const i of ifs) if (await cp.neighborDelete(ip.bytes, i)) deleted++;
      if (deleted === 0) throw new UserError(`${formatIP(ip.bytes)}: no entry`);
      return { deleted };
    },

    // live captures: the engine's taps (ts/machine/capture-ring.ts), not the tables: no writer lock
    'capture.open': (args, s) => {
      const a = argReader(args, ['if', 'direction']);
      const name = a.str('if');
      const dir = a.optStr('direction') ?? 'both';
      if (dir !== 'in' && dir !== 'out' && dir !== 'both') throw new UserError(`'direction' must be in, out or both`);
      const tap = engine.tapOpen(name, dir);
      s.taps.add(tap);
      return { tap, if: name };
    },
    'capture.read': async (args, s) => {
      const a = argReader(args, ['tap', 'max', 'waitMs']);
      const tap = ownTap(a, s);
      const max = a.optInt('max', 1, CAPTURE_MAX_READ, CAPTURE_MAX_READ);
      const deadline = performance.now() + a.optInt('waitMs', 0, CAPTURE_MAX_WAIT_MS, 200);
      for (;;) {
        const frames = engine.tapRead(tap, max);
        const ending = closing || !s.taps.has(tap);
        if (frames.length || ending || performance.now() >= deadline)
          return {
            frames: frames.map(
              (f): CaptureFrame => [f.sec, f.nsec, f.dir as 1 | 2, Buffer.from(f.data).toString('base64')],
            ),
            dropped: engine.tapDropped(tap),
            ...(ending ? { ended: 'mpstack is stopping' } : {}),
          };
        await sleep(CAPTURE_POLL_MS);
      }
    },
    'capture.close': async (args, s) => closeTap(s, ownTap(argReader(args, ['tap']), s)),
  };

  /** Answers one request line. Never throws. */
  const handle = async (line: string, session: Session): Promise<ControlResponse> => {
    let id: number | null = null;
    let label = ''; // 'route add: ' once the command is known: every error names it
    try {
      let req: unknown;
      try {
        req = JSON.parse(line);
      } catch (e) {
        throw new UserError(`malformed JSON: ${(e as Error).message}`);
      }
      if (typeof req !== 'object' || req === null || Array.isArray(req))
        throw new UserError('a request is a JSON object {"id": N, "cmd": "...", "args": {...}}');
      const r = req as Record<string, unknown>;
      if (typeof r['id'] !== 'number' || !Number.isFinite(r['id']))
        throw new UserError('request: "id" must be a number');
      id = r['id'];
      if (typeof r['cmd'] !== 'string') throw new UserError('request: "cmd" must be a string');
      const cmd = r['cmd'];
      const args = r['args'] ?? {};
      if (typeof args !== 'object' || args === null || Array.isArray(args))
        throw new UserError(`${cmd}: "args" must be a JSON object`);
      const c = Object.hasOwn(commands, cmd) ? commands[cmd as ControlCommand] : undefined;
      if (!c) throw new UserError(`unknown command '${cmd}' (expected ${Object.keys(commands).join(', ')})`);
      if (closing) throw new UserError('mpstack is stopping');
      label = `${cmd.replace('.', ' ')}: `;
      const result = await c(args as Args, session);
      return { id, ok: true, result };
    } catch (e) {
      if (isUserError(e)) return { id, ok: false, error: label + e.message };
      process.stderr.write(
        `mpstack: control: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      return { id, ok: false, error: `internal error: ${e instanceof Error ? e.message : String(e)}` };
    }
  };

  let closing = false;
  /** every connection, with its session and the promise of its last request's answer */
  const conns = new Map<Socket, { session: Session; chain: Promise<void> }>();
  const server: Server = createServer((sock) => {
    const session: Session = { taps: new Set() };
    const conn = { session, chain: Promise.resolve() };
    conns.set(sock, conn);
    sock.setEncoding('utf8');
    let buf = '';
    let chain: Promise<void> = Promise.resolve();
    let overflowed = false;
    const reply = (res: ControlResponse) => {
      if (sock.writable) sock.write(JSON.stringify(res) + '\n');
    };
    // a line no request could need: say so and hang up (reading on would let one client grow the
    // buffer without bound)
    const overflow = () => {
      overflowed = true;
      buf = '';
      chain = chain.then(() => {
        reply({ id: null, ok: false, error: `request line longer than ${CONTROL_MAX_LINE} characters` });
        sock.end();
      });
    };
    sock.on('data', (chunk: string) => {
      if (overflowed) return;
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        if (nl > CONTROL_MAX_LINE) return overflow();
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        if (line.trim() === '') continue;
        chain = chain.then(async () => reply(await handle(line, session)));
        conn.chain = chain;
      }
      if (buf.length > CONTROL_MAX_LINE) overflow();
    });
    sock.on('error', () => {
      /* the client went away; nothing to clean up but the socket */
    });
    sock.on('close', () => {
      conns.delete(sock);
      // its captures end with it: each tap is disarmed and free for the next capture
      for (const tap of [...session.taps])
        closeTap(session, tap).catch((e: unknown) =>
          process.stderr.write(`mpstack: control: closing capture ${tap}: ${(e as Error).message}\n`),
        );
    });
  });

  await prepareSocketPath(sockPath, path === undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sockPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    chmodSync(sockPath, 0o600);
  } catch {
    /* the directory's 0700 already keeps others out */
  }
  server.on('error', (e) => process.stderr.write(`mpstack: control: ${e.message}\n`));

  const unlinkSocket = () => {
    try {
      unlinkSync(sockPath);
    } catch {
      /* already gone */
    }
  };
  process.on('exit', unlinkSocket);
  let closed: Promise<void> | null = null;
  return {
    path: sockPath,
    close(): Promise<void> {
      closed ??= (async () => {
        closing = true;
        const done = new Promise<void>((resolve) => server.close(() => resolve())); // resolves once every connection is gone
        unlinkSocket(); // no new client finds it from now on
        await cp.idle(); // a writer half way (route delete in its grace period) finishes
        // a capture's pending read returns what is left, `ended`; its connection is ended once
        // that answer is written (end, not destroy: destroy would drop it), and destroyed after a
        // while if the client does not hang up
        const capturing = [...conns].filter(([, c]) => c.session.taps.size > 0);
        if (capturing.length) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            Promise.all(capturing.map(([, c]) => c.chain)),
            new Promise((r) => {
              timer = setTimeout(r, 2 * CAPTURE_MAX_WAIT_MS);
            }),
          ]);
          clearTimeout(timer);
        }
        for (const [sock, c] of conns) {
          if (c.session.taps.size === 0) {
            sock.destroy();
            continue;
          }
          for (const tap of [...c.session.taps]) await closeTap(c.session, tap).catch(() => undefined);
          sock.end();
          setTimeout(() => sock.destroy(), 1000).unref();
        }
        await done;
        process.off('exit', unlinkSocket);
      })();
      return closed;
    },
  };
}

/**
 * Makes `path` ready to listen on: creates the default directory (mode 0700, and refuses one that
 * is not ours or is open to others), removes a stale socket (nobody accepts on it), and refuses a
 * socket another live server holds, or a file that is not a socket.
 */
async function prepareSocketPath(path: string, isDefault: boolean): Promise<void> {
  // sun_path is 108 bytes on Linux, 104 on the BSDs and macOS
  if (Buffer.byteLength(path) > 103)
    throw new UserError(`control socket path too long (${Buffer.byteLength(path)} bytes, at most 103): ${path}`);
  const dir = dirname(path);
  if (isDefault) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const uid = process.getuid?.();
    if (!st.isDirectory()) throw new UserError(`${dir} is not a directory`);
    if (uid !== undefined && st.uid !== uid) throw new UserError(`${dir} belongs to another user (uid ${st.uid})`);
    if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  }
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) throw new UserError(`${path} exists and is not a socket`);
  const live = await new Promise<boolean>((resolve) => {
    const c = createConnection(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (live) throw new UserError(`another mpstack is already listening on ${path}`);
  unlinkSync(path);
}
