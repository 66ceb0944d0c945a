/** Loading an aggregate's current state for the business (COORDINATOR.md §14.3). */
import { Snapshot, type EventBook, type EventPage } from "../../gen/angzarr/types.js";
import { bookOfRows, decodePage, keyText, nextAfter, storedCover } from "./books.js";
import { isMain, mainKey, readComposite } from "./editions.js";
import { storageFailure } from "../rpc-error.js";
import type { AggregateKey, EventStore, StoredSnapshot } from "../storage/index.js";

/**
 * The snapshot-optimised state of an aggregate: latest snapshot plus the events after it, with
 * cover `{domain, root, correlation_id: "", edition{name}}` and a computed next_sequence. With
 * an explicit divergence no snapshot is used (§14.4). Storage failures become INTERNAL
 * `Failed to load events: …`.
 *
 * Main-timeline loads reuse the pages decoded by the previous load of the same aggregate
 * ({@link HistoryCache}): only the snapshot and the rows after the last page seen are read.
 */
export async function loadAggregate(store: EventStore, key: AggregateKey, divergence?: number): Promise<EventBook> {
  try {
    if (divergence === undefined && isMain(key)) return await loadMain(store, key);
    let snapshot: Snapshot | undefined;
    let from = 0;
    if (divergence === undefined) {
      // A named edition without rows of its own reads the main timeline, snapshot included.
      const snapshotKey = (await store.maxSequence(key)) !== undefined ? key : mainKey(key);
      const stored = await store.latestSnapshot(snapshotKey);
      if (stored) {
        snapshot = decodeSnapshot(stored);
        from = stored.sequence + 1;
      }
    }
    const rows = await readComposite(store, key, divergence, from);
    return bookOfRows(storedCover(key), rows, snapshot);
  } catch (err) {
    throw storageFailure("Failed to load events", err);
  }
}

function decodeSnapshot(stored: StoredSnapshot): Snapshot {
  return { ...Snapshot.decode(stored.data), sequence: stored.sequence };
}

/** One aggregate's main-timeline state as the last load saw it. */
interface History {
  /** The latest snapshot as stored (compared byte-wise on the next load), if any. */
  stored: StoredSnapshot | undefined;
  snapshot: Snapshot | undefined;
  /** Decoded pages after the snapshot, ascending; only ever appended to. */
  pages: EventPage[];
  /** Sequence of the last page, or undefined when there is none. */
  last: number | undefined;
}

/**
 * Most pages kept decoded per store, over all aggregates; the least recently loaded aggregates
 * are dropped first, and an aggregate whose history alone exceeds it is not kept.
 */
const MAX_CACHED_PAGES = 100_000;

/**
 * Decoded histories per aggregate, least recently used first. Reusing them is correct because
 * every writer (this process, another coordinator on the same store) appends above the stored
 * maximum under a per-aggregate lock, so rows become visible in ascending sequence order and
 * nothing is ever written below a sequence a load has already seen. The snapshot, which can be
 * replaced at the same sequence, is read and compared on every load.
 */
class HistoryCache {
  readonly #entries = new Map<string, History>();
  #pages = 0;

  get(id: string): History | undefined {
    const entry = this.#entries.get(id);
    if (entry) {
      this.#entries.delete(id);
      this.#entries.set(id, entry);
    }
    return entry;
  }

  has(id: string, entry: History): boolean {
    return this.#entries.get(id) === entry;
  }

  set(id: string, entry: History): void {
    this.delete(id);
    if (entry.pages.length > MAX_CACHED_PAGES) return;
    this.#entries.set(id, entry);
    this.#pages += entry.pages.length;
    this.#evict();
  }

  /** Adds pages to a kept entry. */
  extend(entry: History, pages: EventPage[], last: number): void {
    for (const page of pages) entry.pages.push(page);
    entry.last = last;
    this.#pages += pages.length;
    this.#evict();
  }

  delete(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#pages -= entry.pages.length;
  }

  #evict(): void {
    for (const [id] of this.#entries) {
      if (this.#pages <= MAX_CACHED_PAGES) return;
      this.delete(id);
    }
  }
}

const caches = new WeakMap<EventStore, HistoryCache>();

function cacheOf(store: EventStore): HistoryCache {
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new HistoryCache()));
  return cache;
}

function sameSnapshot(a: StoredSnapshot | undefined, b: StoredSnapshot | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.sequence === b.sequence && a.retention === b.retention && Buffer.from(a.data).equals(b.data);
}

/**
 * The main timeline: the latest snapshot, then only the rows after the last page a previous
 * load decoded (all rows after the snapshot when there was none, or the snapshot changed).
 */
async function loadMain(store: EventStore, key: AggregateKey): Promise<EventBook> {
  const cache = cacheOf(store);
  const id = keyText(key);
  const stored = await store.latestSnapshot(key);
  let base = cache.get(id);
  if (base && !sameSnapshot(base.stored, stored)) {
    cache.delete(id);
    base = undefined;
  }
  // What this load builds on; another load may extend the entry meanwhile (async stores).
  const baseLength = base?.pages.length ?? 0;
  const baseLast = base?.last;
  const snapshot = base ? base.snapshot : stored && decodeSnapshot(stored);
  const from = baseLast !== undefined ? baseLast + 1 : stored ? stored.sequence + 1 : 0;
  const rows = await store.read(key, { from });
  const added = rows.map(decodePage);
  const last = rows.length > 0 ? rows.at(-1)!.sequence : baseLast;

  let pages: EventPage[];
  if (!base) {
    pages = added;
    if (!cache.get(id)) cache.set(id, { stored, snapshot, pages: added.slice(), last });
  } else {
    pages = base.pages.slice(0, baseLength);
    for (const page of added) pages.push(page);
    // Keep the new pages unless another load already moved the entry on (or dropped it).
    if (cache.has(id, base) && base.pages.length === baseLength && added.length > 0) cache.extend(base, added, last!);
  }
  return { cover: storedCover(key), snapshot: snapshot && { ...snapshot }, pages, nextSequence: nextAfter(last, snapshot) };
}
