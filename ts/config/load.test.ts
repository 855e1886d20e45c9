import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, streamRoutesFile } from './files.js';
import { ConfigError, formatField, parseConfig, type Config } from './load.js';
import { DEFAULT_RSS_KEY_HEX } from './schema.js';
import { formatIP, formatMac } from '../addr/addr.js';
import { parseGen } from '../machine/gen-source.js';
import { pcapSource } from '../host/pcap-source.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function cfg(text: string): Config {
  return parseConfig(text, 'mp.yaml', '/etc/mpstack');
}

function err(text: string): ConfigError {
  try {
    cfg(text);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`no error for:\n${text}`);
}

/** The config from the issue, verbatim apart from a vlan interface. */
const FULL = `
interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    mtu: 1500
    up: true
    addresses: [192.0.2.1/24, 2001:db8:1::1/64]
    rss: { key: ${DEFAULT_RSS_KEY_HEX}, queues: 4, udp: false }
    model: wm
  - name: wm1
    addresses: [198.51.100.1/24, fe80::1/64]
    up: false
    mtu: 9000
    driver: gen
    gen: { pps: 1000, size: [64, 1500] }
  - name: vlan100
    vlan: { parent: wm1, id: 100 }
    addresses: [10.100.0.1/24, fe80::1/64]
  - name: vioif1
    mac: 0A-0B-0C-0D-0E-0F
    model: vioif
    pcap:
routes:
  - { dst: 203.0.113.0/24, via: 192.0.2.254, dev: wm0 }
  - { dst: default, via: 198.51.100.254 }
  - { dst: default, via: 'fe80::2', dev: wm1 }
  - { dst: 2001:db8:ffff::/48, dev: wm0, mtu: 1400 }
  - { dst: 10.99.0.0/16, type: blackhole }
routes_file: tables/full.txt
neighbors:
  - { address: 192.0.2.254, mac: 02:00:00:00:01:fe, dev: wm0 }
  - { address: 'fe80::2', mac: 02:00:00:00:02:fe, dev: wm1 }
ipflow: { hashsize: 128, maxflows: 1024, idle: 10 }
icmp: { ratelimit: 0, burst: 0 }
fastforward: false
`;

