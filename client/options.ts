/**
 * Client options: the same names and defaults as socket.io-client v4, plus the bounds of the offline buffer.
 * Everything engine.io-client understands (path, query, transports, upgrade, rememberUpgrade, withCredentials,
 * extraHeaders, closeOnBeforeunload, tryAllTransports, timestampRequests, …) is handed to it unchanged.
 */
import type { SocketOptions as EngineOptions } from "engine.io-client";

/** What an `auth` function answers with. */
export type AuthPayload = Record<string, unknown>;

/** What to do when an emit made while offline finds the buffer full. */
export type BufferOverflow = "drop-oldest" | "drop-newest";

/** Options of the connection ({@link Manager}): socket.io-client's, plus everything engine.io-client understands. */
export interface ManagerOptions extends EngineOptions {
  /**
   * Engine.IO path.
   *
   * @defaultValue "/socket.io"
   */
  path?: string;
  /**
   * Reconnect automatically after a lost connection.
   *
   * @defaultValue true
   */
  reconnection?: boolean;
  /**
   * Attempts before giving up ("reconnect_failed").
   *
   * @defaultValue Infinity
   */
  reconnectionAttempts?: number;
  /**
   * First delay before reconnecting, in ms; doubles each attempt.
   *
   * @defaultValue 1000
   */
  reconnectionDelay?: number;
  /**
   * Longest delay between attempts, in ms.
   *
   * @defaultValue 5000
   */
  reconnectionDelayMax?: number;
  /**
   * Jitter, 0 ≤ factor ≤ 1: each delay moves up or down by up to this share.
   *
   * @defaultValue 0.5
   */
  randomizationFactor?: number;
  /**
   * Connection timeout in ms before "connect_error" (Error "timeout"), or false.
   *
   * @defaultValue 20000
   */
  timeout?: number | false;
  /**
   * Connect on creation.
   *
   * @defaultValue true
   */
  autoConnect?: boolean;
}

/** Options of one namespace's {@link Socket}. */
export interface SocketOptions {
  /** Sent in the CONNECT packet; a function is called on every (re)connect, so tokens can refresh. */
  auth?: AuthPayload | ((cb: (data: AuthPayload) => void) => void);
  /** Default ack timeout, in ms, for every emit with an ack (as `.timeout(ms)`). */
  ackTimeout?: number;
  /** Resend each emit until acknowledged, at most this many times more (at-least-once, order kept). */
  retries?: number;
  /**
   * Most packets kept while disconnected (emits made offline, flushed on (re)connect).
   * When full, `bufferOverflow` decides which one goes; a dropped packet's error-first ack gets an Error.
   *
   * @defaultValue 1000
   */
  maxBufferedPackets?: number;
  /**
   * What to do when `maxBufferedPackets` is reached: "drop-oldest" discards the oldest buffered packet;
   * "drop-newest" refuses the new one.
   *
   * @defaultValue "drop-oldest"
   */
  bufferOverflow?: BufferOverflow;
}

/** What `io(url, opts)` takes: the Manager's and the Socket's options, plus how the connection is shared. */
export interface ClientOptions extends ManagerOptions, SocketOptions {
  /**
   * Open a new connection even if one to the same origin + path exists.
   *
   * @defaultValue false
   */
  forceNew?: boolean;
  /**
   * Share one connection between namespaces of the same origin + path.
   *
   * @defaultValue true
   */
  multiplex?: boolean;
}
