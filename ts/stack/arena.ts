// A bump allocator over a range of linear memory: how TS lays out tables before the data path runs.
// Regions are never freed individually; a layout is built once and lives as long as its memory.
import { ALIGN } from '../../assembly/layout.js';

export class Arena {
  private next: number;
  constructor(
    readonly base: number,
    readonly limit: number,
  ) {
    this.next = base;
  }
  /** Reserves `bytes` (zeroed by the caller if needed) aligned to `align`; throws when full. */
  alloc(bytes: number, align = ALIGN): number {
    const p = Math.ceil(this.next / align) * align;
    if (p + bytes > this.limit)
      throw new Error(`linear memory exhausted: need ${bytes} bytes at ${p}, limit ${this.limit}`);
    this.next = p + bytes;
    return p;
  }
  get used(): number {
    return this.next - this.base;
  }
  get top(): number {
    return this.next;
  }
}
