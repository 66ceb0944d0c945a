/** HandleEvent: fact injection (COORDINATOR.md §6). */
import { sequenceHeader } from "../../core/books.js";
import { nowTimestamp } from "../../core/time.js";
import { CommandHandlerServiceService, type FactInjectionResponse } from "../../gen/angzarr/command_handler.js";
import { CascadeErrorMode, type EventBook, type EventRequest } from "../../gen/angzarr/types.js";
import { bookOfPages, keyText, pageSequence } from "../aggregates/books.js";
import { syncModeOf, type CoordinatorContext } from "../context.js";
import { loadAggregate } from "../aggregates/loading.js";
import { appendPages, writeSnapshotIfChanged } from "../aggregates/persistence.js";
import { invalidArgument } from "../rpc-error.js";
import { NO_SYNC } from "../delivery/delivery.js";
import { upcast } from "./upcast.js";
import { parseCover } from "./request-validation.js";

/**
 * Stores external facts at the aggregate's next sequences. Idempotent by the first page's
 * `external_deferred.external_id`; with `route_to_handler` the business's HandleFact answer
 * replaces the facts. No retry loop and no expected sequence.
 */
export async function handleEvent(ctx: CoordinatorContext, req: EventRequest, depth = 0): Promise<FactInjectionResponse> {
  const facts = req.events;
  if (!facts) throw invalidArgument("EventRequest must have events");
  const { key, cover } = parseCover(facts.cover, { missingCover: "EventBook must have a cover", edition: true, correlation: false });
  if (!facts.pages.some((p) => p.header?.sequenceType?.$case === "externalDeferred")) {
    throw invalidArgument("Fact events must have ExternalDeferredSequence markers");
  }
  const firstHeader = facts.pages[0]?.header?.sequenceType;
  // Only the first page's id counts; an empty id means no idempotency.
  const externalId = firstHeader?.$case === "externalDeferred" ? firstHeader.value.externalId : "";
  const address = ctx.router.handlerFor(key.domain);

  const done = await ctx.locks.run(keyText(key), async () => {
    const prior = await upcast(ctx, address, await loadAggregate(ctx.store, key));
    const next = prior.nextSequence;
    // The handler runs before the idempotency check, so duplicates still reach it (§6 step 6).
    const source: EventBook = req.routeToHandler
      ? await ctx.channels.call(address, CommandHandlerServiceService.handleFact, { facts, priorEvents: prior })
      : facts;
    const pages = source.pages.map((page, i) => ({
      ...page,
      header: sequenceHeader(next + i),
      createdAt: page.createdAt ?? nowTimestamp(),
      noCommit: false,
    }));
    if (pages.length === 0) return { book: bookOfPages(cover, []), alreadyProcessed: false, runSync: NO_SYNC };
    const deliver = (book: EventBook) =>
      ctx.delivery.dispatch(ctx, { book, key, mode: syncModeOf(req.syncMode), errorMode: CascadeErrorMode.CASCADE_ERROR_FAIL_FAST, depth });

    const result = await appendPages(ctx.store, key, cover.correlationId, pages, externalId);
    if (result.kind === "duplicate") {
      const current = await loadAggregate(ctx.store, key);
      const original = current.pages.filter((p) => {
        const seq = pageSequence(p);
        return seq >= result.firstSequence && seq <= result.lastSequence;
      });
      // The stored book's cover names its edition, as Angzarr 0.5.1 answers a duplicate.
      const book = { cover: { ...cover, edition: { name: key.edition, divergences: [] } }, pages: original, nextSequence: current.nextSequence };
      // A duplicate is delivered again, as the reference re-publishes it (§6 step 9).
      return { book, alreadyProcessed: true, runSync: deliver(book) };
    }
    await writeSnapshotIfChanged(ctx.store, key, prior.snapshot, source.snapshot, pageSequence(pages.at(-1)!));
    const book = bookOfPages(cover, pages);
    return { book, alreadyProcessed: false, runSync: deliver(book) };
  });

  const sync = await done.runSync();
  return { events: done.book, alreadyProcessed: done.alreadyProcessed, projections: sync.projections };
}
