// Checks assembly/layout/ against itself: the layouts are drawn once, in comments and constants, and
// this file holds them to what the drawings promise (STYLE 6; VPP's static asserts in C).
//
// For every structure: each field lies inside PREFIX_SIZE, sits at its natural alignment (Atomics
// fault on a misaligned word, and the u64 counters are read as aligned (lo, hi) pairs) and overlaps no
// other field; SIZE keeps an array of the structure aligned; a structure that sits next to one another
// CPU writes (per-CPU and per-queue state, lock words) fills whole cache lines, so two CPUs never write
// one line. Then the value sets (flags are distinct bits, enumerations distinct values) and the
// relations the comments state between constants (MAX_FRAME = BUF_SIZE - BUF_HEADROOM, ...). Last,
// every exported name must be described here, so a new field cannot skip the check.
//
// planLayout (ts/stack/memory-plan.ts) calls assertLayout() before it places anything; the unit test
// beside this file also feeds it broken layouts.
import * as Layout from '../../assembly/layout.js';

/** Field shapes: [bytes, alignment]. */
const U8: Shape = [1, 1];
const U16: Shape = [2, 2];
const U32: Shape = [4, 4];
const U64: Shape = [8, 8];
/** A MAC address: 6 bytes, read as a u16 and a u32. */
const MAC: Shape = [6, 2];
/** An IPv6 address or a 4-word key: 16 bytes, read as u32 words. */
const ADDR: Shape = [16, 4];
type Shape = readonly [bytes: number, align: number];

interface Struct {
  /** prefix of the field names, e.g. 'PD_' */
  prefix: string;
  /** the size constant: PREFIX_SIZE unless named (for a header followed by an array, the header's size) */
  size?: string;
  /** SIZE must be a whole number of cache lines (ALIGN): other CPUs write the neighbouring instance */
  line?: boolean;
  /** field name without the prefix -> shape, or a function of the layout for arrays sized by a constant */
  fields: Record<string, Shape | ((l: LayoutValues) => Shape)>;
  /** names under the prefix that are not fields: limits, values of a field */
  other?: string[];
}

/** The layout module's exports: name -> value. */
export type LayoutValues = Readonly<Record<string, number>>;

