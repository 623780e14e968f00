/**
 * A raw Engine.IO v4 peer, over WebSocket or HTTP long-polling, for protocol tests: it sends arbitrary Socket.IO
 * frames (text or binary, valid or not), answers pings, queues what the server sends and reports the close.
 *
 *   using peer = await FakePeer.open(srv.url, "polling");
 *   const sid = await peer.connect("/");
 *   await peer.send('2["hello"]', Buffer.from([1]));
 *   const info = await peer.closed;
 */
import { EventEmitter } from "node:events";
import WebSocket from "ws";

export type Transport = "websocket" | "polling";

/** A Socket.IO frame as carried by one Engine.IO "message" packet. */
export type Frame = string | Buffer;

export interface CloseInfo {
  /** "ws close" (with code), "close packet", "http <status>", "poll error", or "client close". */
  reason: string;
  code?: number;
}

export interface OpenOptions {
  /** Path the server answers on. Default "/socket.io". */
  path?: string;
  /** Answer the server's pings. Default true. */
  answerPings?: boolean;
}

interface Handshake {
  sid: string;
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

const SEPARATOR = "\x1e";

export class FakePeer extends EventEmitter implements Disposable {
  readonly transport: Transport;
  /** Resolves once the server closed this session (or it failed). Never rejects. */
  readonly closed: Promise<CloseInfo>;
  #handshake!: Handshake;
  #closeInfo: CloseInfo | undefined;
  #resolveClosed!: (info: CloseInfo) => void;
  readonly #queue: Frame[] = [];
  readonly #answerPings: boolean;
  #ws: WebSocket | undefined;
  #pollUrl = "";
  #polling = new AbortController();
  #postChain: Promise<void> = Promise.resolve();

  private constructor(transport: Transport, answerPings: boolean) {
    super();
    this.transport = transport;
    this.#answerPings = answerPings;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  /** Opens an Engine.IO session (the open packet is awaited and parsed). */
  static async open(baseUrl: string, transport: Transport, opts: OpenOptions = {}): Promise<FakePeer> {
    const peer = new FakePeer(transport, opts.answerPings ?? true);
    const url = new URL(opts.path ?? "/socket.io/", baseUrl);
    if (!url.pathname.endsWith("/")) url.pathname += "/";
    url.searchParams.set("EIO", "4");
    url.searchParams.set("transport", transport);
    if (transport === "websocket") await peer.#openWebSocket(url);
    else await peer.#openPolling(url);
    return peer;
  }

  /** The Engine.IO session id. */
  get sid(): string {
    return this.#handshake.sid;
  }

  get handshake(): Readonly<Handshake> {
    return this.#handshake;
  }

  get isClosed(): boolean {
    return this.#closeInfo !== undefined;
  }

  /**
   * Sends Socket.IO frames, each as one Engine.IO message, in order (over polling: in one POST). Resolves once
   * written (WebSocket) or once the server answered the POST (polling: rejects on an error status, after
   * recording the close).
   */
  async send(...frames: Frame[]): Promise<void> {
    if (this.#ws !== undefined) {
      const ws = this.#ws;
      for (const frame of frames) {
        await new Promise<void>((resolve, reject) =>
          ws.send(typeof frame === "string" ? "4" + frame : frame, (err) => (err ? reject(err) : resolve())),
        );
      }
      return;
    }
    const body = frames.map((f) => (typeof f === "string" ? "4" + f : "b" + f.toString("base64"))).join(SEPARATOR);
    await this.#post(body);
  }

  /** Sends raw Engine.IO packets (e.g. "2probe", "6"), no "4" prefix added. Text only. */
  async sendEngine(...packets: string[]): Promise<void> {
    if (this.#ws !== undefined) {
      for (const p of packets) this.#ws.send(p);
      return;
    }
    await this.#post(packets.join(SEPARATOR));
  }

  /** The next Socket.IO frame from the server (queued ones first). Rejects on close or timeout. */
  next(timeoutMs = 5000): Promise<Frame> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closeInfo) return Promise.reject(new Error(`peer closed (${this.#closeInfo.reason}) while waiting for a frame`));
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.off("frame", onFrame);
        this.off("close", onClose);
      };
      const onFrame = () => {
        cleanup();
        resolve(this.#queue.shift()!);
      };
      const onClose = (info: CloseInfo) => {
        cleanup();
        reject(new Error(`peer closed (${info.reason}) while waiting for a frame`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on("frame", onFrame);
      this.on("close", onClose);
    });
  }

  /** The next text frame matching `pattern`, skipping others. */
  async nextMatching(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await this.next(Math.max(1, deadline - Date.now()));
      if (typeof frame === "string" && pattern.test(frame)) return frame;
    }
  }

