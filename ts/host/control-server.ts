// The control server of a running engine: intrctl, route, ifconfig and netstat over a unix socket
// (the protocol, the socket's place and every command's arguments and result are in
// control-protocol.ts).
//
// Locking notes:
// - Commands run on the main thread, the control plane's only thread. Every writer (the intrctl
//   changes, route add/delete, ifconfig up/down/inet) runs under `writers`, an async mutex, so one
//   writer at a time even across an `await`: route delete waits out a grace period in the middle.
//   route show / get run under it too, because the tables' walk and lookup use the writer's scratch
//   memory. The counters (netstat, intrctl list, ifconfig show) are read without it.
// - Readers — the worker CPUs — take no lock; Tables and NodeMachine publish every change with the
//   ordering their own notes describe.
// - route delete frees nothing a CPU may still use: the route's nodes and nexthop go to limbo,
//   `engine.synchronize()` waits until every CPU has been between batches since, and only then
//   `tables.reclaim()` frees them.
// - A request is checked completely before the first change, so a refused one leaves the engine as
//   it was; an unexpected exception is answered as an internal error and never reaches the engine.
import { chmodSync, existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { UserError, isUserError } from '../errors.js';
import { lookupLine } from '../cli/route.js';
import { ConfigError } from '../config/error.js';
import { parseRoutesText, type RouteSpec } from '../config/routes-file.js';
import type { Nexthop } from '../stack/tables.js';
import { formatIP, formatMac, formatPrefix, hostBitsZero, maskPrefix, parseIP, parsePrefix } from '../addr/addr.js';
import {
  CONTROL_MAX_LINE, type ControlCommand, type ControlResponse, type IfconfigEntry,
  type IntrctlListResult, type NetstatIResult, type NetstatMResult, type NetstatSResult, type RouteEntry, defaultSocketPath,
} from './control-protocol.js';
import type { NodeMachine } from './host-node.js';

export interface ControlServer {
  /** the socket's path */
  readonly path: string;
  /** Stops listening, lets a running writer finish, closes every connection, removes the socket. */
  close(): Promise<void>;
}

/** One writer at a time, in arrival order, across awaits. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => T | Promise<T>): Promise<T> {
    const res = this.tail.then(() => fn());
    this.tail = res.then(() => undefined, () => undefined);
    return res;
  }

  /** Resolves once everything queued so far has run. */
  idle(): Promise<void> { return this.tail.then(() => undefined); }
}

type Args = Record<string, unknown>;

