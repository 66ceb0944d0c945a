/** Storing a command's result (COORDINATOR.md §5.4) and building the response delta (§5.5). */
import { Any } from "../../gen/google/protobuf/any.js";
import { EventPage, Snapshot, SnapshotRetention, type Cover, type EventBook } from "../../gen/angzarr/types.js";
import { bookOfPages, pageSequence } from "./books.js";
import { failedPrecondition, internal, RpcError, storageFailure } from "../rpc-error.js";
import { SequenceConflictError, type AggregateKey, type EventStore } from "../storage/index.js";
import { createdAtText } from "./timestamps.js";
import { stampCascade } from "../pipeline/two-phase.js";
import { rootText } from "../pipeline/request-validation.js";
import { uuidToProto } from "../../core/uuid.js";

/** What a command produced, and where it came from. */
export interface PersistInput {
  /** The command's aggregate; its edition is the storage edition. */
  key: AggregateKey;
  /** The command's correlation id. */
  correlationId: string;
  /** The prior state exactly as given to the business. */
  prior: EventBook;
  /** The business's book (correlation id already filled in). */
  produced: EventBook;
  /** Set for 2PC commands: new pages get `no_commit` and this id. */
  cascadeId?: string;
}

/** The outcome of {@link persistResult}. */
export interface Persisted {
  /** Where the events went: the business's cover, else the command's (edition: the command's). */
  key: AggregateKey;
  /** The response delta of §5.5. */
  book: EventBook;
  /** Whether at least one page was written. */
  stored: boolean;
}

/**
 * Stores the pages newer than the prior state at their own sequences in one atomic append,
 * then the snapshot when it changed. A storage-level race is FAILED_PRECONDITION
 * `Sequence conflict: expected B, got S`; other failures are INTERNAL.
 */
export async function persistResult(store: EventStore, input: PersistInput): Promise<Persisted> {
  const { produced, prior } = input;
  const key = storageKey(input.key, produced.cover);
  const correlationId = produced.cover ? produced.cover.correlationId : input.correlationId;
  const priorMax = maxSequence(prior);
  let pages = newPages(prior, produced.pages);
  if (input.cascadeId !== undefined) pages = stampCascade(pages, input.cascadeId);

  if (pages.length > 0) await appendPages(store, key, correlationId, pages);
  const lastSequence = pages.length > 0 ? pageSequence(pages.at(-1)!) : (priorMax ?? prior.snapshot?.sequence ?? 0);
  await writeSnapshotIfChanged(store, key, prior.snapshot, produced.snapshot, lastSequence);

  const cover: Cover = produced.cover ?? { domain: key.domain, root: uuidToProto(key.root), correlationId };
  // A no-op echoes whatever the business returned, although nothing was stored (§5.4).
  const book = bookOfPages(cover, pages.length > 0 ? pages : produced.pages, produced.snapshot);
  return { key, book, stored: pages.length > 0 };
}

/** Appends encoded pages atomically, mapping storage errors to statuses. */
export async function appendPages(
  store: EventStore,
  key: AggregateKey,
  correlationId: string,
  pages: EventPage[],
  externalId?: string,
): Promise<Awaited<ReturnType<EventStore["append"]>>> {
  const seen = new Set<number>();
  for (const page of pages) {
    const seq = pageSequence(page);
    // Two pages at one sequence are a primary-key collision in the reference: INTERNAL, nothing stored.
    if (seen.has(seq)) throw internal(`Failed to persist events: duplicate sequence ${seq} in one batch`);
    seen.add(seq);
  }
  try {
    return await store.append({
      key,
      correlationId,
      externalId,
      events: pages.map((page) => ({
        sequence: pageSequence(page),
        createdAt: createdAtText(page.createdAt),
        data: EventPage.encode(page).finish(),
      })),
    });
  } catch (err) {
    if (err instanceof SequenceConflictError) throw failedPrecondition(err.message);
    throw storageFailure("Failed to persist events", err);
  }
}

/**
 * Writes `Snapshot{sequence, state, RETENTION_DEFAULT}` when the business returned a state that
 * differs byte-wise from the prior snapshot's; the handler's own sequence/retention are ignored.
 */
export async function writeSnapshotIfChanged(
  store: EventStore,
  key: AggregateKey,
  prior: Snapshot | undefined,
  produced: Snapshot | undefined,
  sequence: number,
): Promise<void> {
  const state = produced?.state;
  if (!state || (prior?.state && sameAny(prior.state, state))) return;
  const snapshot: Snapshot = { sequence, state, retention: SnapshotRetention.RETENTION_DEFAULT };
  try {
    await store.putSnapshot(key, { sequence, data: Snapshot.encode(snapshot).finish(), retention: snapshot.retention });
  } catch (err) {
    throw storageFailure("Failed to persist snapshot", err);
  }
}

function storageKey(commandKey: AggregateKey, cover: Cover | undefined): AggregateKey {
  if (!cover) return commandKey;
  let root = commandKey.root;
  if (cover.root) {
    try {
      root = rootText(cover.root.value);
    } catch (err) {
      throw internal(`Failed to persist events: ${(err as RpcError).message}`);
    }
  }
  return { domain: cover.domain || commandKey.domain, edition: commandKey.edition, root };
}

/**
 * The pages a handler produced beyond the prior state: sequence above the largest prior page
 * (all of them when the prior book had no pages, e.g. everything covered by a snapshot).
 */
export function newPages(prior: EventBook, produced: EventPage[]): EventPage[] {
  const priorMax = maxSequence(prior);
  return produced.filter((p) => priorMax === undefined || pageSequence(p) > priorMax);
}

function maxSequence(book: EventBook): number | undefined {
  let max: number | undefined;
  for (const page of book.pages) max = Math.max(max ?? 0, pageSequence(page));
  return max;
}

function sameAny(a: Any, b: Any): boolean {
  return Buffer.from(Any.encode(a).finish()).equals(Any.encode(b).finish());
}
