import type { Any } from "../gen/google/protobuf/any.js";
import type { Timestamp } from "../gen/google/protobuf/timestamp.js";
import { MergeStrategy, type CommandPage, type Cover, type EventBook, type EventPage, type PageHeader } from "../gen/angzarr/types.js";
import { nowTimestamp } from "./time.js";
import { protoToUuid, uuidToProto } from "./uuid.js";

/** Name the coordinator gives the main timeline. */
export const MAIN_EDITION = "angzarr";

/** Fields to build a Cover; `root` is a UUID string. */
export interface CoverInit {
  /** Domain of the aggregate, e.g. `orders`. */
  domain: string;
  /** Root of the aggregate as a UUID string (hyphens optional). */
  root: string;
  /** Correlation id tying the book to a business process. @default "" (none) */
  correlationId?: string;
  /** Edition (branch timeline) name. @default the main timeline */
  edition?: string;
}

/**
 * A Cover with a 16-byte root; an empty or absent edition means the main timeline.
 * @throws TypeError when `root` is not a UUID.
 * @example
 * const cover = makeCover({ domain: "orders", root: computeRoot("orders", "ord-42") });
 */
export function makeCover(init: CoverInit): Cover {
  return {
    domain: init.domain,
    root: uuidToProto(init.root),
    correlationId: init.correlationId ?? "",
    edition: init.edition ? { name: init.edition, divergences: [] } : undefined,
  };
}

/** A Cover as given, or built from CoverInit fields (a string root); the book builders take either. */
export function toCover(cover: Cover | CoverInit): Cover {
  return typeof cover.root === "string" ? makeCover(cover as CoverInit) : (cover as Cover);
}

/** The root of a cover as a UUID string, or undefined when absent. */
export function coverRoot(cover: Cover | undefined): string | undefined {
  return cover?.root ? protoToUuid(cover.root) : undefined;
}

/** Edition name of a cover, with the main timeline reported as `angzarr`. */
export function coverEdition(cover: Cover | undefined): string {
  const name = cover?.edition?.name;
  return name ? name : MAIN_EDITION;
}

/** A page header carrying an explicit sequence. */
export function sequenceHeader(sequence: number): PageHeader {
  return { sequenceType: { $case: "sequence", value: sequence } };
}

/** The explicit sequence of a page header, or undefined for deferred/missing headers. */
export function headerSequence(header: PageHeader | undefined): number | undefined {
  return header?.sequenceType?.$case === "sequence" ? header.sequenceType.value : undefined;
}

/** An event page at `sequence` carrying `event` (an Any), stamped with `createdAt` (default: now). */
export function makeEventPage(sequence: number, event: Any, createdAt: Timestamp = nowTimestamp()): EventPage {
  return { header: sequenceHeader(sequence), createdAt, payload: { $case: "event", value: event }, noCommit: false };
}

/** An event book for a cover with the given pages; `nextSequence` is computed. */
export function makeEventBook(cover: Cover | CoverInit, pages: EventPage[] = [], snapshot?: EventBook["snapshot"]): EventBook {
  const book: EventBook = { cover: toCover(cover), pages, snapshot, nextSequence: 0 };
  book.nextSequence = nextSequence(book);
  return book;
}

/** A command page expecting the aggregate at `sequence`. */
export function makeCommandPage(sequence: number, command: Any, mergeStrategy: MergeStrategy = MergeStrategy.MERGE_COMMUTATIVE): CommandPage {
  return { header: sequenceHeader(sequence), mergeStrategy, payload: { $case: "command", value: command } };
}

/** The event payload (Any) of a page, when it carries one inline. */
export function pageEvent(page: EventPage): Any | undefined {
  return page.payload?.$case === "event" ? page.payload.value : undefined;
}

/** The command payload (Any) of a page, when it carries one inline. */
export function pageCommand(page: CommandPage): Any | undefined {
  return page.payload?.$case === "command" ? page.payload.value : undefined;
}

/**
 * The sequence the next event of this aggregate gets: one past the last page, else one past
 * the snapshot, else 0. Derived from sequences, never from a page count, so books that start
 * at a snapshot or hold a range answer correctly.
 */
export function nextSequence(book: EventBook | undefined): number {
  if (!book) return 0;
  let last: number | undefined;
  for (const page of book.pages) {
    const seq = headerSequence(page.header);
    if (seq !== undefined && (last === undefined || seq > last)) last = seq;
  }
  if (last !== undefined) return last + 1;
  if (book.snapshot) return book.snapshot.sequence + 1;
  return book.nextSequence ?? 0;
}
