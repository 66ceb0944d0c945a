/**
 * Request validation with Angzarr's exact INVALID_ARGUMENT messages (COORDINATOR.md §4).
 */
import { correlationIdProblem, domainProblem, editionProblem } from "../../core/names.js";
import { bytesToUuid } from "../../core/uuid.js";
import type { CommandBook, Cover } from "../../gen/angzarr/types.js";
import { invalidArgument } from "../rpc-error.js";
import { MAIN_EDITION, type AggregateKey } from "../storage/index.js";

/** `max_pages_per_book` default: the aggregate binary never loads the `limits:` config. */
export const MAX_PAGES_PER_BOOK = 100;
/** `max_payload_bytes` default (256 KiB), applied to each command page's `Any.value`. */
export const MAX_PAYLOAD_BYTES = 262_144;

/** Throws unless `domain` is a valid Angzarr domain name. */
export function validateDomain(domain: string): void {
  const problem = domainProblem(domain);
  if (problem) throw invalidArgument(problem);
}

/** Throws unless `id` is empty or a valid correlation id. */
export function validateCorrelationId(id: string): void {
  const problem = correlationIdProblem(id);
  if (problem) throw invalidArgument(problem);
}

/** Throws unless `name` is empty (main timeline) or a valid edition name. */
export function validateEdition(name: string): void {
  const problem = editionProblem(name);
  if (problem) throw invalidArgument(problem);
}

/**
 * Canonical root text of 16 UUID bytes. Other lengths get the coordinator's text, which embeds
 * the Rust `uuid` crate's byte-length message.
 */
export function rootText(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw invalidArgument(`Invalid UUID: invalid length: expected 16 bytes, found ${bytes.length}`);
  return bytesToUuid(bytes);
}

/** The stored edition name of a cover: empty means the main timeline, reported as `angzarr`. */
export function editionOf(cover: Cover | undefined): string {
  return cover?.edition?.name || MAIN_EDITION;
}

/** Resource limits of HandleCommand and HandleSyncSpeculative only (§4). */
export function checkCommandLimits(book: CommandBook): void {
  if (book.pages.length > MAX_PAGES_PER_BOOK) {
    throw invalidArgument(`command book exceeds maximum pages (max: ${MAX_PAGES_PER_BOOK}, got: ${book.pages.length})`);
  }
  book.pages.forEach((page, i) => {
    const size = page.payload?.$case === "command" ? page.payload.value.value.length : 0;
    if (size > MAX_PAYLOAD_BYTES) {
      throw invalidArgument(`page payload exceeds maximum size at page ${i} (max: ${MAX_PAYLOAD_BYTES} bytes, got: ${size} bytes)`);
    }
  });
}

/** What a validated command or fact cover names. */
export interface ParsedCover {
  key: AggregateKey;
  correlationId: string;
  cover: Cover;
}

/** Which cover checks a request kind performs, and the message for a missing cover. */
export interface CoverRules {
  missingCover: string;
  edition: boolean;
  correlation: boolean;
}

/** Validates a command/fact cover in Angzarr's order: cover, domain, root, UUID, edition, correlation. */
export function parseCover(cover: Cover | undefined, rules: CoverRules): ParsedCover {
  if (!cover) throw invalidArgument(rules.missingCover);
  validateDomain(cover.domain);
  if (!cover.root) throw invalidArgument("Cover must have a root UUID");
  const root = rootText(cover.root.value);
  if (rules.edition) validateEdition(cover.edition?.name ?? "");
  if (rules.correlation) validateCorrelationId(cover.correlationId);
  return { key: { domain: cover.domain, edition: editionOf(cover), root }, correlationId: cover.correlationId, cover };
}
