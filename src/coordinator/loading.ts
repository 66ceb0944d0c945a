/** Loading an aggregate's current state for the business (COORDINATOR.md §14.3). */
import { Snapshot, type EventBook } from "../gen/angzarr/types.js";
import { bookOfRows, storedCover } from "./books.js";
import { isMain, mainKey, readComposite } from "./editions.js";
import { storageFailure } from "./rpc-error.js";
import type { AggregateKey, EventStore } from "./storage/index.js";

/**
 * The snapshot-optimised state of an aggregate: latest snapshot plus the events after it, with
 * cover `{domain, root, correlation_id: "", edition{name}}` and a computed next_sequence. With
 * an explicit divergence no snapshot is used (§14.4). Storage failures become INTERNAL
 * `Failed to load events: …`.
 */
export async function loadAggregate(store: EventStore, key: AggregateKey, divergence?: number): Promise<EventBook> {
  try {
    let snapshot: Snapshot | undefined;
    let from = 0;
    if (divergence === undefined) {
      // A named edition without rows of its own reads the main timeline, snapshot included.
      const snapshotKey = isMain(key) || (await store.maxSequence(key)) !== undefined ? key : mainKey(key);
      const stored = await store.latestSnapshot(snapshotKey);
      if (stored) {
        snapshot = { ...Snapshot.decode(stored.data), sequence: stored.sequence };
        from = stored.sequence + 1;
      }
    }
    const rows = await readComposite(store, key, divergence, from);
    return bookOfRows(storedCover(key), rows, snapshot);
  } catch (err) {
    throw storageFailure("Failed to load events", err);
  }
}
