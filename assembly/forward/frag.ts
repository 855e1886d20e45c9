// IPv4 fragmentation on output (RFC 791 3.2, RFC 1812 4.2.2.7). TS twin: ts/kernels/forward/frag.ts.
//
// The datagram's TTL has already been decremented. Every fragment is built in a fresh cluster
// (the received cluster is not transmitted); data is cut in multiples of 8 bytes; the first
// fragment carries all options, later ones only options with the "copied" flag (RFC 791 3.1).
// All or nothing: when clusters or tx slots run short no fragment is sent and the datagram is
// dropped (R_NOBUFS), so a receiver never waits on a datagram we knew was incomplete.

import { BUF_HEADROOM, CTX_CNT, C_FRAGMENTED, C_FRAGS_OUT } from '../layout';
import { ld8, ld16be, ld32, st8, st16be, cnt_add } from '../util/mem';
import { in_cksum } from '../wire/cksum';
import { buf_alloc, buf_reserve, tx_room, ether_output, ETHERTYPE_IP } from './output';

/** Length of the header later fragments carry: 20 + copied options, padded to 4. Malformed options stop the scan. */
function copiedHeaderLen(l3: usize, hlen: u32): u32 {
  let n: u32 = 20;
  let p: u32 = 20;
  while (p < hlen) {
    const t = ld8(l3 + p);
    if (t == 0) break; // end of option list
    if (t == 1) {
      p++;
      continue;
    } // no-operation
    if (p + 1 >= hlen) break;
    const ol = ld8(l3 + p + 1);
    if (ol < 2 || p + ol > hlen) break;
    if (t & 0x80) n += ol;
    p += ol;
  }
  return (n + 3) & ~3;
}

function copyHeaderForLater(dst: usize, l3: usize, hlen: u32, h2: u32): void {
  memory.copy(dst, l3, 20);
  let n: u32 = 20;
  let p: u32 = 20;
  while (p < hlen) {
    const t = ld8(l3 + p);
    if (t == 0) break;
    if (t == 1) {
      p++;
      continue;
    }
    if (p + 1 >= hlen) break;
    const ol = ld8(l3 + p + 1);
    if (ol < 2 || p + ol > hlen) break;
    if (t & 0x80) {
      memory.copy(dst + n, l3 + p, ol);
      n += ol;
    }
    p += ol;
  }
  while (n < h2) {
    st8(dst + n, 0);
    n++;
  } // pad with end-of-options
}

/**
 * Fragments the datagram at l3 (hlen header bytes, iplen total) for an interface of `mtu` and
 * queues the fragments on txif toward dmac. Returns the number of fragments, or 0 when it could not
 * (no clusters or tx slots: the caller drops with R_NOBUFS).
 */
export function ip4_fragment(
  ctx: usize,
  pd: usize,
  l3: usize,
  hlen: u32,
  iplen: u32,
  txif: u32,
  dmac: usize,
  mtu: u32,
): u32 {
  const data = iplen - hlen;
  const h2 = copiedHeaderLen(l3, hlen);
  const first = (mtu - hlen) & ~7;
  const later = (mtu - h2) & ~7;
  if (first < 8 || later < 8) return 0;
  let nfrag: u32 = 1;
  if (data > first) nfrag += (data - first + later - 1) / later;
  if (tx_room(ctx) < nfrag || !buf_reserve(ctx, nfrag)) return 0;
  const off0 = ld16be(l3 + 6);
  const origOff = off0 & 0x1fff;
  const origMF = off0 & 0x2000;
  let pos: u32 = 0;
  for (let i: u32 = 0; i < nfrag; i++) {
    const c = buf_alloc(ctx);
    const f = c + BUF_HEADROOM + 18;
    const h = i == 0 ? hlen : h2;
    if (i == 0) memory.copy(f, l3, hlen);
    else copyHeaderForLater(f, l3, hlen, h2);
    st8(f, 0x40 | (h >> 2));
    const room = i == 0 ? first : later;
    const chunk = min(room, data - pos);
    memory.copy(f + h, l3 + hlen + pos, chunk);
    st16be(f + 2, h + chunk);
    const mf: u32 = pos + chunk < data ? 0x2000 : origMF;
    st16be(f + 6, mf | (origOff + (pos >> 3)));
    st16be(f + 10, 0);
    st16be(f + 10, in_cksum(f, h));
    ether_output(ctx, pd, f, h + chunk, ETHERTYPE_IP, txif, dmac);
    pos += chunk;
  }
  const cnt = <usize>ld32(ctx + CTX_CNT);
  cnt_add(cnt, C_FRAGMENTED, 1);
  cnt_add(cnt, C_FRAGS_OUT, nfrag);
  return nfrag;
}
