/**
 * Angzarr's naming rules for domains, editions and correlation ids (COORDINATOR.md §4), shared by
 * the client's argument checks and the embedded coordinator. Each function returns the
 * coordinator's wording of the first rule the value breaks, or undefined when it is valid.
 * Lengths are counted in UTF-8 bytes, as the coordinator counts them.
 * @module
 */

const MAX_DOMAIN_BYTES = 64;
const MAX_EDITION_BYTES = 64;
const MAX_CORRELATION_BYTES = 128;

/**
 * Why `domain` is not a valid domain name (non-empty, at most 64 bytes, `[a-z_][a-z0-9_-]*`),
 * or undefined when it is.
 * @example domainProblem("Orders") // "domain name must start with lowercase letter"
 */
export function domainProblem(domain: string): string | undefined {
  if (domain.length === 0) return "domain name cannot be empty";
  const bytes = Buffer.byteLength(domain, "utf8");
  if (bytes > MAX_DOMAIN_BYTES) return `domain name exceeds maximum length (max: ${MAX_DOMAIN_BYTES}, got: ${bytes})`;
  if (!/^[a-z_]/.test(domain)) return "domain name must start with lowercase letter";
  if (!/^[a-z_][a-z0-9_-]*$/.test(domain)) return "domain name contains invalid characters (allowed: a-z, 0-9, _, -)";
  return undefined;
}

/**
 * Why `id` is not a valid correlation id (at most 128 bytes of `[A-Za-z0-9_-]`; empty means
 * none), or undefined when it is.
 */
export function correlationIdProblem(id: string): string | undefined {
  const bytes = Buffer.byteLength(id, "utf8");
  if (bytes > MAX_CORRELATION_BYTES) {
    return `correlation_id exceeds maximum length (max: ${MAX_CORRELATION_BYTES}, got: ${bytes})`;
  }
  if (!/^[a-zA-Z0-9_-]*$/.test(id)) return "correlation_id contains invalid characters (allowed: a-zA-Z0-9_-)";
  return undefined;
}

/**
 * Why `name` is not a valid edition name (at most 64 bytes, `[a-z][a-z0-9_-]*`; empty means the
 * main timeline), or undefined when it is.
 */
export function editionProblem(name: string): string | undefined {
  if (name.length === 0) return undefined;
  const bytes = Buffer.byteLength(name, "utf8");
  if (bytes > MAX_EDITION_BYTES) return `edition name exceeds maximum length (max: ${MAX_EDITION_BYTES}, got: ${bytes})`;
  if (!/^[a-z]/.test(name)) return "edition name must start with lowercase letter";
  if (!/^[a-z][a-z0-9_-]*$/.test(name)) return "edition name contains invalid characters (allowed: a-z, 0-9, _, -)";
  return undefined;
}
