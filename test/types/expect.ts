/**
 * Compile-time assertions for the type tests (test/types/*.test.ts). They do nothing at run time; a wrong type
 * makes `tsc` (and so `npm test`) fail.
 */

/** True when A and B are the same type (not merely mutually assignable: `any` only equals `any`). */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only when A and B are the same type: `expectEqual<typeof x, string>()`. */
export function expectEqual<A, B>(..._proof: Equals<A, B> extends true ? [] : [error: "types differ", actual: A, expected: B]): void {}

/** Compiles only when `value` has exactly type T: `expectType<number>(await socket.emitWithAck("q"))`. */
export function expectType<T>(): <V>(value: V, ..._proof: Equals<V, T> extends true ? [] : [error: "types differ", actual: V, expected: T]) => void {
  return () => undefined;
}