const STRUCTS: Struct[] = [
  // pktdesc.ts
  {
    prefix: 'PD_',
    fields: {
      BUF: U32,
      LEN: U16,
      RXIF: U16,
      RSS: U32,
      QUEUE: U16,
      PATH: U8,
      REASON: U8,
      TXIF: U16,
      NTX: U16,
      TXFIRST: U32,
      NH: U32,
      HTYPE: U8,
    },
  },
  { prefix: 'TX_', fields: { BUF: U32, LEN: U16, IF: U16 } },
  // cpu.ts
  { prefix: 'IFC_', line: true, fields: { IPKTS: U64, IBYTES: U64, OPKTS: U64, OBYTES: U64, IDROPS: U64 } },
  {
    prefix: 'CTX_',
    line: true,
    fields: {
      IFNET: U32,
      NIF: U32,
      NH: U32,
      RT4: U32,
      RT6: U32,
      NBR: U32,
      FLOW: U32,
      CNT: U32,
      PD: U32,
      TX: U32,
      TXCAP: U32,
      NTX: U32,
      FREE: U32,
      GEN: U32,
      OPTS: U32,
      ICMP_PPS: U32,
      ICMP_BURST: U32,
      ICMP_TOKENS: U32,
      ICMP_LAST: U32,
      ICMP6_TOKENS: U32,
      ICMP6_LAST: U32,
      IPID: U32,
      NOW: U32,
      FIB4: U32,
      IFCNT: U32,
      FIB6: U32,
      POOL: U32,
      WARM: U32,
      NEV: U32,
      LAF: U32,
      ENCAP: U32,
      SCRATCH: (l) => [l.TOE_MAX_INPUT!, 4],
      ECHO_PPS: U32,
      ECHO_BURST: U32,
      ECHO_TOKENS: U32,
      ECHO_LAST: U32,
      ECHO6_TOKENS: U32,
      ECHO6_LAST: U32,
    },
  },
  // ifnet.ts
  {
    prefix: 'IF_',
    fields: {
      FLAGS: U32,
      MTU: U32,
      MAC: MAC,
      VID: U16,
      PARENT: U32,
      NQUEUES: U32,
      RSSTAB: U32,
      RETA: U32,
      ADDR4: U32,
      VLANMAP: U32,
      ADDR6: ADDR,
      LL6: ADDR,
      BRIDGE: U32,
      BRSC: U32,
      GIF_SRC: ADDR,
      GIF_DST: ADDR,
      GIF_TTL: U32,
      GIF_PMTU: U32,
      GIF_PMTU_AT: U32,
    },
  },
  // route.ts
  { prefix: 'NH_', fields: { FLAGS: U32, IFINDEX: U32, GW: ADDR, MTU: U32, REFS: U32, NBR: U32 } },
  { prefix: 'RN_', fields: { KEY: ADDR, PLEN: U32, NH: U32, CHILD0: U32, CHILD1: U32 } },
  { prefix: 'RH_', fields: { ROOT: U32, ROUTES: U32, NODES: U32, POOL: U32, BITS: U32 } },
  {
    prefix: 'NP_',
    fields: { BASE: U32, CAP: U32, NEXT: U32, FREE: U32, LIMBO: U32, INUSE: U32, LIMBO_COUNT: U32 },
  },
  // fib4.ts, fib6.ts
  {
    prefix: 'F4_',
    line: true,
    fields: { TBL24: U32, TBL8: U32, GROUPS: U32, FREE: U32, NFREE: U32, LIMBO: U32, NLIMBO: U32, RT: U32 },
    other: ['EXT', 'MAX_NH'],
  },
  {
    prefix: 'F6_',
    fields: { TBL16: U32, HASH: U32, SLOTS: U32, RT: U32, F24: U32 },
    other: ['TOMB', 'RADIX', 'NH_MASK', 'LEN_MASK', 'ROUTE_SHIFT'],
  },
  { prefix: 'F6E_', fields: { TAG: U32, VAL: U32, K0: U32, K1: U32 } },
  // nbr.ts
  { prefix: 'NBH_', line: true, fields: { CAP: U32, COUNT: U32, TOMBS: U32 } },
  { prefix: 'NB_', fields: { KEY: ADDR, IF: U32, STATE: U32, MAC: MAC, USED: U8 } },
  // bridge.ts: the softc's header (its port slots follow, BR_BYTES in all) and the FDB entry
  {
    prefix: 'BR_',
    line: true,
    fields: { IFINDEX: U32, MEMBERS: U32, FDB: U32, MASK: U32, MAXADDR: U32, TIMEOUT: U32, COUNT: U32 },
    other: ['MAXPORTS', 'BYTES', 'FLOOD_BATCH'],
  },
  { prefix: 'BRP_', fields: { LINK: (l) => [l.PSLE_SIZE!, 4], IFINDEX: U32, FLAGS: U32 } },
  { prefix: 'FDB_', fields: { SEQ: U32, MAC: MAC, PORT: U16, SEEN: U32 }, other: ['PROBE', 'GEN_ONE'] },
  // nev.ts: a slot is its header (up to NEV_SIZE) and the packet bytes
  { prefix: 'NEVR_', line: true, fields: { HEAD: U32, SLOTS: U32, SLOT_BYTES: U32, TAIL: U32 } },
  {
    prefix: 'NEV_',
    other: ['DATA'],
    fields: { KIND: U8, FLAGS: U8, LEN: U16, IF: U32, ADDR: ADDR, MAC: MAC, FRAME: U16, RXIF: U16 },
  },
  // ipflow.ts
  {
    prefix: 'FT_',
    line: true,
    fields: {
      HASHSIZE: U32,
      MAX: U32,
      INUSE: U32,
      LRU_HEAD: U32,
      LRU_TAIL: U32,
      FREE: U32,
      BUCKETS: U32,
      ENTRIES: U32,
      GEN: U32,
      IDLE_MS: U32,
    },
  },
  {
    prefix: 'FE_',
    fields: {
      SRC: ADDR,
      DST: ADDR,
      TOS: U32,
      NH: U32,
      TXIF: U32,
      MTU: U32,
      DMAC: MAC,
      ETH: [12, 4],
      LAST: U32,
      USES: U32,
      HNEXT: U32,
      LPREV: U32,
      LNEXT: U32,
      BUCKET: U32,
    },
    other: ['V6'],
  },
  // buffers.ts
  {
    prefix: 'MB_',
    line: true,
    fields: { LOCK: U32, COUNT: U32, CAP: U32, BASE: U32, CONTENDED: U32, EMPTY: U32 },
    other: ['BULK'],
  },
  {
    prefix: 'RXR_',
    line: true,
    fields: {
      NSLOT: U32,
      HW: U32,
      SW: U32,
      MISSED: U32,
      NOBUFS: U32,
      IF: U32,
      QUEUE: U32,
      PRODUCER: U32,
      DIRECT: U32,
      POLLED: U32,
      POLLER: U32,
      PAUSES: U32,
      WARM: U32,
    },
  },
  { prefix: 'RXD_', fields: { BUF: U32, LEN: U16, DONE: U16, RSS: U32, HTYPE: U32 } },
  { prefix: 'PQ_', line: true, fields: { NSLOT: U32, HEAD: U32, TAIL: U32, DROPS: U32 } },
  { prefix: 'PQE_', fields: { BUF: U32, LEN: U16, IF: U16, RSS: U32, HTYPE: U16, QUEUE: U16 } },
  {
    prefix: 'TXR_',
    line: true,
    fields: {
      LOCK: U32,
      CONTENDED: U32,
      NSLOT: U32,
      HEAD: U32,
      TAIL: U32,
      DROPS: U32,
      FRAMES: U64,
      BYTES: U64,
      LINK: U32,
      SENT: U32,
      FD: U32,
      SENDER: U32,
      DIRECT: U32,
      DIRECT_ERRORS: U32,
    },
  },
  { prefix: 'TXD_', fields: { BUF: U32, LEN: U16, OFF: U16 } },
  { prefix: 'TXM_', fields: { RING: U32, NRING: U32, STRIDE: U32 } },
  // machine.ts
  {
    prefix: 'VT_',
    line: true,
    fields: {
      IF: U32,
      QUEUE: U32,
      CPU: U32,
      OWNER: U32,
      MODE: U32,
      FLAGS: U32,
      BUDGET: U32,
      COUNTS: (l) => [4 * l.VT_MAXCPU!, 4],
    },
    other: ['MAXCPU'],
  },
  {
    prefix: 'QS_',
    line: true,
    fields: {
      TMPL: U32,
      COUNT: U32,
      LEN: U32,
      STRIDE: U32,
      SEQ: U32,
      RATE: U32,
      TOKENS: U32,
      LAST: U32,
      FRAMES: U64,
      BYTES: U64,
      SINCE: U32,
      MOD_FRAMES: U32,
      MOD_USECS: U32,
      LIMIT: U32,
      RXR: U32,
      TXR: U32,
      FLAGS: U32,
      HASHES: U32,
      GENBUSY: U32,
      GENSTALLS: U32,
      GENSTALL_US: U32,
    },
  },
  {
    prefix: 'MP_',
    line: true,
    fields: { STOP: U32, NCPU: U32, NVEC: U32, RUNNING: U32, DOORBELL: U32, TXBELL: U32, TAPS: U32 },
  },
  // sync.ts: the pserialize header ends where CPU 0's slot begins
  {
    prefix: 'PSZ_',
    size: 'PSZ_SLOTS',
    line: true,
    fields: { EPOCH: U32, NCPU: U32 },
    other: ['MAXCPU', 'SLOT_SIZE', 'SIZE'],
  },
  {
    prefix: 'PSC_',
    size: 'PSZ_SLOT_SIZE',
    line: true,
    fields: { STATE: U32, NEST: U32, ERRORS: U32 },
    other: ['INSIDE', 'WAITER', 'SEQ_ONE'],
  },
  {
    prefix: 'PRC_',
    line: true,
    fields: { NCPU: U32, CAP: U32, STRIDE: U32, COUNTS: U32, FREE: U32, NFREE: U32, NEXT: U32, ERRORS: U32 },
  },
  {
    prefix: 'PSRT_',
    fields: { CLASS: U32, INDEX: U32, STATE: U32 },
    other: ['DEAD', 'LIVE', 'DRAINING'],
  },
  { prefix: 'PSLH_', fields: { FIRST: U32 } },
  { prefix: 'PSLE_', fields: { NEXT: U32, PREVP: U32 } },
  // capture.ts: a slot is its header (up to CRS_DATA) and the frame bytes
  {
    prefix: 'CR_',
    line: true,
    fields: { HEAD: U32, TAIL: U32, SLOTS: U32, SLOT_BYTES: U32, OVERRUNS: U32, IF: U32, DIR: U32 },
  },
  { prefix: 'CRS_', size: 'CRS_DATA', fields: { LEN: U32, SEC: U32, NSEC: U32, DIR: U32 } },
  // probe.ts: the header, the queue table, the flow records (8-aligned), the histograms; the stamp's
  // words are u16 (it starts at any even offset of a frame)
  {
    prefix: 'PRB_',
    fields: {
      IF: U32,
      QUEUES: U32,
      FLOWS: U32,
      BUCKETS: U32,
      FOREIGN: (l) => [l['PRB_MAXCPU']! * 4, 4],
    },
    other: ['MAXCPU'],
  },
  { prefix: 'PRQ_', fields: { COUNT: U32, FIRST: U32, SEQ0: U32, HIST: U32 } },
  {
    prefix: 'PRF_',
    fields: {
      NEXT: U32,
      WINDOW: U32,
      RECEIVED: U32,
      REORDERED: U32,
      DUPLICATES: U32,
      LATE: U32,
      LAT_MIN: U32,
      LAT_MAX: U32,
      LAT_SUM: U64,
    },
  },
  { prefix: 'PRS_', fields: { QUEUE: U16, J: [4, 2], US: [4, 2], FIX: U16 } },
  // encap.ts: the header, then ENC_MAX entries
  { prefix: 'ENC_', fields: { CAP: U32, HWM: U32 }, other: ['MAX'] },
  {
    prefix: 'ENCE_',
    fields: { STATE: U32, IF: U32, AF: U8, PROTO: U8, SPLEN: U8, DPLEN: U8, SRC: ADDR, DST: ADDR },
  },
];

