/**
 * The hostile values of test/hostile/hostile-values.test.ts (issue 11): what app code may throw, reject or pass that
 * roomcast must report without crashing, each with what toError makes of it; and the helpers that check reports.
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { format, inspect } from "node:util";
import { errorMessage, UNREADABLE_ERROR_MESSAGE as UNREADABLE } from "../../shared/errors.js";
import { until } from "../helpers/events.js";

// ---- the hostile values ---------------------------------------------------------------------------------------

const boom = (): never => {
  throw new Error("thrown by a hostile value");
};
const everyTrap: ProxyHandler<object> = {
  get: boom, set: boom, has: boom, ownKeys: boom, getPrototypeOf: boom, setPrototypeOf: boom, getOwnPropertyDescriptor: boom,
  defineProperty: boom, deleteProperty: boom, isExtensible: boom, preventExtensions: boom, apply: boom, construct: boom,
};
function revoked(target: object): object {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}
class MessageGetterError extends Error {}
Object.defineProperty(MessageGetterError.prototype, "message", { get: boom }); // constructed without a message
class NameGetterError extends Error {}
Object.defineProperty(NameGetterError.prototype, "name", { get: boom });
const cyclic: Record<string, unknown> = {};
cyclic["self"] = cyclic;

export interface Hostile {
  name: string;
  value: unknown;
  /** toError's message for it */
  message: string;
  /** toError returns the value itself (a genuine Error, readable when checked) */
  kept?: boolean;
  /** JSON.stringify of it: a string, undefined, or "throws" */
  json: string | undefined;
}

export const HOSTILE: Hostile[] = [
  { name: "revoked Proxy", value: revoked({}), message: UNREADABLE, json: "throws" },
  { name: "revoked Proxy of an Error", value: revoked(new Error("x")), message: UNREADABLE, json: "throws" },
  { name: "Proxy of an Error, every trap throws", value: new Proxy(new Error("x"), everyTrap), message: UNREADABLE, json: "throws" },
  { name: "Proxy of an Error, get trap throws", value: new Proxy(new Error("x"), { get: boom }), message: UNREADABLE, json: "throws" },
  { name: "message getter and toString throw (issue 11)", value: { get message() { return boom(); }, toString: boom }, message: UNREADABLE, json: "throws" },
  { name: "toJSON, toString, valueOf, Symbol.toPrimitive throw", value: { toJSON: boom, toString: boom, valueOf: boom, [Symbol.toPrimitive]: boom }, message: UNREADABLE, json: "throws" },
  { name: "null-prototype object", value: Object.create(null) as object, message: "{}", json: "{}" },
  { name: "cyclic object", value: cyclic, message: "[object Object]", json: "throws" },
  { name: "BigInt", value: 12345678901234567890n, message: "12345678901234567890", json: "throws" },
  { name: "symbol", value: Symbol("hostile"), message: "Symbol(hostile)", json: undefined },
  { name: "Error subclass, message getter throws", value: new MessageGetterError(), message: UNREADABLE, json: "{}" },
  { name: "Error subclass, name getter throws", value: new NameGetterError("name getter"), message: "name getter", json: "{}" },
  { name: "prototype is a throwing Proxy", value: Object.create(new Proxy({}, everyTrap)) as object, message: UNREADABLE, json: "throws" },
  { name: "constructor getter throws", value: { get constructor() { return boom(); } }, message: "[object Object]", json: "throws" },
  { name: "Error, Symbol.toStringTag getter throws", value: Object.defineProperty(new Error("tagged"), Symbol.toStringTag, { get: boom }), message: "tagged", json: "{}" },
  { name: "Error, revoked Proxy as cause", value: new Error("hostile cause", { cause: revoked({}) }), message: "hostile cause", kept: true, json: "{}" },
  { name: "Error, util.inspect.custom throws", value: Object.assign(new Error("custom inspect"), { [inspect.custom]: boom }), message: "custom inspect", kept: true, json: "{}" },
  { name: "Error, stack getter throws", value: Object.defineProperty(new Error("stack getter"), "stack", { get: boom }), message: "stack getter", kept: true, json: "{}" },
  { name: "function", value: function hostile(): void {}, message: "function", json: undefined },
];
export const value = (i: unknown): unknown => HOSTILE[Number(i)]!.value;

/** util.inspect (what console.error runs) throws on these: the error log must still print something. */
export const UNINSPECTABLE = new Set(["Error, revoked Proxy as cause", "Error, util.inspect.custom throws", "Error, stack getter throws"]);

/** What the onError option got, awaited by context. */
export class Reports {
  readonly list: Array<{ err: Error; context: string }> = [];
  readonly #events = new EventEmitter();
  readonly onError = (err: Error, context: string): void => {
    this.list.push({ err, context });
    this.#events.emit("report");
  };

  /** The first report whose context starts with `context` (taken out of the list). */
  async take(context: string): Promise<Error> {
    const at = () => this.list.findIndex((r) => r.context.startsWith(context));
    await until(this.#events, "report", () => at() >= 0).catch(() => {
      throw new Error(`no report "${context}…"; got ${JSON.stringify(this.list.map((r) => r.context))}`);
    });
    return this.list.splice(at(), 1)[0]!.err;
  }
}

/** The report of `h`: an Error whose message reads as toError's; the value itself when toError keeps it. */
export function assertReportOf(err: Error, h: Hostile): void {
  assert.ok(err instanceof Error, h.name);
  assert.equal(errorMessage(err), h.message, h.name);
  if (h.kept) assert.equal(err, h.value, `${h.name}: the original Error`);
  else assert.doesNotThrow(() => inspect(err), `${h.name}: a plain Error`);
}

/** Captures console.error as the real one formats it (util.format: throws where util.inspect throws). */
export async function withConsole<T>(fn: (lines: string[], logs: EventEmitter) => Promise<T>): Promise<T> {
  const lines: string[] = [];
  const logs = new EventEmitter();
  const original = console.error;
  console.error = (...args: unknown[]) => {
    lines.push(format(...args));
    logs.emit("line");
  };
  try {
    return await fn(lines, logs);
  } finally {
    console.error = original;
  }
}
