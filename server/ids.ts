/** Random ids for sockets and recovery sessions. */
import { randomFillSync } from "node:crypto";

/** Random bytes for ids, drawn 100 ids at a time (one `randomFillSync` per 100 sockets, not one per socket). */
const ID_BYTES = 15;
const idPool = Buffer.alloc(ID_BYTES * 100);
let idOffset = idPool.length;

/** 120 random bits, base64url (20 characters). */
export function randomId(): string {
  if (idOffset === idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  const id = idPool.toString("base64url", idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return id;
}