/** Flag sets: each value one bit, no two alike. */
const FLAGS: Record<string, string[]> = {
  IFF_: [
    'EXISTS',
    'UP',
    'VLAN',
    'RSS_UDP4',
    'RSS_UDP6',
    'HAS_ADDR6',
    'HAS_LL6',
    'NOREDIRECT',
    'DIRBCAST',
    'RPF_STRICT',
    'RPF_LOOSE',
    'BRIDGE',
    'BRPORT',
    'GIF',
    'GIF_TUNNEL',
    'GIF_V6',
  ],
  NHF_: ['VALID', 'GATEWAY', 'LOCAL', 'BROADCAST', 'REJECT', 'BLACKHOLE', 'V6', 'PROHIBIT'],
  OPT_: ['FASTFWD', 'ICMP', 'FIBWARM', 'SRCRT'],
  NEVF_: ['MAC', 'REQUEST', 'TARGET_OURS', 'ROUTER', 'SOLICITED', 'OVERRIDE'],
  VTF_: ['DISABLED', 'LINK'],
  QSF_: ['PACED', 'LINK', 'GENTHREAD'],
  CRD_: ['IN', 'OUT'],
  FDBF_: ['BUSY', 'VALID', 'STATIC'],
  ENCP_: ['IPV4', 'IPV6'],
};

