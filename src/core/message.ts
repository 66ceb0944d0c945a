import type { BinaryWriter } from "@bufbuild/protobuf/wire";

/**
 * The shape of a ts-proto generated message codec (`export const Foo = {...}`) when the
 * code is generated with `outputTypeRegistry=true`: it knows its full protobuf name.
 * Every SDK API that packs, unpacks or dispatches on a message type takes one of these.
 */
export interface MessageType<T = unknown> {
  /** Full protobuf name, e.g. `examples.orders.CreateOrder`. */
  readonly $type: string;
  /** Write `message` in protobuf binary form; `.finish()` on the result gives the bytes. */
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  /**
   * Read a message from protobuf bytes (`length` bytes when given, else all of `input`).
   * @throws Error from the protobuf reader when the bytes are malformed.
   */
  decode(input: Uint8Array, length?: number): T;
  /** A complete message from a partial object, absent fields set to their defaults (ts-proto codecs have it). */
  fromPartial?(object: never): T;
}

/** The TypeScript type of the messages a codec encodes. */
export type MessageOf<C> = C extends MessageType<infer T> ? T : never;

/** Encode a message to bytes (a `Buffer` on Node). */
export function encodeMessage<T>(type: MessageType<T>, message: T): Uint8Array {
  return type.encode(message).finish();
}

/**
 * Check that `type` is a registry-enabled ts-proto codec (has a non-empty `$type`, `encode`
 * and `decode`).
 * @param what - names the argument in the error message.
 * @throws TypeError naming `what` when it is not.
 */
export function assertMessageType(type: unknown, what: string): asserts type is MessageType {
  const t = type as Partial<MessageType> | undefined;
  if (!t || typeof t.$type !== "string" || t.$type.length === 0 || typeof t.encode !== "function" || typeof t.decode !== "function") {
    throw new TypeError(
      `${what} must be a generated message type with a full name ($type); ` + "generate it with ts-proto and outputTypeRegistry=true",
    );
  }
}
