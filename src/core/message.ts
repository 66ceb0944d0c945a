import type { BinaryWriter } from "@bufbuild/protobuf/wire";

/**
 * The shape of a ts-proto generated message codec (`export const Foo = {...}`) when the
 * code is generated with `outputTypeRegistry=true`: it knows its full protobuf name.
 * Every SDK API that packs, unpacks or dispatches on a message type takes one of these.
 */
export interface MessageType<T = unknown> {
  /** Full protobuf name, e.g. `examples.orders.CreateOrder`. */
  readonly $type: string;
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: Uint8Array, length?: number): T;
  fromPartial?(object: never): T;
}

/** The TypeScript type of the messages a codec encodes. */
export type MessageOf<C> = C extends MessageType<infer T> ? T : never;

/** Encode a message to bytes (a `Buffer` on Node). */
export function encodeMessage<T>(type: MessageType<T>, message: T): Uint8Array {
  return type.encode(message).finish();
}

/** Throws a clear error when `type` is not a registry-enabled ts-proto codec. */
export function assertMessageType(type: unknown, what: string): asserts type is MessageType {
  const t = type as Partial<MessageType> | undefined;
  if (
    !t ||
    typeof t.$type !== "string" ||
    t.$type.length === 0 ||
    typeof t.encode !== "function" ||
    typeof t.decode !== "function"
  ) {
    throw new TypeError(
      `${what} must be a generated message type with a full name ($type); ` +
        "generate it with ts-proto and outputTypeRegistry=true",
    );
  }
}
