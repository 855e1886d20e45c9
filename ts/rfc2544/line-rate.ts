// Nominal Ethernet line rates, as RFC 2544 counts them: every frame costs its own size plus 8 bytes of
// preamble and start-of-frame delimiter and 12 of inter-frame gap on the wire, (size + 20) * 8 bits.
// 64-byte frames: 1,488,095 per second at 1 GbE, 14,880,952 at 10 GbE.

export const LINKS = { '1g': 1e9, '10g': 10e9, '25g': 25e9, '40g': 40e9, '100g': 100e9 } as const;
export type Link = keyof typeof LINKS;

/** RFC 2544's frame sizes for Ethernet. */
export const RFC2544_SIZES = [64, 128, 256, 512, 1024, 1280, 1518] as const;

/** Frames per second a link of `bitsPerSecond` carries back to back at `size` bytes (FCS included), whole frames. */
export function lineRateFps(size: number, bitsPerSecond: number): number {
  return Math.floor(bitsPerSecond / ((size + 20) * 8));
}

/** The link's rate for a name such as '10g'; undefined for an unknown name. */
export function linkBps(name: string): number | undefined {
  return (LINKS as Record<string, number>)[name.toLowerCase()];
}
