import { Any } from "../gen/google/protobuf/any.js";
import type { MessageType } from "./message.js";

/** Prefix the SDKs put in front of a full message name to form a type URL. */
export const TYPE_URL_PREFIX = "type.googleapis.com/";
/** Prefix the Angzarr framework uses for its own events (notifications, no-ops). */
export const FRAMEWORK_TYPE_URL_PREFIX = "type.angzarr.io/";

/**
 * Raised when an Any carries the expected type but its bytes cannot be decoded. Business-logic
 * servers answer it with INVALID_ARGUMENT.
 */
export class PayloadDecodeError extends Error {
  /** Always `"PayloadDecodeError"`. */
  override readonly name = "PayloadDecodeError";
  /**
   * Wrap the decoder's failure for the payload of type `typeUrl`.
   * @param typeUrl - type URL of the undecodable payload.
   * @param cause - the decoder's error, kept as `cause` and quoted in the message.
   */
  constructor(
    /** Type URL of the payload that failed to decode. */
    readonly typeUrl: string,
    cause: unknown,
  ) {
    super(`cannot decode payload of type ${typeUrl}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/** `type.googleapis.com/<full name>` for a message type or a full name. */
export function typeUrl(type: MessageType | string): string {
  return TYPE_URL_PREFIX + (typeof type === "string" ? type : type.$type);
}

/** The full message name of a type URL: everything after the last `/`. */
export function typeNameFromUrl(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}

/** True when the Any (or type URL) carries exactly that full message name, whatever its prefix. */
export function anyIs(value: Any | string | undefined, type: MessageType | string): boolean {
  if (value === undefined) return false;
  const url = typeof value === "string" ? value : value.typeUrl;
  return typeNameFromUrl(url) === (typeof type === "string" ? type : type.$type);
}

/**
 * Pack a message into an Any with the `type.googleapis.com/` prefix.
 * @example
 * const any = packAny(OrderCreated, { customerId: "c-1" });
 * const back = unpackAny(OrderCreated, any); // { customerId: "c-1" }
 */
export function packAny<T>(type: MessageType<T>, message: T): Any {
  return { typeUrl: typeUrl(type), value: Buffer.from(type.encode(message).finish()) };
}

/**
 * Unpack an Any when it carries `type` (compared by full name, whatever the URL prefix);
 * undefined for an absent Any or any other type.
 * @throws PayloadDecodeError when the type matches but the bytes are corrupt.
 */
export function unpackAny<T>(type: MessageType<T>, value: Any | undefined): T | undefined {
  if (!value || !anyIs(value, type)) return undefined;
  try {
    return type.decode(value.value);
  } catch (err) {
    throw new PayloadDecodeError(value.typeUrl, err);
  }
}
