/** HandleCommand (COORDINATOR.md §5). */
import { status as Status } from "@grpc/grpc-js";
import { headerSequence, sequenceHeader } from "../../core/books.js";
import { CommandHandlerServiceService, type BusinessResponse, type CommandResponse } from "../../gen/angzarr/command_handler.js";
import { EventBook, MergeStrategy, type CommandBook, type CommandRequest, type PageHeader } from "../../gen/angzarr/types.js";
import { keyText } from "../aggregates/books.js";
import { cascadeErrorModeOf, mergeStrategyOf, syncModeOf, type CoordinatorContext } from "../context.js";
import { nextStoredSequence } from "../aggregates/editions.js";
import { loadAggregate } from "../aggregates/loading.js";
import { checkCommutative, mismatchMessage } from "./commutative-merge.js";
import { newPages, persistResult } from "../aggregates/persistence.js";
import { withRetry } from "./command-retry.js";
import { failedPrecondition, invalidArgument, RpcError, storageFailure } from "../rpc-error.js";
import type { AggregateKey, EventStore } from "../storage/index.js";
import { NO_SYNC, type SyncOutcome } from "../delivery/delivery.js";
import { hideUncommitted } from "./two-phase.js";
import { upcast } from "./upcast.js";
import { checkCommandLimits, parseCover } from "./request-validation.js";

/**
 * Largest mismatch-details book sent in full; larger books are cut down (§19). grpcio (the
 * Python SDK's transport) refuses trailers over 8 KiB as RESOURCE_EXHAUSTED, and a binary
 * trailer travels base64-encoded (4/3 of its size): 4 KiB stays below that with room to spare.
 */
export const MAX_DETAILS_BYTES = 4 * 1024;

/**
 * Validates, then runs load → business → persist under the aggregate's lock inside the retry
 * loop, then the synchronous projector/saga work of the sync mode.
 */
export async function handleCommand(ctx: CoordinatorContext, req: CommandRequest, depth = 0): Promise<CommandResponse> {
  const book = req.command;
  if (!book) throw invalidArgument("CommandRequest must have a command");
  checkCommandLimits(book);
  const parsed = parseCover(book.cover, { missingCover: "CommandBook must have a cover", edition: true, correlation: true });
  const address = ctx.router.handlerFor(parsed.key.domain);
  const first = book.pages[0];
  const plan: Plan = {
    key: parsed.key,
    correlationId: parsed.correlationId,
    address,
    book,
    strategy: mergeStrategyOf(first?.mergeStrategy),
    deferred: isDeferred(first?.header),
    expected: headerSequence(first?.header) ?? 0,
    divergence: book.cover?.edition?.divergences.find((d) => d.domain === parsed.key.domain)?.sequence,
    cascadeId: req.cascadeId,
  };
  const done = await withRetry(ctx.retry, () => ctx.locks.run(keyText(plan.key), () => attempt(ctx, plan, req, depth)));
  // Synchronous projectors and sagas run after the lock is released: saga commands may come back here.
  const sync = await done.runSync();
  return { events: done.events, projections: sync.projections, cascadeErrors: sync.cascadeErrors };
}

interface Plan {
  key: AggregateKey;
  correlationId: string;
  address: string;
  book: CommandBook;
  strategy: MergeStrategy;
  deferred: boolean;
  /** The first page's explicit sequence; 0 when the header is missing or deferred. */
  expected: number;
  /** Explicit divergence of the command's edition for its domain. */
  divergence: number | undefined;
  cascadeId: string | undefined;
}

interface Attempt {
  events: EventBook;
  runSync: () => Promise<SyncOutcome>;
}

