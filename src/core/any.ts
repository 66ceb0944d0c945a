import { Any } from "../gen/google/protobuf/any.js";
import type { MessageType } from "./message.js";

/** Prefix the SDKs put in front of a full message name to form a type URL. */
export const TYPE_URL_PREFIX = "type.googleapis.com/";
/** Prefix the Angzarr framework uses for its own events (notifications, no-ops). */
export const FRAMEWORK_TYPE_URL_PREFIX = "type.angzarr.io/";

/** Raised when an Any carries the expected type but its bytes cannot be decoded. */
export class PayloadDecodeError extends Error {
  override readonly name = "PayloadDecodeError";
  constructor(
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

/** Pack a message into an Any with the `type.googleapis.com/` prefix. */
export function packAny<T>(type: MessageType<T>, message: T): Any {
  return { typeUrl: typeUrl(type), value: Buffer.from(type.encode(message).finish()) };
}

/**
 * Unpack an Any when it carries `type`; undefined for any other type.
 * Throws PayloadDecodeError when the type matches but the bytes are corrupt.
 */
export function unpackAny<T>(type: MessageType<T>, value: Any | undefined): T | undefined {
  if (!value || !anyIs(value, type)) return undefined;
  try {
    return type.decode(value.value);
  } catch (err) {
    throw new PayloadDecodeError(value.typeUrl, err);
  }
}
