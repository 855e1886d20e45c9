// The outgoing side of a router port (frames the router sends out of one interface), shared by
// the single-threaded router (router.ts) and the multi-CPU one (router-mp.ts).
import type { RouterPort } from './router.js';

/**
 * A port's outgoing side over its set of listeners: `onFrame` (returns the unsubscribe) and a
 * readable stream that is one more listener while it is read. Both router modes build ports with it.
 */
export function framesOut(listeners: Set<(frame: Uint8Array) => void>): {
  onFrame: RouterPort['onFrame'];
  readable: ReadableStream<Uint8Array>;
} {
  const onFrame = (cb: (frame: Uint8Array) => void) => {
    listeners.add(cb);
    return () => listeners.delete(cb);
  };
  let off: (() => boolean) | null = null;
  const readable = new ReadableStream<Uint8Array>({
    start: (ctl) => {
      off = onFrame((f) => ctl.enqueue(f));
    },
    cancel: () => {
      off?.();
    },
  });
  return { onFrame, readable };
}
