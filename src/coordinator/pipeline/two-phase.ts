/**
 * The 2PC parts of the reference (COORDINATOR.md §13.2): stamping events written under a
 * `cascade_id`, and hiding uncommitted or revoked events from later commands.
 */
import { FRAMEWORK_TYPE_URL_PREFIX, typeNameFromUrl } from "../../core/any.js";
import { pageEvent } from "../../core/books.js";
import { Compensate, Confirmation, NoOp, Revocation, type EventBook, type EventPage } from "../../gen/angzarr/types.js";
import { pageSequence } from "../aggregates/books.js";

const FRAMEWORK_EVENTS = new Set<string>([Confirmation.$type, Revocation.$type, Compensate.$type]);

/** Marks pages written by a 2PC command: `no_commit = true` and the cascade id. */
export function stampCascade(pages: EventPage[], cascadeId: string): EventPage[] {
  return pages.map((page) => ({ ...page, noCommit: true, cascadeId }));
}

/**
 * The read transform applied to prior events before HandleCommand calls the business:
 * framework events become `NoOp(framework_event)`, revoked events `NoOp(revoked)`, uncommitted
 * events of other (unconfirmed) cascades `NoOp(uncommitted)`. NoOp pages keep their header and
 * `created_at`, so sequence numbers and next_sequence are unchanged.
 */
export function hideUncommitted(book: EventBook, cascadeId: string | undefined): EventBook {
  const revoked = new Set<number>();
  const confirmed = new Set<number>();
  for (const page of book.pages) {
    const event = pageEvent(page);
    const name = event && typeNameFromUrl(event.typeUrl);
    if (name === Revocation.$type) Revocation.decode(event!.value).sequences.forEach((s) => revoked.add(s));
    if (name === Confirmation.$type) Confirmation.decode(event!.value).sequences.forEach((s) => confirmed.add(s));
  }
  const pages = book.pages.map((page) => {
    const event = pageEvent(page);
    const seq = pageSequence(page);
    if (event && FRAMEWORK_EVENTS.has(typeNameFromUrl(event.typeUrl))) return noOp(page, "", "framework_event");
    if (revoked.has(seq)) return noOp(page, page.cascadeId ?? "", "revoked");
    if (!page.noCommit || confirmed.has(seq)) return page;
    if (cascadeId !== undefined && page.cascadeId === cascadeId) return page;
    return noOp(page, page.cascadeId ?? "", "uncommitted");
  });
  return { ...book, pages };
}

function noOp(page: EventPage, cascadeId: string, reason: string): EventPage {
  const value = NoOp.encode({ originalSequence: pageSequence(page), cascadeId, reason }).finish();
  return {
    header: page.header,
    createdAt: page.createdAt,
    payload: { $case: "event", value: { typeUrl: `${FRAMEWORK_TYPE_URL_PREFIX}${NoOp.$type}`, value: Buffer.from(value) } },
    noCommit: false,
  };
}
