// vlan(4) against Linux: an 802.1Q station in a network namespace at the far end of a TAP link, on
// VLAN 100 of mpstack's wm0, and a host behind mpstack on another TAP link.
//
//   h1 (VLAN 100 station, 10.94.100.2) ── wm0 ── vlan100 (10.94.100.1) mpstack wm1 ── h2 10.94.2.2
//
// This machine's kernel has no 8021q driver (`ip link add … type vlan` fails), so the station is a
// packet socket (python3, AF_PACKET): it sends tagged frames it builds itself and reads the tag of
// what comes back from the kernel's packet auxdata (Linux takes the tag off on receive, as a NIC
// with VLAN offload does). What is checked: ARP for the vlan's address answered on VLAN 100, echo
// answered, and an echo to h2 (a Linux host) forwarded through the vlan and back, tagged 100.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Host, describeWithHosts } from './hosts.js';
import { RouterRun } from '../../bench/router-run.js';

const tag = `${process.pid % 100000}`;
const DEV = [`mva${tag}`, `mvb${tag}`];

const CONFIG = `
interfaces:
  - { name: wm0, driver: tap, tap: ${DEV[0]}, addresses: [10.94.1.1/24] }
  - { name: wm1, driver: tap, tap: ${DEV[1]}, addresses: [10.94.2.1/24] }
  - { name: vlan100, vlan: { parent: wm0, id: 100 }, addresses: [10.94.100.1/24] }
`;

// The station: ARP for the router on VLAN 100, then ICMP echo requests to each target, all tagged;
// prints what came back (the tag from PACKET_AUXDATA, TP_STATUS_VLAN_VALID) as JSON.
const STATION = String.raw`
import socket, struct, sys, json, time, fcntl
dev, me, router = sys.argv[1], sys.argv[2], sys.argv[3]
targets = sys.argv[4:]
VID = 100
SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID = 263, 8, 0x10
sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
sk.bind((dev, 0))
sk.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
sk.settimeout(0.3)
mac = fcntl.ioctl(sk.fileno(), 0x8927, struct.pack('256s', dev.encode()[:15]))[18:24]
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s >> 16) + (s & 0xffff)
    return (~s) & 0xffff
def tagged(dst, ethertype, payload):
    return dst + mac + struct.pack('!HHH', 0x8100, VID, ethertype) + payload
def frames(deadline):
    while time.time() < deadline:
        try:
            data, anc, _, _ = sk.recvmsg(4096, socket.CMSG_SPACE(32))
        except socket.timeout:
            continue
        vid = None
        for level, kind, val in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA and len(val) >= 20:
                status, _, _, _, _, tci = struct.unpack('IIIHHH', val[:18])
                if status & TP_STATUS_VLAN_VALID: vid = tci & 0xfff
        if data[12:14] == b'\x81\x00':  # a tag left in the frame
            vid, data = struct.unpack('!H', data[14:16])[0] & 0xfff, data[:12] + data[16:]
        yield vid, data
out = {'arp': None, 'echo': []}
arp = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + mac + socket.inet_aton(me) + b'\0' * 6 + socket.inet_aton(router)
sk.send(tagged(b'\xff' * 6, 0x0806, arp))
rmac = None
for vid, f in frames(time.time() + 3):
    if f[12:14] == b'\x08\x06' and struct.unpack('!H', f[20:22])[0] == 2 and f[28:32] == socket.inet_aton(router):
        rmac = f[22:28]
        out['arp'] = {'vid': vid, 'mac': rmac.hex(':'), 'to': f[0:6].hex(':')}
        break
if rmac:
    for seq, dst in enumerate(targets):
        icmp = struct.pack('!BBHHH', 8, 0, 0, 0x5151, seq) + b'mpstack-vlan-e2e'
        icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), seq, 0, 64, 1, 0, socket.inet_aton(me), socket.inet_aton(dst))
        ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
        sk.send(tagged(rmac, 0x0800, ip + icmp))
        got = None
        for vid, f in frames(time.time() + 3):
            p = f[14:]
            if f[12:14] != b'\x08\x00' or p[9] != 1 or p[20] != 0: continue
            if struct.unpack('!HH', p[24:28]) != (0x5151, seq): continue
            got = {'to': dst, 'vid': vid, 'from': socket.inet_ntoa(p[12:16]), 'ttl': p[8]}
            break
        out['echo'].append(got)
print(json.dumps(out))
`;

describeWithHosts('vlan(4) with a Linux 802.1Q station over a TAP link', ['ping', 'python3'], () => {
  let router: RouterRun;
  let h1: Host;
  let h2: Host;

  beforeAll(async () => {
    router = await RouterRun.start(CONFIG, ['--cpus', '1']);
    h1 = Host.attach({ ns: `mpv1-${tag}`, dev: DEV[0]!, v4: '10.94.1.2/24', gw4: '10.94.1.1' });
    h2 = Host.attach({ ns: `mpv2-${tag}`, dev: DEV[1]!, v4: '10.94.2.2/24', gw4: '10.94.2.1' });
    writeFileSync(join(router.dir, 'station.py'), STATION);
  }, 30_000);

  afterAll(async () => {
    await router?.stop();
    h1?.delete();
    h2?.delete();
  });

  test('ARP and echo on VLAN 100, and forwarding between the vlan and a Linux host, all tagged 100', async () => {
    const r = JSON.parse(
      await h1.run('python3', [
        join(router.dir, 'station.py'),
        DEV[0]!,
        '10.94.100.2',
        '10.94.100.1',
        '10.94.100.1',
        '10.94.2.2',
      ]),
    ) as {
      arp: { vid: number | null; mac: string; to: string } | null;
      echo: ({ to: string; vid: number | null; from: string; ttl: number } | null)[];
    };
    expect(r.arp).not.toBeNull();
    expect(r.arp!.vid).toBe(100);
    expect(r.echo).toEqual([
      { to: '10.94.100.1', vid: 100, from: '10.94.100.1', ttl: 64 },
      { to: '10.94.2.2', vid: 100, from: '10.94.2.2', ttl: 63 }, // h2's reply, forwarded by mpstack
    ]);
    // mpstack learned the station on vlan100, not on its untagged parent
    const arp = await router.cli('arp', '-an');
    expect(arp).toMatch(/10\.94\.100\.2.*vlan100/);
  }, 30_000);
});
