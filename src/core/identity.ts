import { uuidToBytes, uuidV5 } from "./uuid.js";

/** RFC 4122 namespace for ISO OIDs: the namespace of every Angzarr deterministic root. */
export const NAMESPACE_OID = "6ba7b812-9dad-11d1-80b4-00c04fd430c8";
/** RFC 4122 DNS namespace, used by `inventoryProductRoot`. */
export const INVENTORY_PRODUCT_NAMESPACE = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";

/**
 * Deterministic aggregate root for a business key: UUID v5 over the OID namespace of
 * `"angzarr" + domain + key`, the same bytes every Angzarr SDK computes.
 * @example
 * const root = computeRoot("orders", "ord-42"); // same UUID string on every run and in every SDK
 * await client.domain("orders").command(root).withCommand(CreateOrder, { orderId: "ord-42" }).execute();
 */
export function computeRoot(domain: string, key: string): string {
  return uuidV5(NAMESPACE_OID, `angzarr${domain}${key}`);
}

/** `computeRoot("customer", key)`. */
export const customerRoot = (key: string): string => computeRoot("customer", key);
/** `computeRoot("product", key)`. */
export const productRoot = (key: string): string => computeRoot("product", key);
/** `computeRoot("order", key)`. */
export const orderRoot = (key: string): string => computeRoot("order", key);
/** `computeRoot("inventory", key)`. */
export const inventoryRoot = (key: string): string => computeRoot("inventory", key);
/** `computeRoot("cart", key)`. */
export const cartRoot = (key: string): string => computeRoot("cart", key);
/** `computeRoot("fulfillment", key)`. */
export const fulfillmentRoot = (key: string): string => computeRoot("fulfillment", key);

/** Root of a product's inventory aggregate: UUID v5 of the product key in the DNS namespace. */
export function inventoryProductRoot(productKey: string): string {
  return uuidV5(INVENTORY_PRODUCT_NAMESPACE, productKey);
}

/** The 16 wire bytes of a root. */
export function toProtoBytes(root: string): Uint8Array {
  return uuidToBytes(root);
}
