// A BroadcastChannel hub as a router port: v86's `inbrowser` network backend puts each emulator's
// NIC on `new BroadcastChannel("v86-inbrowser-<id>")`, one Ethernet frame per message, every message
// delivered to every other member (a hub). Joining the router to that channel makes it one more
// station on the segment: what the VMs send is received on the port, what the router sends on the
// port goes to all of them. Browsers, Deno and Node ≥ 18 have BroadcastChannel (within one process:
// a page and its workers, or a Node process and its worker threads).
import type { Attachment, FramePort } from './frame-port.js';

/** v86's channel name for network id `id` (its `network_relay_url: "inbrowser"`, `net_device.id`). */
export function v86ChannelName(id: number | string = 0): string {
  return `v86-inbrowser-${id}`;
}

/**
 * Joins `port` to the BroadcastChannel `name` (default: v86's for network 0). Messages that are
 * not a frame (not bytes, or shorter than an Ethernet header) are ignored. close() leaves the channel.
 */
export function attachBroadcastChannel(port: FramePort, name = v86ChannelName(0)): Attachment {
  const channel = new BroadcastChannel(name);
  channel.onmessage = (ev: MessageEvent) => {
    const d: unknown = ev.data;
    const frame = d instanceof Uint8Array ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : null;
    if (frame && frame.length >= 14) port.send(frame);
  };
  const off = port.onFrame((frame) => channel.postMessage(frame));
  return {
    close: () => {
      off();
      channel.close();
    },
  };
}