/** Argument readers: a wrong, missing or unknown argument is the request's error. */
function argReader(args: Args, allowed: readonly string[]) {
  for (const k of Object.keys(args)) {
    if (!allowed.includes(k)) throw new UserError(`unknown argument '${k}'${allowed.length ? ` (expected ${allowed.join(', ')})` : ' (it takes none)'}`);
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
  return { str, optStr, int, family, bool };
}

/** How iproute2 prints a destination: 'default', a bare address for a host route, else a prefix. */
function routeDst(prefix: Uint8Array, plen: number): string {
  if (plen === 0) return 'default';
  return plen === prefix.length * 8 ? formatIP(prefix) : formatPrefix(prefix, plen);
}

export async function startControlServer(engine: NodeMachine, path?: string): Promise<ControlServer> {
  const stack = engine.stack;
  const tables = stack.tables;
  const sockPath = path ?? defaultSocketPath();
  const writers = new Mutex();

  const ifIndex = (name: string): number => {
    const i = stack.ifByName.get(name);
    if (i === undefined) throw new UserError(`no interface '${name}' (have: ${[...stack.ifByName.keys()].join(', ')})`);
    return i;
  };

  const routeEntry = (family: 4 | 6, prefix: Uint8Array, plen: number, nh: Nexthop): RouteEntry => {
    const dst = routeDst(prefix, plen);
    const dev = nh.kind === 'unicast' || nh.kind === 'local' || nh.kind === 'broadcast' ? stack.ifName(nh.ifindex) : null;
    const via = nh.gw ? formatIP(nh.gw) : null;
    let text: string;
    switch (nh.kind) {
      case 'unicast': text = `${dst}${via ? ` via ${via}` : ''} dev ${dev}`; break;
      case 'local':
      case 'broadcast': text = `${nh.kind} ${dst} dev ${dev}`; break;
      default: text = `${nh.kind} ${dst}`;
    }
    if (nh.mtu) text += ` mtu ${nh.mtu}`;
    return { family, dst, type: nh.kind, via, dev, mtu: nh.mtu, text };
  };

  const intrctlList = (): IntrctlListResult => engine.intrctlRows();

  const ifconfigEntry = (index: number): IfconfigEntry => {
    const s = tables.ifs[index]!;
    const c = engine.cfg.interfaces.find((i) => i.index === index);
    return {
      name: s.name, index, up: s.up, flags: [s.up ? 'UP' : 'DOWN', ...(s.vlan ? ['VLAN'] : [])], mtu: s.mtu, mac: formatMac(s.mac),
      addresses: stack.addresses(index).map((a) => formatPrefix(a.bytes, a.plen)),
      queues: Math.max(1, s.queues), rssUdp: s.rssUdp, model: c?.model ?? null, driver: c?.driver ?? null,
      vlan: s.vlan ? { parent: stack.ifName(s.vlan.parent), id: s.vlan.id } : null,
    };
  };
  const allIfs = () => tables.ifs.flatMap((s, i) => (s ? [ifconfigEntry(i)] : []));

  type Run = (args: Args) => unknown;
  const commands: Record<ControlCommand, { writer: boolean; run: Run }> = {
    'intrctl.list': { writer: false, run: (args) => { argReader(args, []); return intrctlList(); } },
    'intrctl.affinity': {
      writer: true,
      run: (args) => {
        const a = argReader(args, ['irq', 'cpu']);
        engine.affinity(a.str('irq'), a.int('cpu'));
        return intrctlList();
      },
    },
    'intrctl.nointr': { writer: true, run: (args) => { engine.nointr(argReader(args, ['cpu']).int('cpu')); return intrctlList(); } },
    'intrctl.intr': { writer: true, run: (args) => { engine.intr(argReader(args, ['cpu']).int('cpu')); return intrctlList(); } },

    'route.add': {
      writer: true,
      run: (args) => {
        const line = argReader(args, ['line']).str('line');
        if (/[\r\n]/.test(line)) throw new UserError('one route per request (the line has a line break)');
        let spec: RouteSpec | null = null;
        try {
          parseRoutesText(line, 'route', (r) => { spec = { ...r, dst: r.dst.slice(), via: r.via ? r.via.slice() : null, file: '' }; }, { devs: new Set(stack.ifByName.keys()) });
        } catch (e) {
          if (e instanceof ConfigError) throw new UserError(`${e.field}: ${e.detail}`);
          throw e;
        }
        const r = spec as RouteSpec | null;
        if (!r) throw new UserError(`no route in '${line}'`);
        const existed = tables.getRoute(r.family, r.dst, r.plen) !== undefined;
        let nh: Nexthop;
        try {
          nh = stack.addRouteSpec(r);
        } catch (e) {
          // the RIB took it but the compiled FIB could not (out of tbl8 groups): take it out again
          if (!existed && tables.getRoute(r.family, r.dst, r.plen)) stack.deleteRoute(r.family, r.dst, r.plen);
          throw e;
        }
        return { route: routeEntry(r.family, r.dst, r.plen, nh) };
      },
    },
    'route.delete': {
      writer: true,
      run: async (args) => {
        const a = argReader(args, ['dst', 'family']);
        const dst = a.str('dst');
        const fam = a.family('family');
        let family: 4 | 6;
        let bytes: Uint8Array;
        let plen: number;
        if (dst === 'default') {
          family = fam ?? 4;
          bytes = new Uint8Array(family === 4 ? 4 : 16);
          plen = 0;
        } else {
          const p = parsePrefix(dst);
          if (!p) throw new UserError(`'${dst}' is not a prefix (like 203.0.113.0/24, 2001:db8::/32 or default)`);
          if (fam !== undefined && fam !== p.family) throw new UserError(`${dst} is not an IPv${fam} prefix`);
          if (!hostBitsZero(p.bytes, p.plen)) {
            throw new UserError(`invalid prefix for given prefix length: '${dst}' has host bits set (the network is ${formatPrefix(maskPrefix(p.bytes, p.plen), p.plen)})`);
          }
          ({ family, bytes, plen } = p);
        }
        const nh = tables.getRoute(family, bytes, plen);
        if (!nh) throw new UserError(`no route to ${formatPrefix(bytes, plen)}`);
        const entry = routeEntry(family, bytes, plen, nh);
        stack.deleteRoute(family, bytes, plen);
        // pserialize perform: no CPU still runs a batch that could have seen the route, so its
        // radix nodes, nexthop and FIB groups may be freed
        await engine.synchronize();
        tables.reclaim();
        return { route: entry };
      },
    },
    'route.show': {
      writer: true, // the walk uses the writer's scratch memory
      run: (args) => {
        const fam = argReader(args, ['family']).family('family');
        const routes = (fam ? [fam] : [4, 6] as const).flatMap((f) => tables.walkRoutes(f).map((r) => routeEntry(f, r.prefix, r.plen, r.nh)));
        return { routes };
      },
    },
    'route.get': {
      writer: true, // an IPv6 lookup puts its key in the writer's scratch memory
      run: (args) => {
        const address = argReader(args, ['address']).str('address');
        const ip = parseIP(address);
        if (!ip) throw new UserError(`'${address}' is not an IPv4 or IPv6 address`);
        return { line: lookupLine(stack, address, ip.bytes) };
      },
    },

    'ifconfig': {
      writer: false,
      run: (args) => {
        const name = argReader(args, ['if']).optStr('if');
        return { interfaces: name === undefined ? allIfs() : [ifconfigEntry(ifIndex(name))] };
      },
    },
    'ifconfig.up': {
      writer: true,
      run: (args) => { const i = ifIndex(argReader(args, ['if']).str('if')); tables.setInterfaceUp(i, true); return { interfaces: [ifconfigEntry(i)] }; },
    },
    'ifconfig.down': {
      writer: true,
      run: (args) => { const i = ifIndex(argReader(args, ['if']).str('if')); tables.setInterfaceUp(i, false); return { interfaces: [ifconfigEntry(i)] }; },
    },
    'ifconfig.create': {
      writer: true,
      run: (args) => {
        const a = argReader(args, ['if', 'vlan', 'vlanif']);
        const i = stack.createVlan(a.str('if'), a.str('vlanif'), a.int('vlan'));
        return { interfaces: [ifconfigEntry(i)] };
      },
    },
    'ifconfig.destroy': {
      writer: true,
      run: (args) => ({ routes: stack.destroyInterface(argReader(args, ['if']).str('if')) }),
    },
    'ifconfig.inet': {
      writer: true,
      run: (args) => {
        const a = argReader(args, ['if', 'address']);
        const i = ifIndex(a.str('if'));
        const text = a.str('address');
        const p = text.includes('/') ? parsePrefix(text) : null;
        if (!p) throw new UserError(`'${text}' is not an address with a prefix length (like 192.0.2.1/24 or 2001:db8::1/64)`);
        stack.addAddress(i, p);
        return { interfaces: [ifconfigEntry(i)] };
      },
    },

    'netstat.i': {
      writer: false,
      run: (args): NetstatIResult => {
        argReader(args, []);
        const counts = stack.interfaceCounters();
        const interfaces = tables.ifs.flatMap((s, index) => {
          if (!s) return [];
          const vecs = engine.vectors.filter((v) => v.ifindex === index);
          const source = vecs.some((v) => engine.queueGenerated(v)) ? engine.cfg.interfaces.find((i) => i.index === index)?.driver ?? null : null;
          const interrupts = vecs.reduce((n, v) => n + engine.interruptCounts(v).reduce((x, y) => x + y, 0), 0);
          const c = counts[s.name]!;
          return [{ name: s.name, mtu: s.mtu, mac: formatMac(s.mac), up: s.up, queues: Math.max(1, s.queues), interrupts, ...c, source }];
        });
        return {
          interfaces,
          untracked: ['Ierrs', 'Oerrs'],
          note: 'counts are per CPU and summed here; Ipkts counts frames on the interface they arrived on after VLAN demux, Opkts on the interface the route chose; the drop reasons are in netstat -s',
        };
      },
    },
    'netstat.s': {
      writer: false,
      run: (args): NetstatSResult => {
        const perCpu = argReader(args, ['perCpu']).bool('perCpu');
        const per = engine.cpuCounters();
        const counters: Record<string, number> = {};
        for (const c of per) for (const [k, v] of Object.entries(c)) counters[k] = (counters[k] ?? 0) + v;
        return perCpu ? { cpus: per.length, counters, perCpu: per } : { cpus: per.length, counters };
      },
    },
    'netstat.m': {
      writer: false,
      run: (args): NetstatMResult => { argReader(args, []); return engine.bufferStats(); },
    },
  };

  /** Answers one request line. Never throws. */
  const handle = async (line: string): Promise<ControlResponse> => {
    let id: number | null = null;
    let label = ''; // 'route add: ' once the command is known: every error names it
    try {
      let req: unknown;
      try {
        req = JSON.parse(line);
      } catch (e) {
        throw new UserError(`malformed JSON: ${(e as Error).message}`);
      }
      if (typeof req !== 'object' || req === null || Array.isArray(req)) throw new UserError('a request is a JSON object {"id": N, "cmd": "...", "args": {...}}');
      const r = req as Record<string, unknown>;
      if (typeof r['id'] !== 'number' || !Number.isFinite(r['id'])) throw new UserError('request: "id" must be a number');
      id = r['id'];
      if (typeof r['cmd'] !== 'string') throw new UserError('request: "cmd" must be a string');
      const cmd = r['cmd'];
      const args = r['args'] ?? {};
      if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new UserError(`${cmd}: "args" must be a JSON object`);
      const c = Object.hasOwn(commands, cmd) ? commands[cmd as ControlCommand] : undefined;
      if (!c) throw new UserError(`unknown command '${cmd}' (expected ${Object.keys(commands).join(', ')})`);
      if (closing) throw new UserError('mpstack is stopping');
      label = `${cmd.replace('.', ' ')}: `;
      const run = () => c.run(args as Args);
      const result = c.writer ? await writers.run(run) : await run();
      return { id, ok: true, result };
    } catch (e) {
      if (isUserError(e)) return { id, ok: false, error: label + e.message };
      process.stderr.write(`mpstack: control: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      return { id, ok: false, error: `internal error: ${e instanceof Error ? e.message : String(e)}` };
    }
  };

  let closing = false;
  const conns = new Set<Socket>();
  const server: Server = createServer((sock) => {
    conns.add(sock);
    sock.setEncoding('utf8');
    let buf = '';
    let chain: Promise<void> = Promise.resolve();
    let overflowed = false;
    const reply = (res: ControlResponse) => { if (sock.writable) sock.write(JSON.stringify(res) + '\n'); };
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
        chain = chain.then(async () => reply(await handle(line)));
      }
      if (buf.length > CONTROL_MAX_LINE) overflow();
    });
    sock.on('error', () => { /* the client went away; nothing to clean up but the socket */ });
    sock.on('close', () => conns.delete(sock));
  });

  await prepareSocketPath(sockPath, path === undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sockPath, () => { server.off('error', reject); resolve(); });
  });
  try { chmodSync(sockPath, 0o600); } catch { /* the directory's 0700 already keeps others out */ }
  server.on('error', (e) => process.stderr.write(`mpstack: control: ${e.message}\n`));

  const unlinkSocket = () => { try { unlinkSync(sockPath); } catch { /* already gone */ } };
  process.on('exit', unlinkSocket);
  let closed: Promise<void> | null = null;
  return {
    path: sockPath,
    close(): Promise<void> {
      closed ??= (async () => {
        closing = true;
        const done = new Promise<void>((resolve) => server.close(() => resolve())); // resolves once every connection is gone
        unlinkSocket(); // no new client finds it from now on
        await writers.idle(); // a writer half way (route delete in its grace period) finishes
        for (const c of conns) c.destroy();
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
  if (Buffer.byteLength(path) > 103) throw new UserError(`control socket path too long (${Buffer.byteLength(path)} bytes, at most 103): ${path}`);
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
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
  if (live) throw new UserError(`another mpstack is already listening on ${path}`);
  unlinkSync(path);
}
