import { MergeStrategy, type CommandBook, type Cover, type EventBook, type EventPage } from "../gen/angzarr/types.js";
import { sequenceHeader, toCover, type CoverInit } from "../core/books.js";
import { nowTimestamp } from "../core/time.js";
import { Destinations } from "./destinations.js";
import { eventList, toAny, type EventLike, type HandlerResult } from "./events.js";

/** Options of {@link commandBook}. */
export interface CommandBookOptions {
  /**
   * Expected sequence of the destination (e.g. from `Destinations.sequenceFor`).
   * @default none: the coordinator sequences the command (deferred)
   */
  sequence?: number;
  /**
   * Merge strategy of the command page.
   * @default MergeStrategy.MERGE_COMMUTATIVE
   */
  mergeStrategy?: MergeStrategy;
}

/**
 * A one-page command book for `target`: what a saga or process manager emits, or what a test
 * hands to an aggregate. Without a `sequence` the page has no header; a saga or process-manager
 * router stamps it `angzarr_deferred` with its cause.
 * @example
 * commandBook({ domain: "inventory", root: computeRoot("inventory", sku) }, event(ReserveStock, { orderId, sku, quantity }))
 */
export function commandBook(target: Cover | CoverInit, command: EventLike, options: CommandBookOptions = {}): CommandBook {
  return {
    cover: { ...toCover(target) },
    pages: [
      {
        header: options.sequence === undefined ? undefined : sequenceHeader(options.sequence),
        mergeStrategy: options.mergeStrategy ?? MergeStrategy.MERGE_COMMUTATIVE,
        payload: { $case: "command", value: toAny(command) },
      },
    ],
  };
}

/** Options of {@link factBook}. */
export interface FactBookOptions {
  /**
   * Idempotency key of the injection.
   * @default derived by the router from the emitting component and the cause
   */
  externalId?: string;
  /** Free text recorded with the facts (used only with `externalId`). @default "" */
  description?: string;
}

/**
 * Facts for another aggregate: events it must record without validation. Pages carry
 * `external_deferred` headers; without an `externalId` the router derives a stable one.
 * @example
 * return { facts: [factBook({ domain: "ledger", root: computeRoot("ledger", e.account) }, event(CreditBooked, { amount: e.amount }))] };
 */
export function factBook(target: Cover | CoverInit, events: HandlerResult, options: FactBookOptions = {}): EventBook {
  const createdAt = nowTimestamp();
  const pages: EventPage[] = eventList(events).map((e) => ({
    header:
      options.externalId === undefined
        ? undefined
        : { sequenceType: { $case: "externalDeferred", value: { externalId: options.externalId, description: options.description ?? "" } } },
    createdAt,
    payload: { $case: "event", value: toAny(e) },
    noCommit: false,
  }));
  return { cover: { ...toCover(target) }, pages, snapshot: undefined, nextSequence: 0 };
}

function fillCover(cover: Cover | undefined, source: Cover | undefined): Cover | undefined {
  if (!cover) return cover;
  const correlationId = cover.correlationId || source?.correlationId || "";
  const edition = cover.edition?.name ? cover.edition : source?.edition?.name ? { name: source.edition.name, divergences: [] } : cover.edition;
  return { ...cover, correlationId, edition };
}

/**
 * Commands out of a saga or process manager: correlation id and edition filled from the
 * source when empty; pages without a header become `angzarr_deferred{source, sourceSeq}`,
 * a deferred header without a source gets it; explicit sequences are kept.
 * @internal
 */
export function stampCommands(commands: readonly CommandBook[] | undefined, source: Cover, sourceSeq: number): CommandBook[] {
  return (commands ?? []).map((book) => ({
    ...book,
    cover: fillCover(book.cover, source),
    pages: book.pages.map((page) => {
      const header = page.header?.sequenceType;
      if (header === undefined) return { ...page, header: Destinations.deferredHeader(source, sourceSeq) };
      if (header.$case === "angzarrDeferred" && !header.value.source) {
        return { ...page, header: Destinations.deferredHeader(source, header.value.sourceSeq || sourceSeq) };
      }
      return page;
    }),
  }));
}

/**
 * Facts out of a saga or process manager: correlation id and edition filled from the source;
 * pages without a header get `external_deferred` with the id `<idPrefix>:<book>:<page>`.
 * @internal
 */
export function stampFacts(facts: readonly EventBook[] | undefined, source: Cover, idPrefix: string, description: string): EventBook[] {
  return (facts ?? []).map((book, b) => ({
    ...book,
    cover: fillCover(book.cover, source),
    pages: book.pages.map((page, p) =>
      page.header?.sequenceType
        ? page
        : { ...page, header: { sequenceType: { $case: "externalDeferred", value: { externalId: `${idPrefix}:${b}:${p}`, description } } } },
    ),
  }));
}
