/**
 * Builders for test data: deterministic ids, covers, pages, event books, command books and
 * requests, without infrastructure. The plain constructors of `src/core/books.ts` are
 * re-exported here so tests need one import.
 * @module
 */
import type { ContextualCommand } from "../gen/angzarr/types.js";
import { MergeStrategy, SnapshotRetention, type CommandBook, type Cover, type EventBook, type EventPage, type Snapshot } from "../gen/angzarr/types.js";
import type { Timestamp } from "../gen/google/protobuf/timestamp.js";
import { packAny } from "../core/any.js";
import { makeCommandBook, makeCommandPage, makeCover, makeEventPage, type CoverInit } from "../core/books.js";
import type { MessageType } from "../core/message.js";
import { nowTimestamp, toTimestamp, type TimeInput } from "../core/time.js";
import { uuidToBytes, uuidV5 } from "../core/uuid.js";
import { toAny, type EventLike } from "../handlers/events.js";

export { makeCover, makeEventPage, makeEventBook, makeCommandPage, makeCommandBook, packEventPage } from "../core/books.js";

/** Namespace of {@link uuidFor} (the cross-language SDKs' test namespace). */
export const DEFAULT_TEST_NAMESPACE = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";

/** Correlation id the scenario builders use unless told otherwise. */
export const TEST_CORRELATION_ID = uuidFor("correlation");

/**
 * A deterministic UUID for a test name: UUID v5 of `name` in `namespace`, so the same name
 * gives the same root in every run and every Angzarr SDK.
 * @example
 * const root = uuidFor("alice"); // always the same UUID string
 */
export function uuidFor(name: string, namespace: string = DEFAULT_TEST_NAMESPACE): string {
  return uuidV5(namespace, name);
}

/** The 16 bytes of {@link uuidFor}. */
export function uuidBytesFor(name: string, namespace: string = DEFAULT_TEST_NAMESPACE): Uint8Array {
  return uuidToBytes(uuidFor(name, namespace));
}

/** A Timestamp from a Date, an RFC 3339 string or a Timestamp (default: now). */
export function makeTimestamp(value?: TimeInput): Timestamp {
  return value === undefined ? nowTimestamp() : toTimestamp(value);
}

/** A test cover: `domain`, root `uuidFor(key)`, the test correlation id. */
export function testCover(domain: string, key = "root", correlationId: string = TEST_CORRELATION_ID): Cover {
  return makeCover({ domain, root: uuidFor(key), correlationId });
}

/** Event pages at consecutive sequences from `startSequence`, all stamped `createdAt` (default now). */
export function eventPages(events: readonly EventLike[], startSequence = 0, createdAt: Timestamp = nowTimestamp()): EventPage[] {
  return events.map((e, i) => makeEventPage(startSequence + i, toAny(e), createdAt));
}

/** A snapshot of `state` (packed as `stateType`) covering events up to `sequence`. */
export function snapshotOf<S>(stateType: MessageType<S>, state: S, sequence: number): Snapshot {
  return { sequence, state: packAny(stateType, state), retention: SnapshotRetention.RETENTION_DEFAULT };
}

/** Options of {@link eventBookOf}. */
export interface EventBookOptions {
  /** Sequence of the first event. @default one past the snapshot, else 0 */
  startSequence?: number;
  /** Snapshot the events follow (see {@link snapshotOf}). @default none */
  snapshot?: Snapshot;
}

/**
 * An event book of typed (or packed) events, numbered from 0 or after the snapshot.
 * @example
 * const prior = eventBookOf(testCover("orders"), [event(OrderCreated, { customerId: "c-1" })]);
 * // prior.nextSequence === 1
 */
export function eventBookOf(cover: Cover | CoverInit, events: readonly EventLike[], options: EventBookOptions = {}): EventBook {
  const c = typeof cover.root === "string" ? makeCover(cover as CoverInit) : (cover as Cover);
  const start = options.startSequence ?? (options.snapshot ? options.snapshot.sequence + 1 : 0);
  const pages = eventPages(events, start);
  return { cover: c, pages, snapshot: options.snapshot, nextSequence: start + pages.length };
}

/** Options of {@link commandBookOf}. */
export interface CommandBookOfOptions {
  /** Expected aggregate sequence. @default 0 */
  sequence?: number;
  /** Merge strategy of the command page. @default MergeStrategy.MERGE_COMMUTATIVE */
  mergeStrategy?: MergeStrategy;
}

/** A one-page command book for a typed (or packed) command. */
export function commandBookOf(cover: Cover | CoverInit, command: EventLike, options: CommandBookOfOptions = {}): CommandBook {
  return makeCommandBook(cover, makeCommandPage(options.sequence ?? 0, toAny(command), options.mergeStrategy ?? MergeStrategy.MERGE_COMMUTATIVE));
}

/** The request the coordinator sends to an aggregate: prior events and the command. */
export function contextualCommand(prior: EventBook | undefined, command: CommandBook): ContextualCommand {
  return { events: prior, command };
}
