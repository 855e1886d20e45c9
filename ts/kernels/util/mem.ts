// TS twin of assembly/util/mem.ts: the same loads and stores over the same linear memory.
// A Mem wraps one ArrayBuffer/SharedArrayBuffer; call refresh() after the WebAssembly.Memory grows.

export class Mem {
  u8!: Uint8Array;
  dv!: DataView;
  u32!: Uint32Array; // for Atomics on aligned words (index = ptr >>> 2)
  u16!: Uint16Array; // for Atomics on aligned halfwords (index = ptr >>> 1)
  constructor(readonly memory: { buffer: ArrayBufferLike }) {
    this.refresh();
  }
  refresh(): void {
    this.u8 = new Uint8Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
    this.u32 = new Uint32Array(this.memory.buffer, 0, this.memory.buffer.byteLength >>> 2);
    this.u16 = new Uint16Array(this.memory.buffer, 0, this.memory.buffer.byteLength >>> 1);
  }
}

export function ld8(m: Mem, p: number): number {
  return m.u8[p]!;
}
export function ld16(m: Mem, p: number): number {
  return m.dv.getUint16(p, true);
}
export function ld32(m: Mem, p: number): number {
  return m.dv.getUint32(p, true);
}
export function ld16be(m: Mem, p: number): number {
  return (m.u8[p]! << 8) | m.u8[p + 1]!;
}
export function ld32be(m: Mem, p: number): number {
  return m.dv.getUint32(p, false);
}

export function st8(m: Mem, p: number, v: number): void {
  m.u8[p] = v;
}
export function st16(m: Mem, p: number, v: number): void {
  m.dv.setUint16(p, v, true);
}
export function st32(m: Mem, p: number, v: number): void {
  m.dv.setUint32(p, v >>> 0, true);
}
export function st16be(m: Mem, p: number, v: number): void {
  m.u8[p] = (v >>> 8) & 0xff;
  m.u8[p + 1] = v & 0xff;
}
export function st32be(m: Mem, p: number, v: number): void {
  m.dv.setUint32(p, v >>> 0, false);
}

/** u64 counter increment, as two u32 halves (v must be a non-negative integer < 2^32). */
export function cnt_add(m: Mem, base: number, idx: number, v: number): void {
  const p = base + idx * 8;
  const lo = m.dv.getUint32(p, true) + v;
  m.dv.setUint32(p, lo >>> 0, true);
  if (lo > 0xffffffff) m.dv.setUint32(p + 4, (m.dv.getUint32(p + 4, true) + 1) >>> 0, true);
}

/** Reads a u64 counter as a JS number (exact below 2^53). */
export function cnt_get(m: Mem, base: number, idx: number): number {
  const p = base + idx * 8;
  return m.dv.getUint32(p + 4, true) * 0x100000000 + m.dv.getUint32(p, true);
}

/** Acquire-load / release-store of an aligned u32 (publishing pointers to lock-free readers). */
export function ald32(m: Mem, p: number): number {
  return Atomics.load(m.u32, p >>> 2);
}
export function ast32(m: Mem, p: number, v: number): void {
  Atomics.store(m.u32, p >>> 2, v >>> 0);
}

/** memory.copy's twin for frames (regions that do not overlap): short ones by words, which beats the call into copyWithin. */
export function copy_frame(m: Mem, dst: number, src: number, len: number): void {
  if (len > 128) {
    m.u8.copyWithin(dst, src, src + len);
    return;
  }
  const u8 = m.u8;
  let o = 0;
  for (; o + 4 <= len; o += 4) st32(m, dst + o, ld32(m, src + o));
  for (; o < len; o++) u8[dst + o] = u8[src + o]!;
}
