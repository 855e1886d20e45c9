// TS twin of assembly/forward/frag.ts (IPv4 fragmentation, RFC 791).
import { BUF_HEADROOM, CTX_CNT, C_FRAGMENTED, C_FRAGS_OUT } from '../../../assembly/layout.js';
import { type Mem, ld8, ld16be, ld32, st8, st16be, cnt_add } from '../util/mem.js';
import { in_cksum } from '../wire/cksum.js';
import { buf_alloc, buf_reserve, tx_room, ether_output, ETHERTYPE_IP } from './output.js';

/** Walks the options: calls `each(offset, len)` for every option with the copied flag. Returns 20 + their total. */
function scanCopied(m: Mem, l3: number, hlen: number, each?: (p: number, ol: number) => void): number {
  let n = 20;
  let p = 20;
  while (p < hlen) {
    const t = ld8(m, l3 + p);
    if (t === 0) break;
    if (t === 1) {
      p++;
      continue;
    }
    if (p + 1 >= hlen) break;
    const ol = ld8(m, l3 + p + 1);
    if (ol < 2 || p + ol > hlen) break;
    if (t & 0x80) {
      each?.(p, ol);
      n += ol;
    }
    p += ol;
  }
  return n;
}

function copiedHeaderLen(m: Mem, l3: number, hlen: number): number {
  return (scanCopied(m, l3, hlen) + 3) & ~3;
}

function copyHeaderForLater(m: Mem, dst: number, l3: number, hlen: number, h2: number): void {
  m.u8.copyWithin(dst, l3, l3 + 20);
  let n = 20;
  scanCopied(m, l3, hlen, (p, ol) => {
    m.u8.copyWithin(dst + n, l3 + p, l3 + p + ol);
    n += ol;
  });
  while (n < h2) {
    st8(m, dst + n, 0);
    n++;
  }
}

export function ip4_fragment(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  hlen: number,
  iplen: number,
  txif: number,
  dmac: number,
  mtu: number,
): number {
  const data = iplen - hlen;
  const h2 = copiedHeaderLen(m, l3, hlen);
  const first = (mtu - hlen) & ~7;
  const later = (mtu - h2) & ~7;
  if (first < 8 || later < 8) return 0;
  let nfrag = 1;
  if (data > first) nfrag += Math.floor((data - first + later - 1) / later);
  if (tx_room(m, ctx) < nfrag || !buf_reserve(m, ctx, nfrag)) return 0;
  const off0 = ld16be(m, l3 + 6);
  const origOff = off0 & 0x1fff;
  const origMF = off0 & 0x2000;
  let pos = 0;
  for (let i = 0; i < nfrag; i++) {
    const c = buf_alloc(m, ctx);
    const f = c + BUF_HEADROOM + 18;
    const h = i === 0 ? hlen : h2;
    if (i === 0) m.u8.copyWithin(f, l3, l3 + hlen);
    else copyHeaderForLater(m, f, l3, hlen, h2);
    st8(m, f, 0x40 | (h >> 2));
    const room = i === 0 ? first : later;
    const chunk = Math.min(room, data - pos);
    m.u8.copyWithin(f + h, l3 + hlen + pos, l3 + hlen + pos + chunk);
    st16be(m, f + 2, h + chunk);
    const mf = pos + chunk < data ? 0x2000 : origMF;
    st16be(m, f + 6, mf | (origOff + (pos >> 3)));
    st16be(m, f + 10, 0);
    st16be(m, f + 10, in_cksum(m, f, h));
    ether_output(m, ctx, pd, f, h + chunk, ETHERTYPE_IP, txif, dmac);
    pos += chunk;
  }
  const cnt = ld32(m, ctx + CTX_CNT);
  cnt_add(m, cnt, C_FRAGMENTED, 1);
  cnt_add(m, cnt, C_FRAGS_OUT, nfrag);
  return nfrag;
}
