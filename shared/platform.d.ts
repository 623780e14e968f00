/**
 * The few globals shared/ uses that both of its runtimes provide (browsers and Node >= 18), for the shared/-only type
 * check (shared/tsconfig.json: ES2022, no DOM, no @types/node). Only that check includes this file: the emitting
 * build and the client/ and server/ checks take these names from lib.dom or @types/node, so the shipped code and
 * its .d.ts are unchanged. Declared as narrowly as shared/ uses them: a new platform global has to be added here,
 * on purpose.
 */

/** A timer: a number in browsers, a Timeout object in Node; shared/ only hands it back to clearTimeout. */
interface PlatformTimer {
  readonly __platformTimer?: never;
}
declare function setTimeout(callback: () => void, ms?: number): PlatformTimer;
declare function clearTimeout(timer: PlatformTimer | undefined): void;
declare function queueMicrotask(callback: () => void): void;

/** Blob: sent as a binary attachment (shared/ only tests `instanceof Blob`). */
interface Blob {
  readonly size: number;
  readonly type: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}
declare var Blob: {
  readonly prototype: Blob;
  new (parts?: ReadonlyArray<ArrayBuffer | ArrayBufferView | Blob | string>, options?: { type?: string }): Blob;
};