async function attempt(ctx: CoordinatorContext, plan: Plan, req: CommandRequest, depth: number): Promise<Attempt> {
  const { key, strategy, deferred, divergence, expected } = plan;
  if (strategy !== MergeStrategy.MERGE_AGGREGATE_HANDLES && !deferred && divergence === undefined) {
    await preValidate(ctx.store, key, expected);
  }

  let prior = await loadAggregate(ctx.store, key, divergence);
  prior = hideUncommitted(await upcast(ctx, plan.address, prior), plan.cascadeId);
  const actual = prior.nextSequence;
  const command = deferred ? stampDeferred(plan.book, actual) : plan.book;

  // Reached with a stale sequence only through an explicit divergence: pre-validation is
  // skipped there, and the lock rules out races inside this process.
  const stale = !deferred && strategy !== MergeStrategy.MERGE_AGGREGATE_HANDLES && expected !== actual;
  if (stale && strategy === MergeStrategy.MERGE_STRICT) throw failedPrecondition(mismatchMessage(expected, actual));
  if (stale && strategy === MergeStrategy.MERGE_MANUAL) {
    // The reference "dead-letters" to a no-op publisher, then answers ABORTED.
    throw new RpcError(Status.ABORTED, `${mismatchMessage(expected, actual)}. Sent to DLQ for manual review.`);
  }

  const response = await ctx.channels.call(plan.address, CommandHandlerServiceService.handle, { events: prior, command });
  const events = eventsOf(response);
  // Notification or empty answer: nothing stored, an empty book without cover (§18.1).
  if (!events) return { events: { pages: [], nextSequence: 0 }, runSync: NO_SYNC };
  const produced = withCorrelation(events, plan.correlationId);
  if (stale) await checkCommutative(ctx.channels, plan.address, prior, newPages(prior, produced.pages), expected, actual);

  const persisted = await persistResult(ctx.store, {
    key,
    correlationId: plan.correlationId,
    prior,
    produced,
    cascadeId: plan.cascadeId,
  });
  if (!persisted.stored) return { events: persisted.book, runSync: NO_SYNC };
  const runSync = ctx.delivery.dispatch(ctx, {
    book: persisted.book,
    key: persisted.key,
    mode: syncModeOf(req.syncMode),
    errorMode: cascadeErrorModeOf(req.cascadeErrorMode),
    depth,
  });
  return { events: persisted.book, runSync };
}

/**
 * The optimistic-concurrency check before loading (§5.1 step 7): FAILED_PRECONDITION with the
 * current EventBook as `grpc-status-details-bin` details.
 */
async function preValidate(store: EventStore, key: AggregateKey, expected: number): Promise<void> {
  let next: number;
  try {
    next = await nextStoredSequence(store, key);
  } catch (err) {
    throw storageFailure("Failed to get sequence", err);
  }
  if (expected === next) return;
  throw failedPrecondition(mismatchMessage(expected, next), mismatchDetails(await loadAggregate(store, key)));
}

/**
 * The details bytes: the whole current book when its encoding fits in {@link MAX_DETAILS_BYTES}
 * (grpc-js clients never receive a status whose trailers reach 64 KiB, §19; grpcio clients
 * none over 8 KiB); otherwise the cover, the snapshot when that still fits, and next_sequence,
 * without pages.
 */
export function mismatchDetails(book: EventBook): Uint8Array {
  const full = EventBook.encode(book).finish();
  if (full.length <= MAX_DETAILS_BYTES) return full;
  const withSnapshot = EventBook.encode({ ...book, pages: [] }).finish();
  if (withSnapshot.length <= MAX_DETAILS_BYTES) return withSnapshot;
  return EventBook.encode({ ...book, pages: [], snapshot: undefined }).finish();
}

function isDeferred(header: PageHeader | undefined): boolean {
  const kind = header?.sequenceType?.$case;
  return kind === "angzarrDeferred" || kind === "externalDeferred";
}

/** Deferred pages get explicit sequences `next + i` before the business sees them (§5.7). */
function stampDeferred(book: CommandBook, next: number): CommandBook {
  return {
    ...book,
    pages: book.pages.map((page, i) => (isDeferred(page.header) ? { ...page, header: sequenceHeader(next + i) } : page)),
  };
}

/**
 * The events of a business answer (§5.1 step 12): revocation → FAILED_PRECONDITION
 * `Command revoked: <reason>`; notification or nothing → undefined ("no events").
 */
export function eventsOf(response: BusinessResponse): EventBook | undefined {
  switch (response.result?.$case) {
    case "events":
      return response.result.value;
    case "revocation":
      throw failedPrecondition(`Command revoked: ${response.result.value.reason}`);
    default:
      return undefined;
  }
}

/** Copies the command's correlation id into the handler's cover when that has none. */
export function withCorrelation(book: EventBook, correlationId: string): EventBook {
  if (!book.cover || book.cover.correlationId) return book;
  return { ...book, cover: { ...book.cover, correlationId } };
}
