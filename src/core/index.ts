/**
 * Message codecs, Any packing, aggregate roots, timestamps and book helpers: the public part of
 * src/core. Checks and conversions only the SDK itself needs (name rules, raw UUID bytes, type
 * URL prefixes) stay importable by path.
 * @module
 */
export type { MessageOf, MessageType } from "./message.js";
export { anyIs, packAny, PayloadDecodeError, typeNameFromUrl, typeUrl, unpackAny } from "./any.js";
export { newRoot, protoToUuid, uuidToProto } from "./uuid.js";
export {
  cartRoot,
  computeRoot,
  customerRoot,
  fulfillmentRoot,
  INVENTORY_PRODUCT_NAMESPACE,
  inventoryProductRoot,
  inventoryRoot,
  NAMESPACE_OID,
  orderRoot,
  productRoot,
  toProtoBytes,
} from "./identity.js";
export { nowTimestamp, parseTimestamp, timestampToDate, toTimestamp, type TimeInput } from "./time.js";
export {
  coverEdition,
  coverRoot,
  headerSequence,
  MAIN_EDITION,
  makeCommandPage,
  makeCover,
  makeEventBook,
  makeEventPage,
  nextSequence,
  pageCommand,
  pageEvent,
  type CoverInit,
} from "./books.js";
