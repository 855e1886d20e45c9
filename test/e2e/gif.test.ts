// gif(4) against Linux: a network namespace at the far end of mpstack's tunnels over a TAP link,
// and a host behind mpstack on another TAP link.
//
//   h1 (tunnel peer) 10.93.1.2 ── wm0 ── mpstack ── wm1 ── h2 10.93.2.2 / fd00:93:2::2
//        gif0: 10.93.1.1 <-> 10.93.1.2 (IPv4 outer), 10.20.0.1/30, fd00:20::1/64
//        gif1: fd00:93:1::1 <-> fd00:93:1::2 (IPv6 outer), 10.21.0.1/30, fd00:21::1/64
//
// Two peers in h1. Linux's own tunnels (`ip tunnel … mode ipip`, `mode sit`, `ip -6 tunnel … mode
// ip6ip6`) when its kernel has them: ping mpstack's gif addresses and the host behind it through each.
// And, on any kernel, a raw-socket peer (python3, IPPROTO_IPIP / IPPROTO_IPV6 raw sockets: Linux
// builds and parses the outer IPv4 header) that sends ICMP echo requests inside IPv4 and reads the
// encapsulated replies: the same exchange without the kernel's tunnel drivers.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Host, describeWithHosts } from './hosts.js';
import { RouterRun } from '../../bench/router-run.js';

const tag = `${process.pid % 100000}`;
const DEV = [`mga${tag}`, `mgb${tag}`];

const CONFIG = `
interfaces:
  - { name: wm0, driver: tap, tap: ${DEV[0]}, addresses: [10.93.1.1/24, "fd00:93:1::1/64"] }
  - { name: wm1, driver: tap, tap: ${DEV[1]}, addresses: [10.93.2.1/24, "fd00:93:2::1/64"] }
  - { name: gif0, gif: { src: 10.93.1.1, dst: 10.93.1.2 }, addresses: [10.20.0.1/30, "fd00:20::1/64"] }
  - { name: gif1, gif: { src: "fd00:93:1::1", dst: "fd00:93:1::2" }, addresses: [10.21.0.1/30, "fd00:21::1/64"] }
`;

/** Whether this kernel has ipip, sit and ip6_tunnel (probed in a scratch namespace), or why not. */
function tunnelsMissing(): string | null {
  const ns = `mpgp${tag}`;
  const r = spawnSync(
    'sh',
    [
      '-c',
      `ip netns add ${ns} && ip netns exec ${ns} sh -c 'ip link add p4 type ipip local 10.0.0.1 remote 10.0.0.2 && ip link add p41 type sit local 10.0.0.1 remote 10.0.0.2 && ip link add p6 type ip6tnl mode ip6ip6 local fd00::1 remote fd00::2' 2>&1; rc=$?; ip netns del ${ns}; exit $rc`,
    ],
    { encoding: 'utf8' },
  );
  return r.status === 0
    ? null
    : `the kernel has no ipip/sit/ip6_tunnel drivers (${r.stdout.trim() || r.stderr.trim()})`;
}

