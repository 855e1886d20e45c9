// A WebSocket client as a router port, for wsproxy-style relays (what v86 and container2wasm connect
// to: one binary message per Ethernet frame) and for mpstack's own `driver: websocket` segment
// (ts/host/ws-link-node.ts): the router becomes one station of the relay's segment.
//
// Frames the router sends while the socket is not open, or while the socket's buffer holds more
// than `maxBuffered` bytes (a stalled relay), are dropped and counted: a link does not queue
// without bound. Text messages and messages shorter than an Ethernet header are ignored (counted).
import type { Attachment, FramePort } from './frame-port.js';

/** The part of the WHATWG WebSocket the adapter uses (browsers, Deno, Node ≥ 22, or the `ws` package's). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketCtor = new (url: string) => WebSocketLike;

export interface WebSocketPortOptions {
  /** the WebSocket class (default: globalThis.WebSocket; in Node 20 pass the `ws` package's) */
  WebSocket?: WebSocketCtor;
  /** bytes the socket may buffer before frames are dropped (default 4 MiB) */
  maxBuffered?: number;
}

export interface WebSocketAttachment extends Attachment {
  readonly socket: WebSocketLike;
  /** frames each way, and what was dropped or ignored */
  stats(): { rxFrames: number; txFrames: number; txDrops: number; rxIgnored: number };
}

const OPEN = 1;

/**
 * Connects `port` to the relay at `url`; resolves once the socket is open (rejects if it fails to
 * open). Frames from the relay are received on the port; what the router sends goes to the relay.
 */
export function connectWebSocket(
  port: FramePort,
  url: string,
  options: WebSocketPortOptions = {},
): Promise<WebSocketAttachment> {
  const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
  if (!WS) return Promise.reject(new Error('connectWebSocket: no WebSocket here: pass options.WebSocket'));
  const maxBuffered = options.maxBuffered ?? 4 << 20;
  const st = { rxFrames: 0, txFrames: 0, txDrops: 0, rxIgnored: 0 };
  const ws = new WS(url);
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (ev) => {
    const d = ev.data;
    const frame = d instanceof ArrayBuffer ? new Uint8Array(d) : d instanceof Uint8Array ? d : null;
    if (!frame || frame.length < 14) {
      st.rxIgnored++;
      return;
    }
    st.rxFrames++;
    port.send(frame);
  };
  const off = port.onFrame((frame) => {
    if (ws.readyState !== OPEN || ws.bufferedAmount > maxBuffered) {
      st.txDrops++;
      return;
    }
    st.txFrames++;
    ws.send(frame);
  });
  const attachment: WebSocketAttachment = {
    socket: ws,
    stats: () => ({ ...st }),
    close: () => {
      off();
      ws.close();
    },
  };
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve(attachment);
    ws.onerror = () => {
      off();
      reject(new Error(`connectWebSocket: ${url}: the connection failed`));
    };
    ws.onclose = () => off();
  });
}
