// What an adapter needs of a router's port: the callback half of RouterPort (router.ts), which both
// modes give. An adapter joins one port to something that moves Ethernet frames (an emulator's NIC,
// a BroadcastChannel, a WebSocket, a shared ring) and returns how to undo it.

/** A port as adapters use it: frames in (`send`), frames out (`onFrame`). */
export interface FramePort {
  send(frame: Uint8Array): void;
  onFrame(cb: (frame: Uint8Array) => void): () => void;
}

/** A joined adapter: `close()` stops it (no frame moves either way once it returns). */
export interface Attachment {
  close(): void;
}