describe('valid configs', () => {
  test('the full example parses to the documented shape', () => {
    const c = cfg(FULL);
    expect(c.file).toBe('mp.yaml');
    expect(
      c.interfaces.map((i) => [i.name, i.index, formatMac(i.mac), i.mtu, i.up, i.model, i.driver, i.line]),
    ).toEqual([
      ['wm0', 1, '02:00:00:00:00:01', 1500, true, 'wm', null, 3],
      ['wm1', 2, '02:6d:70:00:00:02', 9000, false, null, 'gen', 10],
      ['vlan100', 3, '02:6d:70:00:00:02', 1500, true, null, null, 16], // a vlan takes its parent's MAC
      ['vioif1', 4, '0a:0b:0c:0d:0e:0f', 1500, true, 'vioif', null, 19],
    ]);
    const [wm0, wm1, vlan, vioif] = c.interfaces;
    expect(wm0!.addresses).toEqual([
      { family: 4, bytes: Uint8Array.of(192, 0, 2, 1), plen: 24, text: '192.0.2.1/24' },
      { family: 6, bytes: expect.any(Uint8Array), plen: 64, text: '2001:db8:1::1/64' },
    ]);
    expect(wm0!.rss.queues).toBe(4);
    expect(hex(wm0!.rss.key)).toBe(DEFAULT_RSS_KEY_HEX);
    expect(wm0!.rss.key).toHaveLength(40);
    expect(wm1!.gen).toEqual({ pps: 1000, size: [64, 1500] });
    expect(wm1!.pcap).toBeNull();
    expect(vlan!.vlan).toEqual({ parent: 'wm1', id: 100 });
    expect(vioif!.pcap).toEqual({});
    expect(
      c.routes.map((r) => [
        r.family,
        `${formatIP(r.dst)}/${r.plen}`,
        r.via && formatIP(r.via),
        r.dev,
        r.type,
        r.mtu,
        r.file,
        r.line,
      ]),
    ).toEqual([
      [4, '203.0.113.0/24', '192.0.2.254', 'wm0', 'unicast', 0, 'mp.yaml', 24],
      [4, '0.0.0.0/0', '198.51.100.254', null, 'unicast', 0, 'mp.yaml', 25],
      [6, '::/0', 'fe80::2', 'wm1', 'unicast', 0, 'mp.yaml', 26],
      [6, '2001:db8:ffff::/48', null, 'wm0', 'unicast', 1400, 'mp.yaml', 27],
      [4, '10.99.0.0/16', null, null, 'blackhole', 0, 'mp.yaml', 28],
    ]);
    expect(c.routesFile).toBe('/etc/mpstack/tables/full.txt');
    expect(c.neighbors.map((n) => [n.family, formatIP(n.address), formatMac(n.mac), n.dev, n.line])).toEqual([
      [4, '192.0.2.254', '02:00:00:00:01:fe', 'wm0', 31],
      [6, 'fe80::2', '02:00:00:00:02:fe', 'wm1', 32],
    ]);
    expect(c.ipflow).toEqual({ hashsize: 128, maxflows: 1024, idle: 10 });
    expect(c.icmp).toEqual({ ratelimit: 0, burst: 0, echo_ratelimit: 1000, echo_burst: 50 });
    expect(c.fastforward).toBe(false);
  });

  test('a minimal config gets every default', () => {
    const c = cfg('interfaces:\n  - name: wm0\n');
    expect(c.interfaces).toHaveLength(1);
    const i = c.interfaces[0]!;
    expect({ ...i, mac: formatMac(i.mac), rss: { ...i.rss, key: hex(i.rss.key) } }).toEqual({
      name: 'wm0',
      index: 1,
      mac: '02:6d:70:00:00:01',
      mtu: 1500,
      up: true,
      sendRedirects: true,
      directedBroadcast: false,
      rpFilter: 0,
      addresses: [],
      rss: { key: DEFAULT_RSS_KEY_HEX, queues: 1, udp: false },
      vlan: null,
      bridge: null,
      gif: null,
      model: null,
      driver: null,
      gen: null,
      pcap: null,
      poll: null,
      moderation: { frames: 32, usecs: 100 },
      line: 2,
      link: null,
      file: 'mp.yaml',
      field: 'interfaces[0]',
      places: { 'interfaces[0]': { line: 2, col: 5 } },
    });
    expect(c.warnings).toEqual([]);
    expect(c.routes).toEqual([]);
    expect(c.routesFile).toBeNull();
    expect(c.neighbors).toEqual([]);
    expect(c.ipflow).toEqual({ hashsize: 2048, maxflows: 1024, idle: 5 });
    expect(c.icmp).toEqual({ ratelimit: 100, burst: 10, echo_ratelimit: 1000, echo_burst: 50 });
    expect(c.ip).toEqual({ forwardSourceRoute: false });
    const nud = {
      reachableMs: 30000,
      retransMs: 1000,
      mcastSolicit: 3,
      ucastSolicit: 3,
      delayMs: 5000,
      holdQueue: 16,
      maxEntries: 512,
    };
    expect([c.arp, c.nd]).toEqual([nud, nud]);
    expect(c.fastforward).toBe(true);
  });

  test('arp: and nd: blocks set the neighbor cache per family', () => {
    const c = cfg(
      'interfaces:\n  - name: wm0\narp: { reachable_ms: 60000, hold: 3 }\nnd: { retrans_ms: 500, solicit: 5, probes: 2, delay_ms: 1000, max_entries: 64 }\n',
    );
    expect([c.arp.reachableMs, c.arp.holdQueue, c.arp.retransMs]).toEqual([60000, 3, 1000]);
    expect([c.nd.retransMs, c.nd.mcastSolicit, c.nd.ucastSolicit, c.nd.delayMs, c.nd.maxEntries]).toEqual([
      500, 5, 2, 1000, 64,
    ]);
  });

  test('router switches: ip.forward_source_route, directed_broadcast and rp_filter per interface', () => {
    const c = cfg(
      'interfaces:\n  - { name: wm0, rp_filter: 1, directed_broadcast: true }\n  - { name: wm1, rp_filter: 2 }\nip: { forward_source_route: true }\n',
    );
    expect(c.interfaces.map((i) => [i.rpFilter, i.directedBroadcast])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(c.ip).toEqual({ forwardSourceRoute: true });
    expect(() => cfg('interfaces:\n  - { name: wm0, rp_filter: 3 }\n')).toThrow(/rp_filter/);
  });

  test('engine.busy_poll_us: off by default, an integer of µs up to one second', () => {
    expect(cfg('interfaces:\n  - { name: wm0 }\n').engine).toEqual({ busyPollUs: 0, hugePages: 'auto' });
    expect(cfg('interfaces:\n  - { name: wm0 }\nengine: { busy_poll_us: 20000 }\n').engine).toEqual({
      busyPollUs: 20000,
      hugePages: 'auto',
    });
    expect(() => cfg('interfaces:\n  - { name: wm0 }\nengine: { busy_poll_us: -1 }\n')).toThrow(
      /engine\.busy_poll_us: must be at least 0, got -1/,
    );
    expect(() => cfg('interfaces:\n  - { name: wm0 }\nengine: { busy_poll_us: 2000000 }\n')).toThrow(
      /engine\.busy_poll_us/,
    );
    expect(() => cfg('interfaces:\n  - { name: wm0 }\nengine: { busy_poll_us: 1.5 }\n')).toThrow(
      /engine\.busy_poll_us: expected an integer/,
    );
    expect(() => cfg('interfaces:\n  - { name: wm0 }\nengine: { busy_poll: 10 }\n')).toThrow(/busy_poll/);
  });

  test("engine.huge_pages: 'auto' by default, else true or false", () => {
    const hp = (v: string) => cfg(`interfaces:\n  - { name: wm0 }\nengine: { huge_pages: ${v} }\n`).engine!.hugePages;
    expect(hp('auto')).toBe('auto');
    expect(hp('true')).toBe(true);
    expect(hp('false')).toBe(false);
    expect(() => hp('on')).toThrow(/engine\.huge_pages/);
    expect(() => hp('2')).toThrow(/engine\.huge_pages/);
  });

  test('gif(4): the tunnel, its MTU (1280 by default) and TTL (30); what a gif may not have', () => {
    const base = 'interfaces:\n  - { name: wm0, addresses: [198.51.100.1/24, 2001:db8::1/64] }\n';
    const c = cfg(
      `${base}  - { name: gif0, gif: { src: 198.51.100.1, dst: 198.51.100.99 }, addresses: [10.20.0.1/30] }\n` +
        '  - { name: gif1, gif: { src: 2001:db8::1, dst: 2001:db8:1::9, ttl: 64 }, mtu: 1400 }\n',
    );
    const [g0, g1] = [c.interfaces[1]!, c.interfaces[2]!];
    expect([formatIP(g0.gif!.src), formatIP(g0.gif!.dst), g0.gif!.ttl, g0.mtu]).toEqual([
      '198.51.100.1',
      '198.51.100.99',
      30,
      1280,
    ]);
    expect([formatIP(g1.gif!.dst), g1.gif!.ttl, g1.mtu]).toEqual(['2001:db8:1::9', 64, 1400]);
    expect(c.interfaces[0]!.mtu).toBe(1500);
    expect(() => cfg(`${base}  - { name: gif0, gif: { src: 198.51.100.2, dst: 198.51.100.99 } }\n`)).toThrow(
      /tunnel source 198.51.100.2 is not an address/,
    );
    expect(() => cfg(`${base}  - { name: gif0, gif: { src: 198.51.100.1, dst: 2001:db8::9 } }\n`)).toThrow(
      /both IPv4 or both IPv6/,
    );
    expect(() => cfg(`${base}  - { name: gif0, gif: { src: 198.51.100.1, dst: 1.2.3 } }\n`)).toThrow(
      /not an IPv4 or IPv6 address/,
    );
    expect(() =>
      cfg(`${base}  - { name: gif0, driver: gen, gif: { src: 198.51.100.1, dst: 198.51.100.99 } }\n`),
    ).toThrow(/a gif is a tunnel, not a NIC: it takes no 'driver'/);
    expect(() =>
      cfg(
        `${base}  - { name: gif0, gif: { src: 198.51.100.1, dst: 198.51.100.99 } }\n  - { name: gif1, gif: { src: 198.51.100.1, dst: 198.51.100.99 } }\n`,
      ),
    ).toThrow(/gif0 has the same tunnel/);
  });

  test('empty lists, flow style, comments and anchors', () => {
    const c = cfg(
      '# mpstack\ninterfaces: [{name: wm0, addresses: &a [10.0.0.1/8]}, {name: wm1}]\nroutes:\nneighbors: []\n',
    );
    expect(c.interfaces.map((i) => i.name)).toEqual(['wm0', 'wm1']);
    expect(c.routes).toEqual([]);
  });

  test('default MACs spell the index in the last two bytes', () => {
    const names = Array.from({ length: 300 }, (_, k) => `wm${k}`);
    const c = cfg(`interfaces:\n${names.map((n) => `  - name: ${n}\n`).join('')}`);
    expect(formatMac(c.interfaces[0]!.mac)).toBe('02:6d:70:00:00:01');
    expect(formatMac(c.interfaces[299]!.mac)).toBe('02:6d:70:00:01:2c');
  });
});

describe('errors: file:line:col, field, detail', () => {
  // [yaml, line, col, field, detail]
  const cases: [string, string, number, number, string, RegExp][] = [
    ['yaml syntax', 'interfaces:\n  - name: wm0\n   mtu: 1500\n', 3, 1, '(yaml)', /Sequence item without - indicator/],
    ['unresolved alias', 'interfaces:\n  - name: *wm0\n', 2, 11, '(yaml)', /Unresolved alias/],
    ['duplicate yaml key', 'interfaces:\n  - name: wm0\n    name: wm1\n', 3, 5, '(yaml)', /unique/],
    ['empty document', '', 1, 1, '(root)', /expected a mapping, got nothing/],
    ['not a mapping', '- a\n- b\n', 1, 1, '(root)', /expected a mapping, got a list/],
    ['interfaces missing', 'routes: []\n', 1, 1, 'interfaces', /is required/],
    ['no interfaces', 'interfaces: []\n', 1, 13, 'interfaces', /needs at least 1 entry/],
    [
      'unknown top-level key',
      'interfaces:\n  - name: wm0\nroute:\n  - {dst: default}\n',
      3,
      1,
      'route',
      /unknown key 'route'/,
    ],
    [
      'typo in interface',
      'interfaces:\n  - name: wm0\n    adresses: [10.0.0.1/8]\n',
      3,
      5,
      'interfaces[0].adresses',
      /unknown key 'adresses'/,
    ],
    [
      'typo in rss',
      'interfaces:\n  - name: wm0\n    rss: { queue: 2 }\n',
      3,
      12,
      'interfaces[0].rss.queue',
      /unknown key/,
    ],
    ['name missing', 'interfaces:\n  - name: wm0\n  - mtu: 1500\n', 3, 5, 'interfaces[1].name', /is required/],
    ['bad name', 'interfaces:\n  - name: eth-0\n', 2, 11, 'interfaces[0].name', /not an interface name/],
    ['name without unit', 'interfaces:\n  - name: wm\n', 2, 11, 'interfaces[0].name', /not an interface name/],
    [
      'mtu type',
      'interfaces:\n  - name: wm0\n    mtu: big\n',
      3,
      10,
      'interfaces[0].mtu',
      /expected a number, got "big"/,
    ],
    [
      'mtu range',
      'interfaces:\n  - name: wm0\n    mtu: 67\n',
      3,
      10,
      'interfaces[0].mtu',
      /must be at least 68, got 67/,
    ],
    ['mtu too big', 'interfaces:\n  - name: wm0\n    mtu: 9217\n', 3, 10, 'interfaces[0].mtu', /must be at most 9216/],
    [
      'mtu fraction',
      'interfaces:\n  - name: wm0\n    mtu: 1500.5\n',
      3,
      10,
      'interfaces[0].mtu',
      /expected an integer/,
    ],
    [
      'up type',
      'interfaces:\n  - name: wm0\n    up: yes\n',
      3,
      9,
      'interfaces[0].up',
      /expected true or false, got "yes"/,
    ],
    [
      'bad address',
      'interfaces:\n  - name: wm0\n    addresses: [192.0.2.1/24, 300.1.1.1/24]\n',
      3,
      31,
      'interfaces[0].addresses[1]',
      /'300\.1\.1\.1\/24' is not an address with a prefix length/,
    ],
    [
      'address without plen',
      'interfaces:\n  - name: wm0\n    addresses:\n      - 192.0.2.1\n',
      4,
      9,
      'interfaces[0].addresses[0]',
      /with a prefix length/,
    ],
    [
      'multicast address',
      'interfaces:\n  - name: wm0\n    addresses: [224.0.0.1/4]\n',
      3,
      17,
      'interfaces[0].addresses[0]',
      /not a unicast address/,
    ],
    [
      'zone id',
      'interfaces:\n  - name: wm0\n    addresses: [fe80::1%wm0/64]\n',
      3,
      17,
      'interfaces[0].addresses[0]',
      /is not an address/,
    ],
    [
      'duplicate address',
      'interfaces:\n  - name: wm0\n    addresses: [10.0.0.1/8]\n  - name: wm1\n    addresses: [10.0.0.1/16]\n',
      5,
      17,
      'interfaces[1].addresses[0]',
      /10\.0\.0\.1 is already configured on wm0, and wm1 cannot have it too \(interfaces\[0\]\.addresses\[0\], line 3\)/,
    ],
    [
      'duplicate link-local on one interface',
      'interfaces:\n  - name: wm0\n    addresses: [fe80::1/64, fe80::1/10]\n',
      3,
      29,
      'interfaces[0].addresses[1]',
      /already configured/,
    ],
    [
      'ipv6 mtu',
      'interfaces:\n  - name: wm0\n    mtu: 1279\n    addresses: [2001:db8::1/64]\n',
      3,
      10,
      'interfaces[0].mtu',
      /below 1280.*2001:db8::1\/64/,
    ],
    [
      'duplicate name',
      'interfaces:\n  - name: wm0\n  - name: wm1\n  - name: wm0\n',
      4,
      11,
      'interfaces[2].name',
      /duplicate interface name 'wm0' \(also interfaces\[0\], line 2\)/,
    ],
    [
      'bad mac',
      'interfaces:\n  - name: wm0\n    mac: 02:00:00:00:00\n',
      3,
      10,
      'interfaces[0].mac',
      /not a MAC address/,
    ],
    [
      'multicast mac',
      'interfaces:\n  - name: wm0\n    mac: 01:00:5e:00:00:01\n',
      3,
      10,
      'interfaces[0].mac',
      /multicast MAC/,
    ],
    [
      'duplicate mac',
      'interfaces:\n  - name: wm0\n    mac: 02:00:00:00:00:01\n  - name: wm1\n    mac: 02-00-00-00-00-01\n',
      5,
      10,
      'interfaces[1].mac',
      /MAC 02:00:00:00:00:01 is already used by wm0 \(line 2\)/,
    ],
    [
      'explicit mac equal to a default',
      'interfaces:\n  - name: wm0\n    mac: 02:6d:70:00:00:02\n  - name: wm1\n',
      4,
      5,
      'interfaces[1].mac',
      /\(the default for wm1\) is already used by wm0/,
    ],
    [
      'rss key as a number',
      `interfaces:\n  - name: wm0\n    rss: { key: ${'1'.repeat(80)} }\n`,
      3,
      17,
      'interfaces[0].rss.key',
      /expected a string, got 1\.1+e\+79 \(quote it/,
    ],
    [
      'rss key length',
      'interfaces:\n  - name: wm0\n    rss: { key: 6d5a }\n',
      3,
      17,
      'interfaces[0].rss.key',
      /must be 80 hex digits/,
    ],
    [
      'rss queues',
      'interfaces:\n  - name: wm0\n    rss: { queues: 65 }\n',
      3,
      20,
      'interfaces[0].rss.queues',
      /at most 64/,
    ],
    [
      'model',
      'interfaces:\n  - name: wm0\n    model: e1000\n',
      3,
      12,
      'interfaces[0].model',
      /must be one of wm, vioif, vmx, got "e1000"/,
    ],
    [
      'gen not an object',
      'interfaces:\n  - name: wm0\n    gen: fast\n',
      3,
      10,
      'interfaces[0].gen',
      /expected a mapping, got "fast"/,
    ],
    [
      'vlan parent missing',
      'interfaces:\n  - name: vlan5\n    vlan: { parent: wm0, id: 5 }\n',
      3,
      21,
      'interfaces[0].vlan.parent',
      /no interface named 'wm0'/,
    ],
    [
      'vlan on a vlan',
      'interfaces:\n  - name: wm0\n  - name: vlan5\n    vlan: { parent: wm0, id: 5 }\n  - name: vlan6\n    vlan: { parent: vlan5, id: 6 }\n',
      6,
      21,
      'interfaces[2].vlan.parent',
      /'vlan5' is itself a vlan/,
    ],
    [
      'vlan own parent',
      'interfaces:\n  - name: vlan5\n    vlan: { parent: vlan5, id: 5 }\n',
      3,
      21,
      'interfaces[0].vlan.parent',
      /its own parent/,
    ],
    [
      'vlan id',
      'interfaces:\n  - name: wm0\n  - name: vlan0\n    vlan: { parent: wm0, id: 4095 }\n',
      4,
      30,
      'interfaces[1].vlan.id',
      /at most 4094/,
    ],
    [
      'vlan id twice',
      'interfaces:\n  - name: wm0\n  - name: vlan5\n    vlan: { parent: wm0, id: 5 }\n  - name: vlan6\n    vlan: { parent: wm0, id: 5 }\n',
      6,
      30,
      'interfaces[2].vlan.id',
      /vlan 5 on wm0 already exists \(interfaces\[1\], line 3\)/,
    ],
    [
      'vlan mtu',
      'interfaces:\n  - name: wm0\n  - name: vlan5\n    mtu: 9000\n    vlan: { parent: wm0, id: 5 }\n',
      4,
      10,
      'interfaces[1].mtu',
      /larger than the parent wm0's mtu 1500/,
    ],
    [
      'route unknown dev',
      'interfaces:\n  - name: wm0\nroutes:\n  - { dst: 10.0.0.0/8, dev: wm1 }\n',
      4,
      29,
      'routes[0].dev',
      /no interface named 'wm1'/,
    ],
    [
      'route via family',
      'interfaces:\n  - name: wm0\nroutes:\n  - dst: 10.0.0.0/8\n    via: 2001:db8::1\n',
      5,
      10,
      'routes[0].via',
      /IPv6 gateway for an IPv4 prefix/,
    ],
    [
      'route default without via',
      'interfaces:\n  - name: wm0\nroutes:\n  - { dst: default, dev: wm0 }\n',
      4,
      12,
      'routes[0].dst',
      /'default' needs 'via'/,
    ],
    [
      'route host bits',
      'interfaces:\n  - name: wm0\nroutes:\n  - { dst: 10.0.0.1/8, dev: wm0 }\n',
      4,
      12,
      'routes[0].dst',
      /Invalid prefix for given prefix length.*10\.0\.0\.0\/8/,
    ],
    [
      'route bad dst',
      'interfaces:\n  - name: wm0\nroutes:\n  - { dst: 10.0.0.0/40, dev: wm0 }\n',
      4,
      12,
      'routes[0].dst',
      /is not a prefix/,
    ],
    [
      'route no nexthop',
      'interfaces:\n  - name: wm0\nroutes:\n  - { dst: 10.0.0.0/8 }\n',
      4,
      5,
      'routes[0]',
      /needs 'via' or 'dev'/,
    ],
    [
      'route blackhole via',
      'interfaces:\n  - name: wm0\nroutes:\n  - { dst: 10.0.0.0/8, type: blackhole, via: 192.0.2.1 }\n',
      4,
      46,
      'routes[0].via',
      /blackhole route has no gateway/,
    ],
    [
      'route type',
      'interfaces:\n  - name: wm0\nroutes:\n  - { dst: 10.0.0.0/8, type: drop }\n',
      4,
      30,
      'routes[0].type',
      /must be one of unicast, blackhole, unreachable, prohibit/,
    ],
    [
      'route metric',
      'interfaces:\n  - name: wm0\nroutes:\n  - { dst: 10.0.0.0/8, dev: wm0, metric: 5 }\n',
      4,
      34,
      'routes[0].metric',
      /unknown key 'metric'/,
    ],
    [
      'route duplicate',
      'interfaces:\n  - name: wm0\nroutes:\n  - { dst: 10.0.0.0/8, dev: wm0 }\n  - { dst: 10.0.0.0/8, via: 192.0.2.1 }\n',
      5,
      12,
      'routes[1].dst',
      /route already exists: 10\.0\.0\.0\/8 is also routes\[0\] at line 4/,
    ],
    [
      'route link-local via',
      'interfaces:\n  - name: wm0\nroutes:\n  - { dst: "::/0", via: "fe80::1" }\n',
      4,
      25,
      'routes[0].via',
      /needs 'dev'/,
    ],
    [
      'neighbor unknown dev',
      'interfaces:\n  - name: wm0\nneighbors:\n  - { address: 10.0.0.2, mac: 02:00:00:00:00:02, dev: wm9 }\n',
      4,
      55,
      'neighbors[0].dev',
      /no interface named 'wm9'/,
    ],
    [
      'neighbor prefix',
      'interfaces:\n  - name: wm0\nneighbors:\n  - { address: 10.0.0.2/32, mac: 02:00:00:00:00:02, dev: wm0 }\n',
      4,
      16,
      'neighbors[0].address',
      /not an IPv4 or IPv6 address/,
    ],
    [
      'neighbor mac missing',
      'interfaces:\n  - name: wm0\nneighbors:\n  - { address: 10.0.0.2, dev: wm0 }\n',
      4,
      5,
      'neighbors[0].mac',
      /is required/,
    ],
    [
      'neighbor duplicate',
      'interfaces:\n  - name: wm0\nneighbors:\n  - { address: 10.0.0.2, mac: 02:00:00:00:00:02, dev: wm0 }\n  - { address: 10.0.0.2, mac: 02:00:00:00:00:03, dev: wm0 }\n',
      5,
      16,
      'neighbors[1].address',
      /already a neighbor \(neighbors\[0\], line 4\)/,
    ],
    ['hashsize', 'interfaces:\n  - name: wm0\nipflow:\n  hashsize: 100\n', 4, 13, 'ipflow.hashsize', /power of two/],
    ['ipflow typo', 'interfaces:\n  - name: wm0\nipflow:\n  maxflow: 100\n', 4, 3, 'ipflow.maxflow', /unknown key/],
    ['arp typo', 'interfaces:\n  - name: wm0\narp:\n  reachable: 30\n', 4, 3, 'arp.reachable', /unknown key/],
    ['nd hold', 'interfaces:\n  - name: wm0\nnd: { hold: 0 }\n', 3, 13, 'nd.hold', /1/],
    [
      'icmp burst',
      'interfaces:\n  - name: wm0\nicmp: { ratelimit: 10, burst: 0 }\n',
      3,
      31,
      'icmp.burst',
      /at least 1 when ratelimit is set/,
    ],
    [
      'icmp echo burst',
      'interfaces:\n  - name: wm0\nicmp: { echo_burst: 0 }\n',
      3,
      21,
      'icmp.echo_burst',
      /at least 1 when echo_ratelimit is set/,
    ],
    ['icmp negative', 'interfaces:\n  - name: wm0\nicmp: { ratelimit: -1 }\n', 3, 20, 'icmp.ratelimit', /at least 0/],
    [
      'fastforward',
      'interfaces:\n  - name: wm0\nfastforward: 1\n',
      3,
      14,
      'fastforward',
      /expected true or false, got 1/,
    ],
    [
      'routes_file type',
      'interfaces:\n  - name: wm0\nroutes_file: [a]\n',
      3,
      14,
      'routes_file',
      /expected a string, got a list/,
    ],
  ];
  test.each(cases)('%s', (_name, text, line, col, field, detail) => {
    const e = err(text);
    expect({ line: e.line, col: e.col, field: e.field }).toEqual({ line, col, field });
    expect(e.detail).toMatch(detail);
    expect(e.message).toBe(`mp.yaml:${line}:${col}: ${field}: ${e.detail}`);
    expect(e.file).toBe('mp.yaml');
  });

  test('with several problems, the first in the file is reported', () => {
    const e = err('interfaces:\n  - name: wm0\n    mtu: 1\n    bogus: 1\n  - name: WM1\nicmp: { burst: x }\n');
    expect([e.line, e.field]).toEqual([3, 'interfaces[0].mtu']);
  });

  test('formatField', () => {
    expect(formatField([])).toBe('(root)');
    expect(formatField(['interfaces', 1, 'addresses', 0])).toBe('interfaces[1].addresses[0]');
  });

  test('random garbage YAML never throws anything but ConfigError', () => {
    const check = (text: string) => {
      try {
        cfg(text);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        expect(e.line).toBeGreaterThanOrEqual(1);
        expect(e.col).toBeGreaterThanOrEqual(1);
        expect(e.message).toMatch(/^mp\.yaml:\d+:\d+: \S.*: ./s);
      }
    };
    // Characters YAML gives meaning to, plus the words this schema knows.
    const unit = fc.oneof(
      fc.constantFrom(...': -[]{},#&*!|>\'"%@`?\n\n  \t'.split('')),
      fc.constantFrom(
        'interfaces',
        'name',
        'wm0',
        'vlan',
        'parent',
        'routes',
        'dst',
        'default',
        'via',
        'dev',
        'mac',
        'addresses',
        '10.0.0.1/8',
        '::',
        'true',
        '1500',
        '~',
        'null',
        '<<',
        '!!binary',
        '&a',
        '*a',
        '---',
        '...',
      ),
      fc.string({ maxLength: 3 }),
    );
    const soup = fc.array(unit, { maxLength: 60 }).map((a) => a.join(''));
    // A valid config with a few characters cut or inserted.
    const mutated = fc
      .tuple(fc.nat(FULL.length), fc.nat(8), fc.string({ maxLength: 4 }))
      .map(([at, cut, ins]) => FULL.slice(0, at) + ins + FULL.slice(at + cut));
    // Well-formed YAML with arbitrary values in the right places or anywhere.
    const value = fc.jsonValue({ maxDepth: 3 });
    const structured = fc.oneof(
      value.map((v) => stringify(v)),
      fc
        .record({
          interfaces: fc.array(
            fc.dictionary(fc.constantFrom('name', 'mac', 'mtu', 'addresses', 'vlan', 'rss', 'gen', 'x'), value),
            { maxLength: 3 },
          ),
        })
        .map((v) => stringify(v)),
      fc
        .tuple(fc.constantFrom('routes', 'neighbors', 'ipflow', 'icmp', 'routes_file', 'fastforward'), value)
        .map(([k, v]) => `interfaces: [{name: wm0}]\n${stringify({ [k]: v })}`),
    );
    fc.assert(fc.property(fc.oneof(soup, mutated, structured), check), { numRuns: 3000 });
  });

  test('alias bombs are refused, as ConfigError', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const e = err(lines.join('\n') + '\ninterfaces: [{name: wm0}]\n');
    expect([e.line, e.field]).toEqual([2, '(yaml)']);
    expect(e.detail).toMatch(/alias/i);
  });
});

describe('loadConfig and routes_file', () => {
  test('resolves routes_file next to the config and streams it, checking devs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpstack-cfg-'));
    try {
      mkdirSync(join(dir, 'tables'));
      writeFileSync(join(dir, 'mp.yaml'), 'interfaces:\n  - name: wm0\n  - name: wm1\nroutes_file: tables/full.txt\n');
      writeFileSync(
        join(dir, 'tables', 'full.txt'),
        '# t\n10.0.0.0/8 dev wm0\n2001:db8::/32 via 2001:db8:ffff::1 dev wm1\n',
      );
      const c = loadConfig(join(dir, 'mp.yaml'));
      expect(c.routesFile).toBe(join(dir, 'tables', 'full.txt'));
      const got: string[] = [];
      expect(streamRoutesFile(c, (r) => got.push(`${formatIP(r.dst)}/${r.plen} ${r.dev} ${r.line}`))).toBe(2);
      expect(got).toEqual(['10.0.0.0/8 wm0 2', '2001:db8::/32 wm1 3']);

      writeFileSync(join(dir, 'tables', 'full.txt'), '10.0.0.0/8 dev wm7\n');
      expect(() => streamRoutesFile(c, () => {})).toThrow(
        `${join(dir, 'tables', 'full.txt')}:1:16: dev: no interface named 'wm7'`,
      );

      writeFileSync(join(dir, 'bad.yaml'), 'interfaces:\n  - name: wm0\n    mtu: 0\n');
      expect(() => loadConfig(join(dir, 'bad.yaml'))).toThrow(
        `${join(dir, 'bad.yaml')}:3:10: interfaces[0].mtu: must be at least 68, got 0`,
      );
      expect(streamRoutesFile(cfg('interfaces: [{name: wm0}]'), () => {})).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('warnings: allowed but probably wrong', () => {
  test('subnets that overlap across interfaces', () => {
    const c = cfg(
      'interfaces:\n  - name: wm0\n    addresses: [192.0.2.1/24, fe80::1/64]\n  - name: wm1\n    addresses: [fe80::1/64, 192.0.2.129/25]\n',
    );
    expect(c.warnings).toEqual([
      'mp.yaml:5:29: interfaces[1].addresses[1]: subnet 192.0.2.128/25 of wm1 overlaps 192.0.2.0/24 of wm0 (interfaces[0].addresses[0], line 3)',
    ]);
    expect(
      cfg('interfaces:\n  - name: wm0\n    addresses: [192.0.2.1/25]\n  - name: wm1\n    addresses: [192.0.2.129/25]\n')
        .warnings,
    ).toEqual([]);
  });

  test("a static neighbor off its interface's subnets", () => {
    const c = cfg(`interfaces:
  - name: wm0
    addresses: [192.0.2.1/24, 2001:db8::1/64]
  - name: wm1
neighbors:
  - { address: 192.0.2.10, mac: 02:00:00:00:aa:10, dev: wm0 }
  - { address: 198.51.100.9, mac: 02:00:00:00:aa:11, dev: wm0 }
  - { address: fe80::9, mac: 02:00:00:00:aa:12, dev: wm0 }
  - { address: 2001:db8::9, mac: 02:00:00:00:aa:13, dev: wm1 }
`);
    expect(c.warnings).toEqual([
      'mp.yaml:7:16: neighbors[1].address: 198.51.100.9 is not on a subnet of wm0 (it has only 192.0.2.0/24): this entry will never be used',
      'mp.yaml:9:16: neighbors[3].address: 2001:db8::9 is not on a subnet of wm1 (it has no IPv6 subnet): this entry will never be used',
    ]);
  });
});

describe('driver sub-objects (gen:, pcap:): errors name the file, line and field', () => {
  const ifc = (text: string) => cfg(text).interfaces[1]!;
  test('gen', () => {
    const text = 'interfaces:\n  - name: wm0\n  - name: wm1\n    driver: gen\n    gen: { flows: 0, rate: 10 }\n';
    expect(() => parseGen(ifc(text))).toThrow(
      new ConfigError('mp.yaml', 5, 19, 'interfaces[1].gen.flows', 'must be an integer from 1 to 65536, not 0'),
    );
    expect(() => parseGen(ifc(text.replace('flows: 0', 'flws: 3')))).toThrow(
      "mp.yaml:5:18: interfaces[1].gen.flws: unknown key 'flws'",
    );
    expect(() => parseGen(ifc(text.replace('flows: 0', 'src: 10.0.0.0/8, dst: "2001:db8::/64"')))).toThrow(
      'mp.yaml:5:34: interfaces[1].gen.dst: src and dst must be of one address family',
    );
    expect(() => parseGen(ifc(text.replace('flows: 0', 'src_mac: "02:00:00:00:00:01"')))).toThrow(
      'interfaces[1].gen.src_mac: src_mac, dst_mac and macs go together',
    );
    expect(() =>
      parseGen(ifc(text.replace('flows: 0', 'src_mac: "nope", dst_mac: "02:00:00:00:00:02", macs: 4'))),
    ).toThrow("interfaces[1].gen.src_mac: 'nope' is not a MAC address");
  });

  test('pcap, and a missing capture names the field', () => {
    const text =
      'interfaces:\n  - name: wm0\n  - name: wm1\n    driver: pcap\n    pcap:\n      in: nowhere.pcap\n      loop: 3\n';
    const c = parseConfig(text, 'mp.yaml', '/etc/mpstack');
    expect(() => pcapSource(c, c.interfaces[1]!)).toThrow(
      'mp.yaml:7:13: interfaces[1].pcap.loop: must be true or false',
    );
    const c2 = parseConfig(text.replace('      loop: 3\n', ''), 'mp.yaml', '/etc/mpstack');
    expect(() => pcapSource(c2, c2.interfaces[1]!)).toThrow(
      `mp.yaml:6:11: interfaces[1].pcap.in: ${join(process.cwd(), 'nowhere.pcap')}: no such file`,
    );
    const c3 = parseConfig('interfaces:\n  - name: wm0\n    driver: pcap\n    pcap: {}\n', 'mp.yaml', '/etc/mpstack');
    expect(() => pcapSource(c3, c3.interfaces[0]!)).toThrow('mp.yaml:4:11: interfaces[0].pcap: give `in:`');
  });
});