/** Enumerations: no two values alike. */
const ENUMS: Record<string, string[]> = {
  PATH_: ['DROP', 'FAST', 'NORMAL', 'LOCAL', 'BRIDGE'],
  HT_: ['NONE', 'IPV4', 'TCP4', 'UDP4', 'IPV6', 'TCP6', 'UDP6'],
  NBS_: ['EMPTY', 'VALID', 'TOMB', 'LIMBO'],
  NEVK_: ['MISS4', 'MISS6', 'ARP', 'NS', 'NA', 'TX', 'UNREACH4', 'UNREACH6'],
  VTM_: ['INTR', 'POLL'],
  ENCS_: ['FREE', 'LIVE'],
};

/** Names outside any structure or value set; NBS_V6 is a bit or-ed onto a state. */
const LONE = [
  'LAYOUT_BASE',
  'ALIGN',
  'POISON',
  'BUF_SIZE',
  'BUF_HEADROOM',
  'MAX_FRAME',
  'TOE_KEY_LEN',
  'TOE_MAX_INPUT',
  'TOE_TABLE_SIZE',
  'RETA_SIZE',
  'RT_WALK_REC',
  'LAF_BYTES',
  'NBS_V6',
  'R_COUNT',
  'C_REASON_BASE',
  'C_COUNT',
  'GIF_TTL',
  'GIF_MTU',
  'GIF_PMTU_EXPIRE_MS',
  'GIF_PMTU_MIN',
  'GIF_NEST_MAX',
  'PRH_BUCKETS',
];