// The raw-socket peer: ICMP echo requests (IPv4 or IPv6 inside) sent in IPv4 protocol 4 / 41 to the
// router, replies read back out of the encapsulated packets. Prints what it got as JSON.
const PEER = String.raw`
import socket, struct, sys, json, time
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s >> 16) + (s & 0xffff)
    return (~s) & 0xffff
inner_src, inner_dst, router = sys.argv[1], sys.argv[2], sys.argv[3]
v6 = ':' in inner_src
out6 = ':' in router  # an IPv6 raw socket: Linux hands over the payload only, no outer header
sk = socket.socket(socket.AF_INET6 if out6 else socket.AF_INET, socket.SOCK_RAW, 41 if v6 else 4)
sk.settimeout(0.5)
ident, got = 0x4242, []
for seq in range(3):
    data = b'mpstack-gif-e2e!'
    if v6:
        s, d = socket.inet_pton(socket.AF_INET6, inner_src), socket.inet_pton(socket.AF_INET6, inner_dst)
        icmp = struct.pack('!BBHHH', 128, 0, 0, ident, seq) + data
        ck = csum(s + d + struct.pack('!I3xB', len(icmp), 58) + icmp)
        icmp = icmp[:2] + struct.pack('!H', ck) + icmp[4:]
        pkt = struct.pack('!IHBB', 6 << 28, len(icmp), 58, 64) + s + d + icmp
    else:
        icmp = struct.pack('!BBHHH', 8, 0, 0, ident, seq) + data
        icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), seq, 0, 64, 1, 0,
                         socket.inet_aton(inner_src), socket.inet_aton(inner_dst))
        pkt = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:] + icmp
    sk.sendto(pkt, (router, 0))
    end = time.time() + 2
    while time.time() < end:
        try:
            o, addr = sk.recvfrom(4096)
        except socket.timeout:
            continue
        inner = o if out6 else o[(o[0] & 15) * 4:]
        if v6:
            if inner[6] != 58 or inner[40] != 129: continue
            frm, icmpr = socket.inet_ntop(socket.AF_INET6, inner[8:24]), inner[40:]
            hl = inner[7]
        else:
            ihl = (inner[0] & 15) * 4
            if inner[9] != 1 or inner[ihl] != 0: continue
            frm, icmpr, hl = socket.inet_ntoa(inner[12:16]), inner[ihl:], inner[8]
        if struct.unpack('!HH', icmpr[4:8]) != (ident, seq): continue
        if out6:
            got.append({'from': frm, 'outer_src': addr[0], 'ttl': hl})
        else:
            got.append({'from': frm, 'outer_src': socket.inet_ntoa(o[12:16]), 'outer_ttl': o[8], 'proto': o[9], 'ttl': hl})
        break
print(json.dumps(got))
`;

