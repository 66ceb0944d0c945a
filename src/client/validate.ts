/**
 * Client-side argument checks. They mirror the coordinator's own validation (COORDINATOR.md §4)
 * so a malformed request fails with InvalidArgumentError before any network call, with the
 * same wording the coordinator would use.
 * @module
 */
import { correlationIdProblem, domainProblem, editionProblem } from "../core/names.js";
import { uuidToProto } from "../core/uuid.js";
import type { UUID } from "../gen/angzarr/types.js";
import { InvalidArgumentError } from "../errors.js";

// Fast paths: one test for the common valid case; the detailed rules only run on failure.
const VALID_DOMAIN = /^[a-z_][a-z0-9_-]{0,63}$/;
const VALID_CORRELATION = /^[A-Za-z0-9_-]{0,128}$/;
const MAX_UINT32 = 0xffff_ffff;

/** Throws unless `domain` is a valid Angzarr domain name (non-empty, ≤ 64 bytes, `[a-z_][a-z0-9_-]*`). */
export function checkDomain(domain: string, what = "domain"): void {
  if (typeof domain === "string" && VALID_DOMAIN.test(domain)) return;
  const problem = typeof domain !== "string" ? "domain name cannot be empty" : domainProblem(domain);
  if (problem) throw new InvalidArgumentError(`invalid ${what} ${JSON.stringify(domain)}: ${problem}`);
}

/** Throws unless `id` is a valid correlation id (≤ 128 bytes of `[A-Za-z0-9_-]`; empty means none). */
export function checkCorrelationId(id: string): void {
  if (typeof id === "string" && VALID_CORRELATION.test(id)) return;
  const problem = typeof id !== "string" ? "correlation_id must be a string" : correlationIdProblem(id);
  if (problem) throw new InvalidArgumentError(`invalid correlation id ${JSON.stringify(id)}: ${problem}`);
}

/** Throws unless `name` is a valid edition name (≤ 64 bytes, `[a-z][a-z0-9_-]*`; empty means the main timeline). */
export function checkEdition(name: string): void {
  if (name === "") return;
  const problem = typeof name !== "string" ? "edition name must be a string" : editionProblem(name);
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