  /** Sends CONNECT for `nsp` and awaits the server's CONNECT answer; returns the socket id. */
  async connect(nsp = "/", auth?: Record<string, unknown>): Promise<string> {
    const prefix = nsp === "/" ? "" : nsp + ",";
    await this.send("0" + prefix + (auth === undefined ? "" : JSON.stringify(auth)));
    const answer = await this.nextMatching(new RegExp(`^[04]${escapeRegExp(prefix)}[{"]`));
    if (answer.startsWith("4")) throw new Error(`CONNECT refused: ${answer}`);
    const { sid } = JSON.parse(answer.slice(1 + prefix.length)) as { sid: string };
    return sid;
  }

  /** Closes from the client side (no close packet: an abrupt transport close). */
  close(): void {
    this.#finish({ reason: "client close" });
  }

  [Symbol.dispose](): void {
    this.close();
  }

  // ---- transports -----------------------------------------------------------------------------------------------

  #openWebSocket(url: URL): Promise<void> {
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url);
    this.#ws = ws;
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      ws.on("message", (data: Buffer, isBinary: boolean) => {
        if (isBinary) return this.#onFrame(data);
        const text = data.toString("utf8");
        if (!opened && text.startsWith("0")) {
          opened = true;
          this.#handshake = JSON.parse(text.slice(1)) as Handshake;
          resolve();
          return;
        }
        this.#onEnginePacket(text);
      });
      ws.on("close", (code: number) => {
        if (!opened) reject(new Error(`websocket closed before the open packet (${code})`));
        this.#finish({ reason: "ws close", code });
      });
      ws.on("error", (err: Error) => {
        if (!opened) reject(err);
        this.#finish({ reason: `ws error: ${err.message}` });
      });
    });
  }

  async #openPolling(url: URL): Promise<void> {
    const res = await fetch(url);
    const body = await res.text();
    if (res.status !== 200 || !body.startsWith("0")) throw new Error(`polling handshake failed: ${res.status} ${body}`);
    this.#handshake = JSON.parse(body.slice(1)) as Handshake;
    url.searchParams.set("sid", this.#handshake.sid);
    this.#pollUrl = url.toString();
    void this.#pollLoop();
  }

  async #pollLoop(): Promise<void> {
    while (!this.isClosed) {
      let res: Response;
      let body: string;
      try {
        res = await fetch(this.#pollUrl, { signal: this.#polling.signal });
        body = await res.text();
      } catch (err) {
        this.#finish({ reason: `poll error: ${(err as Error).message}` });
        return;
      }
      if (res.status !== 200) {
        this.#finish({ reason: `http ${res.status}`, code: res.status });
        return;
      }
      for (const packet of body.split(SEPARATOR)) {
        if (packet.startsWith("b")) this.#onFrame(Buffer.from(packet.slice(1), "base64"));
        else this.#onEnginePacket(packet);
      }
    }
  }

  /** engine.io refuses overlapping POSTs of one session: they are queued. */
  #post(body: string): Promise<void> {
    const result = this.#postChain.then(() => this.#postNow(body));
    this.#postChain = result.catch(() => undefined);
    return result;
  }

  async #postNow(body: string): Promise<void> {
    if (this.isClosed) throw new Error("peer closed");
    const res = await fetch(this.#pollUrl, {
      method: "POST",
      body,
      headers: { "content-type": "text/plain;charset=UTF-8" },
    }).catch((err: Error) => {
      this.#finish({ reason: `poll error: ${err.message}` });
      throw err;
    });
    const text = await res.text();
    if (res.status !== 200) {
      // what engine.io-client does on a failed POST: the transport errors and the session is dropped
      this.#finish({ reason: `http ${res.status}`, code: res.status });
      throw new Error(`POST answered ${res.status}: ${text}`);
    }
  }

  // ---- incoming ---------------------------------------------------------------------------------------------------

  #onEnginePacket(packet: string): void {
    switch (packet.charAt(0)) {
      case "2": // ping
        if (this.#answerPings) void this.sendEngine("3" + packet.slice(1)).catch(() => undefined);
        this.emit("ping");
        break;
      case "4":
        this.#onFrame(packet.slice(1));
        break;
      case "1": // close
        this.#finish({ reason: "close packet" });
        break;
      default: // noop (6) and anything else
        break;
    }
  }

  #onFrame(frame: Frame): void {
    if (this.isClosed) return;
    this.#queue.push(frame);
    this.emit("frame", frame);
  }

  #finish(info: CloseInfo): void {
    if (this.#closeInfo !== undefined) return;
    this.#closeInfo = info;
    this.#polling.abort();
    if (this.#ws !== undefined && this.#ws.readyState !== WebSocket.CLOSED) this.#ws.terminate();
    this.emit("close", info);
    this.#resolveClosed(info);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
