/**
 * One encoded packet on its way to one or many sockets. A broadcast builds one of these: the packet is serialised
 * once and, for WebSocket recipients, framed once (engine.io's `wsPreEncodedFrame` write option).
 */
import type { EncodedPacket } from "../shared/encoder.js";
import { textFrameBuffer } from "./engine/websocket/frame.js";

/** Options handed to engine.io's `socket.write` for every frame of a packet. */
export interface EngineWriteOptions {
  compress?: boolean;
  wsPreEncodedFrame?: Buffer[];
}

export class OutgoingFrames {
  readonly frames: EncodedPacket;
  readonly volatile: boolean;
  readonly #compress: boolean;
  #writeOptions: EngineWriteOptions | undefined;

  /** `flags`: a broadcast's `volatile` and `compress` (its BroadcastFlags). */
  constructor(frames: EncodedPacket, flags?: { readonly volatile?: boolean; readonly compress?: boolean }) {
    this.frames = frames;
    this.volatile = flags?.volatile === true;
    this.#compress = flags?.compress !== false;
  }

  /** Write options shared by every recipient (the WebSocket frame is built on first use, then reused). */
  get writeOptions(): EngineWriteOptions {
    if (this.#writeOptions === undefined) {
      const opts: EngineWriteOptions = { compress: this.#compress };
      // one buffer holding header and payload (ws's Sender writes a one-element list as is)
      if (this.frames.length === 1) opts.wsPreEncodedFrame = [textFrameBuffer("4" + this.frames[0])];
      this.#writeOptions = opts;
    }
    return this.#writeOptions;
  }
}
