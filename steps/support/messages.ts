/**
 * Message types of the example domains, looked up by name, and generic ways to build
 * and inspect them, so step text ("a "CreateOrder" command with data X") maps onto real
 * generated codecs without per-step knowledge of the messages.
 */
import * as orders from "../../examples/gen/examples/orders.js";
import * as inventory from "../../examples/gen/examples/inventory.js";
import * as player from "../../examples/gen/examples/player.js";
import type { Any } from "../../src/gen/google/protobuf/any.js";
import type { MessageType } from "../../src/core/message.js";

/** A ts-proto codec generated with outputTypeRegistry: the SDK's MessageType, always with fromPartial. */
export interface Codec<T = Record<string, unknown>> extends MessageType<T> {
  fromPartial(object: unknown): T;
}

const MODULES: Record<string, Record<string, unknown>> = { orders, inventory, player };

function isCodec(value: unknown): value is Codec {
  const v = value as Partial<Codec> | undefined;
  return typeof v === "object" && v !== null && typeof v.$type === "string" && typeof v.encode === "function";
}

/** Every codec of a module, by short name. */
function codecsOf(mod: Record<string, unknown>): Map<string, Codec> {
  const out = new Map<string, Codec>();
  for (const value of Object.values(mod)) if (isCodec(value)) out.set(value.$type.slice(value.$type.lastIndexOf(".") + 1), value);
  return out;
}

const BY_DOMAIN = new Map(Object.entries(MODULES).map(([domain, mod]) => [domain, codecsOf(mod)]));

/**
 * The codec for a type name: a short name ("CreateOrder", looked up in the domain's module
 * first, then in every example module) or a full name ("examples.orders.CreateOrder").
 */
export function codecFor(name: string, domain?: string): Codec {
  const short = name.slice(name.lastIndexOf(".") + 1);
  const order = [...(domain && BY_DOMAIN.has(domain) ? [BY_DOMAIN.get(domain)!] : []), ...BY_DOMAIN.values()];
  for (const codecs of order) {
    const codec = codecs.get(short);
    if (codec && (name === short || codec.$type === name)) return codec;
  }
  throw new Error(`no example message type named ${JSON.stringify(name)}`);
}

/** Short type name of a codec or type URL. */
export function shortName(typeOrUrl: string): string {
  const full = typeOrUrl.slice(typeOrUrl.lastIndexOf("/") + 1);
  return full.slice(full.lastIndexOf(".") + 1);
}

/** Field names of a message in declaration order (ts-proto builds defaults in that order). */
export function fieldsOf(codec: Codec): Array<[string, unknown]> {
  return Object.entries(codec.fromPartial({})).filter(([key]) => key !== "$type");
}

/**
 * A filled-in message: `data` goes into the first string field, other string fields get
 * "sample-<field>", numbers 1; booleans and nested fields keep their defaults.
 */
export function sampleMessage(codec: Codec, data?: string): Record<string, unknown> {
  const partial: Record<string, unknown> = {};
  let firstString = true;
  for (const [key, value] of fieldsOf(codec)) {
    if (typeof value === "string") {
      partial[key] = firstString && data !== undefined ? data : `sample-${key}`;
      firstString = false;
    } else if (typeof value === "number") {
      partial[key] = 1;
    }
  }
  return codec.fromPartial(partial);
}

/** A message with every field at its default (so every required field is missing). */
export function emptyMessage(codec: Codec): Record<string, unknown> {
  return codec.fromPartial({});
}

/** Pack with the SDK's type URL convention. */
export function pack<T>(codec: MessageType<T>, message: T): Any {
  return { typeUrl: `type.googleapis.com/${codec.$type}`, value: Buffer.from(codec.encode(message).finish()) };
}

/** True when the UTF-8 text appears in the Any's bytes (a payload check that needs no schema). */
export function anyContainsText(any: Any | undefined, text: string): boolean {
  if (!any) return false;
  return Buffer.from(any.value).includes(Buffer.from(text, "utf8"));
}

/** snake_case and camelCase spellings of a field name. */
export function fieldSpellings(key: string): string[] {
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return [...new Set([key, snake, snake.replace(/_/g, " ")])];
}
