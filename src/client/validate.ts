/**
 * Client-side argument checks. They mirror the coordinator's own validation (COORDINATOR.md §4)
 * so a malformed request fails with InvalidArgumentError before any network call, with the
 * same wording the coordinator would use.
 * @module
 */
import { uuidToProto } from "../core/uuid.js";
import type { UUID } from "../gen/angzarr/types.js";
import { InvalidArgumentError } from "../errors.js";

const DOMAIN_REST = /^[a-z0-9_-]*$/;
const EDITION_REST = DOMAIN_REST;
const CORRELATION = /^[A-Za-z0-9_-]*$/;
// Fast paths: one test for the common valid case; the detailed checks only run on failure.
const VALID_DOMAIN = /^[a-z_][a-z0-9_-]{0,63}$/;
const VALID_CORRELATION = /^[A-Za-z0-9_-]{0,128}$/;
const MAX_UINT32 = 0xffff_ffff;

/** Throws unless `domain` is a valid Angzarr domain name (non-empty, ≤ 64 bytes, `[a-z_][a-z0-9_-]*`). */
export function checkDomain(domain: string, what = "domain"): void {
  if (VALID_DOMAIN.test(domain)) return;
  const problem =
    typeof domain !== "string" || domain.length === 0
      ? "domain name cannot be empty"
      : Buffer.byteLength(domain) > 64
        ? `domain name exceeds maximum length (max: 64, got: ${Buffer.byteLength(domain)})`
        : !/^[a-z_]/.test(domain)
          ? "domain name must start with lowercase letter"
          : !DOMAIN_REST.test(domain)
            ? "domain name contains invalid characters (allowed: a-z, 0-9, _, -)"
            : undefined;
  if (problem) throw new InvalidArgumentError(`invalid ${what} ${JSON.stringify(domain)}: ${problem}`);
}

/** Throws unless `id` is a valid correlation id (≤ 128 chars of `[A-Za-z0-9_-]`; empty means none). */
export function checkCorrelationId(id: string): void {
  if (VALID_CORRELATION.test(id)) return;
  const problem =
    typeof id !== "string"
      ? "correlation_id must be a string"
      : id.length > 128
        ? `correlation_id exceeds maximum length (max: 128, got: ${id.length})`
        : !CORRELATION.test(id)
          ? "correlation_id contains invalid characters (allowed: a-zA-Z0-9_-)"
          : undefined;
  if (problem) throw new InvalidArgumentError(`invalid correlation id ${JSON.stringify(id)}: ${problem}`);
}

/** Throws unless `name` is a valid edition name (≤ 64, `[a-z][a-z0-9_-]*`; empty means the main timeline). */
export function checkEdition(name: string): void {
  if (name === "") return;
  const problem =
    typeof name !== "string"
      ? "edition name must be a string"
      : name.length > 64
        ? `edition name exceeds maximum length (max: 64, got: ${name.length})`
        : !/^[a-z]/.test(name)
          ? "edition name must start with lowercase letter"
          : !EDITION_REST.test(name)
            ? "edition name contains invalid characters (allowed: a-z, 0-9, _, -)"
            : undefined;
  if (problem) throw new InvalidArgumentError(`invalid edition ${JSON.stringify(name)}: ${problem}`);
}

/** The wire form of a root, or InvalidArgumentError unless `root` is a UUID string. */
export function rootToProto(root: string): UUID {
  try {
    return uuidToProto(root);
  } catch {
    throw new InvalidArgumentError(`invalid root ${JSON.stringify(root)}: expected a UUID such as 123e4567-e89b-42d3-a456-426614174000`);
  }
}

/** Throws unless `value` fits a protobuf uint32 sequence (an integer in 0..4294967295). */
export function checkSequence(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_UINT32) {
    throw new InvalidArgumentError(`invalid ${what} ${String(value)}: expected an integer in 0..${MAX_UINT32}`);
  }
}

/** Throws unless `value` is a positive finite number of milliseconds. */
export function checkPositiveMs(value: number, what: string): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`invalid ${what} ${String(value)}: expected a positive number of milliseconds`);
  }
}
