import { createHash, randomUUID } from "node:crypto";
import type { UUID } from "../gen/angzarr/types.js";

const UUID_TEXT = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** True for a canonical (or unhyphenated) UUID string. */
export function isUuid(text: string): boolean {
  return UUID_TEXT.test(text);
}

/**
 * 16 raw bytes of a UUID string (hyphens optional).
 * @throws TypeError when `text` is not a UUID.
 */
export function uuidToBytes(text: string): Buffer {
  if (!isUuid(text)) throw new TypeError(`not a UUID: ${JSON.stringify(text)}`);
  return Buffer.from(text.replace(/-/g, ""), "hex");
}

/**
 * Canonical lowercase hyphenated text of 16 UUID bytes.
 * @throws TypeError unless `bytes` holds exactly 16 bytes.
 */
export function bytesToUuid(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new TypeError(`a UUID has 16 bytes, got ${bytes.length}`);
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * UUID string -> wire UUID message.
 * @throws TypeError when `text` is not a UUID.
 */
export function uuidToProto(text: string): UUID {
  return { value: uuidToBytes(text) };
}

/**
 * Wire UUID message -> canonical string.
 * @throws TypeError when the message is absent or does not hold exactly 16 bytes.
 */
export function protoToUuid(uuid: UUID | undefined): string {
  if (!uuid) throw new TypeError("missing UUID");
  return bytesToUuid(uuid.value);
}

/** A fresh random (v4) root. */
export function newRoot(): string {
  return randomUUID();
}

/**
 * RFC 4122 name-based UUID (version 5, SHA-1) of `name` in `namespace`.
 * @throws TypeError when `namespace` is not a UUID.
 */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash("sha1").update(uuidToBytes(namespace)).update(name, "utf8").digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return bytesToUuid(bytes);
}
