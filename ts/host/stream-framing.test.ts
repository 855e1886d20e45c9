// The stream framing: frames come out whole and in order however the stream is cut into segments;
// a bad length loses the stream at that point, never more is buffered than one frame.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { MAX_FRAME } from '../../assembly/layout.js';
import { STREAM_HDR, StreamDeframer, streamFrame } from './stream-framing.js';

const encode = (frames: Uint8Array[]) => Buffer.concat(frames.map((f) => streamFrame(f, 0, f.length)));

/** Cuts `b` at the given points (any order, duplicates allowed: empty chunks too). */
function cut(b: Uint8Array, at: number[]): Uint8Array[] {
  const points = [0, ...at.map((p) => p % (b.length + 1)).sort((x, y) => x - y), b.length];
  return points.slice(1).map((p, i) => b.subarray(points[i]!, p));
}

function run(chunks: Uint8Array[]): { frames: Uint8Array[]; ok: boolean[]; d: StreamDeframer } {
  const d = new StreamDeframer();
  const frames: Uint8Array[] = [];
  const ok = chunks.map((c) => d.push(c, (f) => frames.push(Uint8Array.from(f))));
  return { frames, ok, d };
}

const frame = fc.uint8Array({ minLength: 1, maxLength: MAX_FRAME });

describe('StreamDeframer', () => {
  test('literal: an ARP-sized frame after its big-endian length, split inside the length word', () => {
    const f = new Uint8Array(60).map((_, i) => i);
    const wire = encode([f]);
    expect([...wire.subarray(0, 4)]).toEqual([0, 0, 0, 60]);
    const r = run([wire.subarray(0, 2), wire.subarray(2, 5), wire.subarray(5)]);
    expect(r.frames).toEqual([f]);
    expect(r.d.buffered).toBe(0);
  });

  test('any frames, cut anywhere: the same frames in order, nothing left over', () => {
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (frames, at) => {
        const r = run(cut(encode(frames), at));
        expect(r.frames).toEqual(frames);
        expect(r.ok.every((x) => x)).toBe(true);
        expect(r.d.buffered).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  test('a bad length (0 or over MAX_FRAME) delivers the frames before it, then nothing', () => {
    fc.assert(
      fc.property(
        fc.array(frame, { maxLength: 4 }),
        fc.oneof(fc.constant(0), fc.integer({ min: MAX_FRAME + 1, max: 0xffffffff })),
        fc.array(frame, { maxLength: 2 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (before, bad, after, at) => {
          const word = Buffer.alloc(4);
          word.writeUInt32BE(bad, 0);
          const wire = Buffer.concat([encode(before), word, encode(after)]);
          const r = run(cut(wire, at));
          expect(r.frames).toEqual(before);
          expect(r.d.failed).toBe(bad);
          expect(r.ok.at(-1)).toBe(false);
          expect(r.d.push(encode(after), () => undefined)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('never holds more than one unfinished frame', () => {
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 20 }), (fs, at) => {
        const d = new StreamDeframer();
        for (const c of cut(encode(fs), at)) {
          d.push(c, () => undefined);
          expect(d.buffered).toBeLessThanOrEqual(STREAM_HDR + MAX_FRAME);
        }
      }),
      { numRuns: 100 },
    );
  });

  test('MAX_FRAME is a frame, MAX_FRAME + 1 is a framing error', () => {
    const big = new Uint8Array(MAX_FRAME).fill(7);
    expect(run([encode([big])]).frames).toEqual([big]);
    const w = Buffer.alloc(8);
    w.writeUInt32BE(MAX_FRAME + 1, 0);
    const r = run([w]);
    expect(r.frames).toEqual([]);
    expect(r.d.failed).toBe(MAX_FRAME + 1);
  });
});
