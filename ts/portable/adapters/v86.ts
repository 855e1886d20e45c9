// A v86 emulator's network card as a router port: what the guest transmits (the bus event
// `net<N>-send`, one Ethernet frame per event) is received on the port, and what the router sends on
// the port goes to the guest (`emulator.bus.send("net<N>-receive", frame)`), as v86's own network
// backends do. Runtime-neutral: it only calls the two methods below.
import type { Attachment, FramePort } from './frame-port.js';

/** The part of a V86 instance the adapter uses. */
export interface V86Like {
  add_listener(event: string, listener: (data: Uint8Array) => void): void;
  remove_listener?(event: string, listener: (data: Uint8Array) => void): void;
  bus: { send(event: string, data: Uint8Array): void };
}

/**
 * Joins the emulator's NIC `nic` (default 0: `net0`) to `port`. Frames from the guest are copied
 * (v86 may reuse its buffer). Returns the attachment; close() detaches both directions.
 */
export function attachV86(port: FramePort, emulator: V86Like, nic = 0): Attachment {
  const fromGuest = (data: Uint8Array) => port.send(Uint8Array.from(data));
  emulator.add_listener(`net${nic}-send`, fromGuest);
  const off = port.onFrame((frame) => emulator.bus.send(`net${nic}-receive`, frame));
  return {
    close: () => {
      off();
      emulator.remove_listener?.(`net${nic}-send`, fromGuest);
    },
  };
}
