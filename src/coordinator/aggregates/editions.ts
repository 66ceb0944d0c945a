/**
 * Edition (branch timeline) reads, COORDINATOR.md §14.4. The main timeline is stored under
 * edition `angzarr`; a named edition has its own rows and inherits main-timeline events below
 * its divergence point.
 */
import { MAIN_EDITION, type AggregateKey, type EventStore, type StoredEvent } from "../storage/index.js";

/** True for the main timeline. */
export function isMain(key: AggregateKey): boolean {
  return key.edition === MAIN_EDITION;
}

/** The same aggregate on the main timeline. */
export function mainKey(key: AggregateKey): AggregateKey {
  return { ...key, edition: MAIN_EDITION };
}

/**
 * Full history of an aggregate as seen from its edition. A named edition without rows and
 * without an explicit divergence sees the main timeline as-is; otherwise the divergence point D
 * is the explicit one or the edition's first own sequence, and the view is main events below D
 * followed by the edition's events. `from` drops earlier sequences (used after a snapshot).
 */
export async function readComposite(store: EventStore, key: AggregateKey, divergence?: number, from = 0): Promise<StoredEvent[]> {
  if (isMain(key)) return store.read(key, { from });
  const own = await store.read(key);
  if (own.length === 0 && divergence === undefined) return store.read(mainKey(key), { from });
  const point = divergence ?? own[0]!.sequence;
  const inherited = point > from ? await store.read(mainKey(key), { from, to: point - 1 }) : [];
  return [...inherited, ...own.filter((e) => e.sequence >= from)];
}

/** Next sequence for pre-validation: the edition's max + 1, else the main timeline's, else 0. */
export async function nextStoredSequence(store: EventStore, key: AggregateKey): Promise<number> {
  const own = await store.maxSequence(key);
  if (own !== undefined || isMain(key)) return own === undefined ? 0 : own + 1;
  const main = await store.maxSequence(mainKey(key));
  return main === undefined ? 0 : main + 1;
}
