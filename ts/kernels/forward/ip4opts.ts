// TS twin of assembly/forward/ip4opts.ts (IPv4 options on the forwarding path: the option layout,
// the two passes, their verdicts and the RFC clauses are described there).
import {
  CTX_OPTS,
  CTX_NH,
  CTX_IFNET,
  OPT_SRCRT,
  NH_SIZE,
  NH_FLAGS,
  NHF_LOCAL,
  NHF_GATEWAY,
  NHF_BROADCAST,
  NHF_REJECT,
  NHF_BLACKHOLE,
  NH_IFINDEX,
  IF_SIZE,
  IF_ADDR4,
  R_IP_OPTIONS,
  R_SRCRT,
} from '../../../assembly/layout.js';
import { type Mem, ld8, ld32, st8, st16be, st32be, ld32be } from '../util/mem.js';
import { in_cksum } from '../wire/cksum.js';
import { route4 } from '../fib/route.js';
import { icmp4_error, ICMP_PARAMPROB, ICMP_UNREACH, ICMP_UNREACH_SRCFAIL } from './icmp.js';

export const IPOPT_EOL = 0;
export const IPOPT_NOP = 1;
export const IPOPT_RR = 7;
export const IPOPT_TS = 68;
export const IPOPT_LSRR = 131;
export const IPOPT_SSRR = 137;
export const IPOPT_RA = 148;
export const IPOPT_TS_TSONLY = 0;
export const IPOPT_TS_TSANDADDR = 1;
export const IPOPT_TS_PRESPEC = 3;

/** Set by ip4_opts_input: the datagram carries a source route option (no redirect). */
export const ip4opts = { srcrt: false };

function opts_bad(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  iplen: number,
  rxif: number,
  l2mc: boolean,
  ptr: number,
): number {
  if (!l2mc) icmp4_error(m, ctx, pd, l3, iplen, rxif, ICMP_PARAMPROB, 0, ptr << 24);
  return R_IP_OPTIONS;
}

export function ip4_opts_input(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  hlen: number,
  iplen: number,
  rxif: number,
  l2mc: boolean,
): number {
  ip4opts.srcrt = false;
  let sr = 0;
  let i = 20;
  while (i < hlen) {
    const t = ld8(m, l3 + i);
    if (t === IPOPT_EOL) break;
    if (t === IPOPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= hlen) return opts_bad(m, ctx, pd, l3, iplen, rxif, l2mc, i);
    const ol = ld8(m, l3 + i + 1);
    if (ol < 2 || i + ol > hlen) return opts_bad(m, ctx, pd, l3, iplen, rxif, l2mc, i + 1);
    if (t === IPOPT_RR || t === IPOPT_LSRR || t === IPOPT_SSRR) {
      if (ol < 3) return opts_bad(m, ctx, pd, l3, iplen, rxif, l2mc, i + 1);
      const p = ld8(m, l3 + i + 2);
      if (p < 4 || (p <= ol && p + 3 > ol)) return opts_bad(m, ctx, pd, l3, iplen, rxif, l2mc, i + 2);
      if (t !== IPOPT_RR) {
        if ((ld32(m, ctx + CTX_OPTS) & OPT_SRCRT) === 0) return opts_srcfail(m, ctx, pd, l3, iplen, rxif, l2mc);
        if (!ip4opts.srcrt) sr = i;
        ip4opts.srcrt = true;
      }
    } else if (t === IPOPT_TS) {
      if (ol < 4) return opts_bad(m, ctx, pd, l3, iplen, rxif, l2mc, i + 1);
      const p = ld8(m, l3 + i + 2);
      if (p < 5) return opts_bad(m, ctx, pd, l3, iplen, rxif, l2mc, i + 2);
      const fb = ld8(m, l3 + i + 3);
      const fl = fb & 15;
      if (fl !== IPOPT_TS_TSONLY && fl !== IPOPT_TS_TSANDADDR && fl !== IPOPT_TS_PRESPEC) {
        return opts_bad(m, ctx, pd, l3, iplen, rxif, l2mc, i + 3);
      }
      const slot = fl === IPOPT_TS_TSONLY ? 4 : 8;
      if (p <= ol) {
        if (p + slot - 1 > ol) return opts_bad(m, ctx, pd, l3, iplen, rxif, l2mc, i + 2);
      } else if (fb >> 4 === 15) {
        return opts_bad(m, ctx, pd, l3, iplen, rxif, l2mc, i + 3);
      }
    } else if (t === IPOPT_RA) {
      if (ol !== 4) return opts_bad(m, ctx, pd, l3, iplen, rxif, l2mc, i + 1);
    }
    i += ol;
  }
  if (sr !== 0 && !opts_srcroute(m, ctx, l3, hlen, sr, ld8(m, l3 + sr) === IPOPT_SSRR)) {
    return opts_srcfail(m, ctx, pd, l3, iplen, rxif, l2mc);
  }
  return 0;
}