/**
 * Every violation of the layout's promises, one line each ("PD_HTYPE: ..."); empty when the layout
 * holds. `l` is the layout module's exports (a test passes a doctored copy).
 */
export function checkLayout(l: LayoutValues = Layout as unknown as LayoutValues): string[] {
  const out: string[] = [];
  const claimed = new Set<string>();
  const v = (name: string): number => {
    claimed.add(name);
    const x = l[name];
    if (typeof x !== 'number' || !Number.isInteger(x)) {
      out.push(`${name}: not an integer constant of the layout`);
      return NaN;
    }
    return x;
  };
  const need = (ok: boolean, what: string): void => {
    if (!ok) out.push(what);
  };
  const ALIGN = v('ALIGN');

  for (const s of STRUCTS) {
    const sizeName = s.size ?? `${s.prefix}SIZE`;
    const size = v(sizeName);
    const spans: { name: string; at: number; end: number }[] = [];
    let maxAlign = 1;
    for (const [f, shapeOf] of Object.entries(s.fields)) {
      const name = s.prefix + f;
      const at = v(name);
      const [bytes, align] = typeof shapeOf === 'function' ? shapeOf(l) : shapeOf;
      maxAlign = Math.max(maxAlign, align);
      need(at % align === 0, `${name}: offset ${at} is not ${align}-byte aligned`);
      need(at >= 0 && at + bytes <= size, `${name}: bytes ${at}..${at + bytes} end past ${sizeName} = ${size}`);
      spans.push({ name, at, end: at + bytes });
    }
    spans.sort((a, b) => a.at - b.at);
    for (let i = 1; i < spans.length; i++) {
      const [a, b] = [spans[i - 1]!, spans[i]!];
      need(b.at >= a.end, `${b.name}: offset ${b.at} overlaps ${a.name} (bytes ${a.at}..${a.end})`);
    }
    need(size % maxAlign === 0, `${sizeName}: ${size} is not a multiple of its widest field's alignment ${maxAlign}`);
    if (s.line) need(size % ALIGN === 0, `${sizeName}: ${size} is not a whole number of cache lines (${ALIGN})`);
    for (const o of s.other ?? []) v(s.prefix + o);
  }

  for (const [prefix, names] of Object.entries(FLAGS)) {
    let seen = 0;
    for (const n of names) {
      const bit = v(prefix + n);
      need(bit > 0 && (bit & (bit - 1)) === 0, `${prefix + n}: ${bit} is not a single bit`);
      need((seen & bit) === 0, `${prefix + n}: bit ${bit} used twice in ${prefix}*`);
      seen |= bit;
    }
  }
  for (const [prefix, names] of Object.entries(ENUMS)) {
    const seen = new Map<number, string>();
    for (const n of names) {
      const val = v(prefix + n);
      const other = seen.get(val);
      need(other === undefined, `${prefix + n}: value ${val} is also ${other}`);
      seen.set(val, prefix + n);
    }
  }

  // The relations the comments state.
  need(v('LAYOUT_BASE') % ALIGN === 0, `LAYOUT_BASE: ${v('LAYOUT_BASE')} is not a multiple of ALIGN`);
  need(ALIGN >= 64 && (ALIGN & (ALIGN - 1)) === 0, `ALIGN: ${ALIGN} is not a power of two of at least a cache line`);
  need(v('BUF_SIZE') % ALIGN === 0, `BUF_SIZE: ${v('BUF_SIZE')} is not a whole number of cache lines`);
  need(v('BUF_HEADROOM') >= 4 && v('BUF_HEADROOM') % 4 === 0, 'BUF_HEADROOM: no room for an 802.1Q tag');
  need(v('MAX_FRAME') === v('BUF_SIZE') - v('BUF_HEADROOM'), 'MAX_FRAME: not BUF_SIZE - BUF_HEADROOM');
  need(v('TOE_TABLE_SIZE') === v('TOE_MAX_INPUT') * 256 * 4, 'TOE_TABLE_SIZE: not TOE_MAX_INPUT * 256 * 4');
  need(v('TOE_KEY_LEN') >= v('TOE_MAX_INPUT') + 4, 'TOE_KEY_LEN: shorter than TOE_MAX_INPUT + 4 bytes');
  need(v('RT_WALK_REC') >= 24 && v('RT_WALK_REC') % 4 === 0, 'RT_WALK_REC: no room for key (16), plen, nh');
  need(v('F4_MAX_NH') === v('F4_EXT') - 1, 'F4_MAX_NH: not F4_EXT - 1');
  need(v('F6_NH_MASK') === 0xffffff && v('F6_RADIX') <= 0xff, 'F6_NH_MASK/F6_RADIX: an entry is 24 + 8 bits');
  need(
    v('PSZ_SIZE') === v('PSZ_SLOTS') + v('PSZ_MAXCPU') * v('PSZ_SLOT_SIZE'),
    'PSZ_SIZE: not PSZ_SLOTS + PSZ_MAXCPU * PSZ_SLOT_SIZE',
  );
  need(
    (v('PSC_INSIDE') | v('PSC_WAITER')) < v('PSC_SEQ_ONE') && (v('PSC_INSIDE') & v('PSC_WAITER')) === 0,
    'PSC_INSIDE/PSC_WAITER: the state bits must be distinct and below PSC_SEQ_ONE',
  );
  const [waiter, count] = [v('PSREF_WAITER'), v('PSREF_COUNT')];
  need(
    (waiter & count) === 0 && (waiter | count) >>> 0 === 0xffffffff,
    'PSREF_WAITER/PSREF_COUNT: must split the 32-bit count word',
  );
  const states = [v('PSRT_DEAD'), v('PSRT_LIVE'), v('PSRT_DRAINING')];
  need(new Set(states).size === 3, 'PSRT_DEAD/LIVE/DRAINING: two states share a value');
  need(
    v('BR_BYTES') === v('BR_SIZE') + v('BR_MAXPORTS') * v('BRP_SIZE') && v('BR_BYTES') % ALIGN === 0,
    'BR_BYTES: not BR_SIZE + BR_MAXPORTS * BRP_SIZE in whole cache lines',
  );
  need(
    v('FDB_GEN_ONE') > (v('FDBF_BUSY') | v('FDBF_VALID') | v('FDBF_STATIC')),
    'FDB_GEN_ONE: the generation must sit above the FDBF_ bits',
  );
  need(v('FDB_MAC') === 4 && v('FDB_PORT') === 10, 'FDB_MAC/FDB_PORT: read as the two atomic words at 4 and 8');
  const v6 = v('NBS_V6');
  need(
    v6 > Math.max(v('NBS_EMPTY'), v('NBS_VALID'), v('NBS_TOMB')) && (v6 & (v6 - 1)) === 0,
    'NBS_V6: must be a bit above every state',
  );

  // Drop reasons: 0 .. R_COUNT - 1, each once (ts/stack/reasons.ts names them in this order), and
  // their counters after the plain ones, inside u64[C_COUNT].
  const rCount = v('R_COUNT');
  const reasons = Object.keys(l).filter((n) => n.startsWith('R_') && n !== 'R_COUNT');
  const rValues = new Set(reasons.map((n) => v(n)));
  need(
    rValues.size === reasons.length && reasons.every((n) => l[n]! >= 0 && l[n]! < rCount) && rValues.size === rCount,
    `R_*: not the values 0 .. R_COUNT - 1 (${rCount}), each once`,
  );
  const base = v('C_REASON_BASE');
  need(base + rCount <= v('C_COUNT'), 'C_COUNT: no room for C_REASON_BASE + R_COUNT counters');
  const counters = Object.keys(l).filter((n) => n.startsWith('C_') && n !== 'C_REASON_BASE' && n !== 'C_COUNT');
  const cValues = new Set(counters.map((n) => v(n)));
  need(cValues.size === counters.length, 'C_*: two counters share an index');
  for (const n of counters) need(l[n]! >= 0 && l[n]! < base, `${n}: index ${l[n]} not below C_REASON_BASE (${base})`);

  for (const n of LONE) v(n);
  for (const n of Object.keys(l)) {
    if (!claimed.has(n)) {
      out.push(`${n}: not described in ts/stack/layout-check.ts (add it to its structure or value set)`);
    }
  }
  return out;
}

let checked = false;

/** Throws, listing every violation, when the layout breaks its promises; checks once per thread. */
export function assertLayout(): void {
  if (checked) return;
  const v = checkLayout();
  if (v.length > 0) throw new Error(`assembly/layout/ is inconsistent:\n  ${v.join('\n  ')}`);
  checked = true;
}
