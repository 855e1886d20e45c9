// Loads and stores over linear memory. Network byte order (big-endian) helpers for wire formats;
// native (little-endian) ones for our own tables. The TS twin is ts/kernels/util/mem.ts.

@inline export function ld8(p: usize): u32 {
  return <u32>load<u8>(p);
}
@inline export function ld16(p: usize): u32 {
  return <u32>load<u16>(p);
}
@inline export function ld32(p: usize): u32 {
  return load<u32>(p);
}
@inline export function ld16be(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}
@inline export function ld32be(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

@inline export function st8(p: usize, v: u32): void {
  store<u8>(p, <u8>v);
}
@inline export function st16(p: usize, v: u32): void {
  store<u16>(p, <u16>v);
}
@inline export function st32(p: usize, v: u32): void {
  store<u32>(p, v);
}
@inline export function st16be(p: usize, v: u32): void {
  store<u16>(p, bswap<u16>(<u16>v));
}
@inline export function st32be(p: usize, v: u32): void {
  store<u32>(p, bswap<u32>(v));
}

// u64 counter increment (little-endian u64 in memory)
@inline export function cnt_add(base: usize, idx: u32, v: u64): void {
  const p = base + ((<usize>idx) << 3);
  store<u64>(p, load<u64>(p) + v);
}

// u64 counter read (the control plane reads counters through the TS twin, as a JS number)
@inline export function cnt_get(base: usize, idx: u32): u64 {
  return load<u64>(base + ((<usize>idx) << 3));
}

// Frame copy (the regions do not overlap). Frames of 16 to 128 bytes move in 16-byte vectors, the
// last one overlapping the one before (the same bytes written twice, none beyond len): V8 makes
// memory.copy a call out of the module, which costs more than such a frame's moves. Longer frames
// and shorter ones: memory.copy. The TS twin copies short frames word by word, which beats its
// call into copyWithin.
@inline export function copy_frame(dst: usize, src: usize, len: u32): void {
  if (len - 16 <= 112) {
    const last = <usize>len - 16;
    for (let o: usize = 0; o < last; o += 16) v128.store(dst + o, v128.load(src + o));
    v128.store(dst + last, v128.load(src + last));
  } else memory.copy(dst, src, <usize>len);
}

// Acquire-load / release-store of an aligned u32: how pointers are published to lock-free readers.
// On x86-64 both are plain moves; they matter on weaker memory models and keep the compiler honest.
@inline export function ald32(p: usize): u32 {
  return atomic.load<u32>(p);
}
@inline export function ast32(p: usize, v: u32): void {
  atomic.store<u32>(p, v);
}