describeWithHosts('gif(4) with Linux tunnel endpoints over TAP links', ['ping', 'python3'], () => {
  let router: RouterRun;
  let h1: Host;
  let h2: Host;

  beforeAll(async () => {
    router = await RouterRun.start(CONFIG, ['--cpus', '1']);
    h1 = Host.attach({
      ns: `mpg1-${tag}`,
      dev: DEV[0]!,
      v4: '10.93.1.2/24',
      gw4: '10.93.1.1',
      v6: 'fd00:93:1::2/64',
      gw6: 'fd00:93:1::1',
    });
    h2 = Host.attach({
      ns: `mpg2-${tag}`,
      dev: DEV[1]!,
      v4: '10.93.2.2/24',
      gw4: '10.93.2.1',
      v6: 'fd00:93:2::2/64',
      gw6: 'fd00:93:2::1',
    });
    writeFileSync(join(router.dir, 'peer.py'), PEER);
    // the outer path first: ARP and NDP between the peer and the router
    await h1.run('ping', ['-c', '1', '-W', '2', '10.93.1.1']);
    await h1.run('ping', ['-6', '-c', '1', '-W', '2', 'fd00:93:1::1']);
  }, 30_000);

  afterAll(async () => {
    await router?.stop();
    h1?.delete();
    h2?.delete();
  });

  const peer = async (src: string, dst: string, outer = '10.93.1.1') =>
    JSON.parse(await h1.run('python3', [join(router.dir, 'peer.py'), src, dst, outer])) as {
      from: string;
      outer_src: string;
      outer_ttl?: number;
      proto?: number;
      ttl: number;
    }[];

  test('raw-socket peer, IPv4 in IPv4: mpstack answers for gif0 and forwards to the host behind it', async () => {
    const me = await peer('10.20.0.2', '10.20.0.1');
    expect(me.length).toBeGreaterThanOrEqual(2); // the first may wait for the router's ARP
    expect(me[0]).toEqual({ from: '10.20.0.1', outer_src: '10.93.1.1', outer_ttl: 30, proto: 4, ttl: 64 });
    const behind = await peer('10.20.0.2', '10.93.2.2');
    expect(behind.length).toBeGreaterThanOrEqual(2);
    // h2's reply crossed the router once: 64 - 1, then encapsulated with the gif's TTL
    expect(behind[behind.length - 1]).toEqual({
      from: '10.93.2.2',
      outer_src: '10.93.1.1',
      outer_ttl: 30,
      proto: 4,
      ttl: 63,
    });
  }, 30_000);

  test('raw-socket peer, IPv6 in IPv4 (protocol 41): the same through gif0', async () => {
    const me = await peer('fd00:20::2', 'fd00:20::1');
    expect(me.length).toBeGreaterThanOrEqual(2);
    expect(me[0]).toMatchObject({ from: 'fd00:20::1', proto: 41, outer_ttl: 30 });
    const behind = await peer('fd00:20::2', 'fd00:93:2::2');
    expect(behind.length).toBeGreaterThanOrEqual(2);
    expect(behind[behind.length - 1]).toMatchObject({ from: 'fd00:93:2::2', proto: 41, ttl: 63 });
    const c = (JSON.parse(await router.cli('netstat', '-s', '--json')) as { counters: Record<string, number> })
      .counters;
    expect(c['gif-decapsulated']).toBeGreaterThanOrEqual(8);
    expect(c['gif-encapsulated']).toBeGreaterThanOrEqual(8);
  }, 30_000);

  test('raw-socket peer, IPv4 and IPv6 in IPv6 (RFC 2473): through gif1', async () => {
    const me4 = await peer('10.21.0.2', '10.21.0.1', 'fd00:93:1::1');
    expect(me4.length).toBeGreaterThanOrEqual(2);
    expect(me4[0]).toEqual({ from: '10.21.0.1', outer_src: 'fd00:93:1::1', ttl: 64 });
    const me6 = await peer('fd00:21::2', 'fd00:93:2::2', 'fd00:93:1::1');
    expect(me6.length).toBeGreaterThanOrEqual(2);
    expect(me6[me6.length - 1]).toEqual({ from: 'fd00:93:2::2', outer_src: 'fd00:93:1::1', ttl: 63 });
  }, 30_000);

  // A kernel built without ipip/sit/ip6_tunnel is not a runner that lost its privileges: the peer
  // test above covers the wire format with a raw socket, so this one is reported as not run (in CI
  // too) unless MPSTACK_REQUIRE_TUNNELS says the machine must have them.
  const missing = tunnelsMissing();
  const kernelTest = missing && !process.env['MPSTACK_REQUIRE_TUNNELS'] ? test.skip : test;
  if (missing) console.warn(`gif e2e, Linux tunnel endpoints: not run: ${missing}`);

  kernelTest(
    "Linux's ipip, sit and ip6ip6 endpoints: ping mpstack's gif addresses and the host behind it",
    async () => {
      if (missing) throw new Error(`cannot run: ${missing}`);
      const ns = `mpg1-${tag}`;
      const sh = (cmds: string[]) => {
        for (const c of cmds) {
          const r = spawnSync('ip', ['netns', 'exec', ns, ...c.split(' ')], { encoding: 'utf8' });
          if (r.status !== 0) throw new Error(`${c}: ${r.stderr}`);
        }
      };
      sh([
        `ip tunnel add tip4 mode ipip local 10.93.1.2 remote 10.93.1.1 ttl 64`,
        `ip addr add 10.20.0.2/30 dev tip4`,
        `ip link set tip4 up`,
        `ip route add 10.93.2.0/24 dev tip4 src 10.20.0.2`,
        `ip tunnel add tsit mode sit local 10.93.1.2 remote 10.93.1.1 ttl 64`,
        `ip -6 addr add fd00:20::2/64 dev tsit nodad`,
        `ip link set tsit up`,
        `ip -6 route add fd00:93:2::/64 dev tsit`,
        `ip -6 tunnel add t66 mode ip6ip6 local fd00:93:1::2 remote fd00:93:1::1`,
        `ip -6 addr add fd00:21::2/64 dev t66 nodad`,
        `ip link set t66 up`,
      ]);
      const ping = (args: string[]) => h1.run('ping', ['-c', '3', '-i', '0.2', '-W', '2', ...args]);
      expect(await ping(['10.20.0.1'])).toMatch(/[23] received/); // ipip, mpstack's gif0
      expect(await ping(['10.93.2.2'])).toMatch(/[23] received/); // ipip, the host behind mpstack
      expect(await ping(['-6', 'fd00:20::1'])).toMatch(/[23] received/); // sit
      expect(await ping(['-6', 'fd00:93:2::2'])).toMatch(/[23] received/); // sit, behind
      expect(await ping(['-6', 'fd00:21::1'])).toMatch(/[23] received/); // ip6ip6, mpstack's gif1
    },
    60_000,
  );

  test('SIGINT stops it cleanly: every frame and cluster accounted for', async () => {
    expect(await router.stop()).toBe(0);
    expect(router.stdout).toMatch(/accounting: .*: ok/);
    expect(router.stdout).toMatch(/buffers: \d+ clusters, each found once/);
  }, 30_000);
});
