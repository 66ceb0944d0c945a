/**
 * EventQueryService (COORDINATOR.md §9). Queries read raw stored pages: never a snapshot, no
 * 2PC transform, no upcasting; unknown aggregates are empty books, never NOT_FOUND.
 */
import { uuidToProto } from "../../core/uuid.js";
import type { AggregateRoot, Cover, EventBook, Query } from "../../gen/angzarr/types.js";
import { bookOfRows, keyText, storedCover } from "../aggregates/books.js";
import { mainKey, readComposite } from "../aggregates/editions.js";
import { errorText, internal, invalidArgument, RpcError } from "../rpc-error.js";
import type { AggregateKey, EventStore, StoredEvent } from "../storage/index.js";
import { asOfTimeText } from "../aggregates/timestamps.js";
import { editionOf, rootText, validateCorrelationId, validateDomain, validateEdition } from "../pipeline/request-validation.js";

/**
 * GetEventBook: a correlation id selects the first correlated aggregate in (domain, edition,
 * root) order (the reference picks an arbitrary one); otherwise the selected events of one
 * aggregate, range upper bound inclusive.
 */
export async function getEventBook(store: EventStore, query: Query): Promise<EventBook> {
  const correlationId = query.cover?.correlationId ?? "";
  validateCorrelationId(correlationId);
  return storageErrors(async () => {
    if (correlationId) return (await correlatedBooks(store, correlationId))[0] ?? { pages: [], nextSequence: 0 };
    const key = queryKey(query.cover, { validate: true, editions: true });
    return bookOfRows(storedCover(key), await select(store, key, query, true));
  });
}

/**
 * GetEvents: every correlated aggregate's book, or exactly one book with the aggregate's full
 * main-timeline history — edition and selection are ignored, as in the reference.
 */
export async function getEvents(store: EventStore, query: Query): Promise<EventBook[]> {
  const correlationId = query.cover?.correlationId ?? "";
  validateCorrelationId(correlationId);
  if (correlationId) return storageErrors(() => correlatedBooks(store, correlationId));
  const key = mainKey(queryKey(query.cover, { validate: true, editions: false }));
  return storageErrors(async () => [bookOfRows(storedCover(key), await store.read(key))]);
}

/**
 * One Synchronize answer: no correlation mode and no domain/edition validation; a range's
 * upper bound is exclusive here, as in the reference.
 */
export async function synchronizeOne(store: EventStore, query: Query): Promise<EventBook> {
  const key = queryKey(query.cover, { validate: false, editions: false });
  return storageErrors(async () => bookOfRows(storedCover(key), await select(store, key, query, false)));
}

/** GetAggregateRoots: every (domain, root) with main-timeline events. */
export async function aggregateRoots(store: EventStore): Promise<AggregateRoot[]> {
  const roots = await storageErrors(() => store.listRoots());
  return roots.map(({ domain, root }) => ({ domain, root: uuidToProto(root) }));
}

function queryKey(cover: Cover | undefined, opts: { validate: boolean; editions: boolean }): AggregateKey {
  if (!cover) throw invalidArgument(opts.validate ? "Query must have a cover with domain/root or correlation_id" : "Query must have a cover");
  if (opts.validate) validateDomain(cover.domain);
  if (!cover.root) throw invalidArgument(opts.validate ? "Query must have a root UUID or correlation_id" : "Query must have a root UUID");
  const root = rootText(cover.root.value);
  if (opts.editions) validateEdition(cover.edition?.name ?? "");
  return { domain: cover.domain, edition: editionOf(cover), root };
}

async function select(store: EventStore, key: AggregateKey, query: Query, inclusiveUpper: boolean): Promise<StoredEvent[]> {
  const selection = query.selection;
  switch (selection?.$case) {
    case undefined:
      return readComposite(store, key);
    case "range": {
      const { lower, upper } = selection.value;
      const to = upper === undefined ? undefined : inclusiveUpper ? upper : upper - 1;
      return to !== undefined && to < lower ? [] : store.read(key, { from: lower, to });
    }
    case "sequences": {
      const values = selection.value.values;
      if (values.length === 0) return [];
      const min = Math.min(...values);
      const max = Math.max(...values);
      // A contiguous set is served as a range over the edition's own rows (§9.1).
      if (max - min + 1 === values.length) return store.read(key, { from: min, to: max });
      const wanted = new Set(values);
      return (await readComposite(store, key)).filter((e) => wanted.has(e.sequence));
    }
    case "temporal": {
      const point = selection.value.pointInTime;
      if (point?.$case === "asOfSequence") return store.read(key, { to: point.value });
      if (point?.$case === "asOfTime") return store.readUntilTime(key, asOfTimeText(point.value));
      // The reference answers with the literal text `crate::services::errmsg::TEMPORAL_QUERY_MISSING_POINT`.
      throw invalidArgument("Temporal query requires either as_of_time or as_of_sequence");
    }
  }
}

/** Correlated events grouped per (domain, edition, root), in that order; next_sequence stays 0 (§9.1). */
async function correlatedBooks(store: EventStore, correlationId: string): Promise<EventBook[]> {
  const books: EventBook[] = [];
  let current: { key: string; rows: StoredEvent[] } | undefined;
  const flush = () => {
    if (!current) return;
    const { domain, edition, root } = current.rows[0]!;
    books.push({ ...bookOfRows(storedCover({ domain, edition, root }, correlationId), current.rows), nextSequence: 0 });
  };
  for (const row of await store.readByCorrelation(correlationId)) {
    const key = keyText(row);
    if (current?.key !== key) {
      flush();
      current = { key, rows: [] };
    }
    current.rows.push(row);
  }
  flush();
  return books;
}

/** Storage failures become INTERNAL with the storage error text (§9.1 step 5). */
async function storageErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof RpcError ? err : internal(errorText(err));
  }
}