function opts_srcfail(m: Mem, ctx: number, pd: number, l3: number, iplen: number, rxif: number, l2mc: boolean): number {
  if (!l2mc) icmp4_error(m, ctx, pd, l3, iplen, rxif, ICMP_UNREACH, ICMP_UNREACH_SRCFAIL, 0);
  return R_SRCRT;
}

function srcrt_martian(a: number): boolean {
  const a8 = a >>> 24;
  return a8 === 0 || a8 === 127 || a8 >= 224;
}

/** Follows a source route (see the AS twin): false when it cannot be followed. */
function opts_srcroute(m: Mem, ctx: number, l3: number, hlen: number, i: number, strict: boolean): boolean {
  const nht = ld32(m, ctx + CTX_NH);
  const dnh = route4(m, ctx, ld32be(m, l3 + 16));
  if (dnh === 0 || (ld32(m, nht + dnh * NH_SIZE + NH_FLAGS) & NHF_LOCAL) === 0) return !strict;
  const o = l3 + i;
  const ol = ld8(m, o + 1);
  let p = ld8(m, o + 2);
  let nh = 0;
  let next = 0;
  while (p <= ol) {
    next = ld32be(m, o + p - 1);
    if (srcrt_martian(next)) return false;
    nh = route4(m, ctx, next);
    if (nh === 0) return false;
    if ((ld32(m, nht + nh * NH_SIZE + NH_FLAGS) & NHF_LOCAL) === 0) break;
    p += 4;
  }
  if (p > ol) {
    if (p !== ld8(m, o + 2)) {
      st8(m, o + 2, p);
      opts_cksum(m, l3, hlen);
    }
    return true;
  }
  const np = nht + nh * NH_SIZE;
  const fl = ld32(m, np + NH_FLAGS);
  if (fl & (NHF_BROADCAST | NHF_REJECT | NHF_BLACKHOLE)) return false;
  if (strict && (fl & NHF_GATEWAY) !== 0) return false;
  const me = ld32(m, ld32(m, ctx + CTX_IFNET) + ld32(m, np + NH_IFINDEX) * IF_SIZE + IF_ADDR4);
  if (me === 0) return false;
  st32be(m, o + p - 1, me);
  st8(m, o + 2, p + 4);
  st32be(m, l3 + 16, next);
  opts_cksum(m, l3, hlen);
  return true;
}

function opts_cksum(m: Mem, l3: number, hlen: number): void {
  st16be(m, l3 + 10, 0);
  st16be(m, l3 + 10, in_cksum(m, l3, hlen));
}

function ip4_opts_time(now: number): number {
  return ((now & 0x7fffffff) | 0x80000000) >>> 0;
}

export function ip4_opts_forward(m: Mem, ctx: number, l3: number, hlen: number, txif: number, now: number): void {
  const me = ld32(m, ld32(m, ctx + CTX_IFNET) + txif * IF_SIZE + IF_ADDR4);
  let changed = false;
  let i = 20;
  while (i < hlen) {
    const t = ld8(m, l3 + i);
    if (t === IPOPT_EOL) break;
    if (t === IPOPT_NOP) {
      i++;
      continue;
    }
    const o = l3 + i;
    const ol = ld8(m, o + 1);
    const p = ld8(m, o + 2);
    if (t === IPOPT_RR) {
      if (p <= ol && me !== 0) {
        st32be(m, o + p - 1, me);
        st8(m, o + 2, p + 4);
        changed = true;
      }
    } else if (t === IPOPT_TS) {
      const fb = ld8(m, o + 3);
      const fl = fb & 15;
      if (p > ol) {
        st8(m, o + 3, fb + 0x10);
        changed = true;
      } else if (fl === IPOPT_TS_TSONLY) {
        st32be(m, o + p - 1, ip4_opts_time(now));
        st8(m, o + 2, p + 4);
        changed = true;
      } else if (fl === IPOPT_TS_TSANDADDR) {
        if (me !== 0) {
          st32be(m, o + p - 1, me);
          st32be(m, o + p + 3, ip4_opts_time(now));
          st8(m, o + 2, p + 8);
          changed = true;
        }
      } else {
        const nh = route4(m, ctx, ld32be(m, o + p - 1));
        if (nh !== 0 && (ld32(m, ld32(m, ctx + CTX_NH) + nh * NH_SIZE + NH_FLAGS) & NHF_LOCAL) !== 0) {
          st32be(m, o + p + 3, ip4_opts_time(now));
          st8(m, o + 2, p + 8);
          changed = true;
        }
      }
    }
    i += ol;
  }
  if (changed) opts_cksum(m, l3, hlen);
}
