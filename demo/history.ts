/**
 * Where the demo keeps room history and the list of rooms: in memory by default, in Redis when REDIS_URL is set
 * (so that every instance shows the same history).
 */
import type { Message } from "./contract.js";

export interface ChatStore {
  /** Appends a message, keeping the newest `limit` of its room. */
  add(message: Message, limit: number): Promise<void>;
  /** The newest messages of a room, oldest first. */
  recent(room: string, limit: number): Promise<Message[]>;
  /** Remembers that a room exists. */
  addRoom(room: string): Promise<void>;
  rooms(): Promise<string[]>;
  close(): Promise<void>;
}

export class MemoryStore implements ChatStore {
  readonly #history = new Map<string, Message[]>();
  readonly #rooms = new Set<string>();
  readonly #maxRooms: number;

  constructor(maxRooms = 1000) {
    this.#maxRooms = maxRooms;
  }

  add(message: Message, limit: number): Promise<void> {
    const list = this.#history.get(message.room) ?? [];
    list.push(message);
    if (list.length > limit) list.splice(0, list.length - limit);
    this.#history.set(message.room, list);
    return Promise.resolve();
  }

  recent(room: string, limit: number): Promise<Message[]> {
    return Promise.resolve((this.#history.get(room) ?? []).slice(-limit));
  }

  addRoom(room: string): Promise<void> {
    if (this.#rooms.size < this.#maxRooms) this.#rooms.add(room);
    return Promise.resolve();
  }

  rooms(): Promise<string[]> {
    return Promise.resolve([...this.#rooms]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
