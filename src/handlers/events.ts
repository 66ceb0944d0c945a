import type { TypedMessage } from "../client/index.js";
import type { Cover, EventBook, EventPage, Snapshot } from "../gen/angzarr/types.js";
import type { Any } from "../gen/google/protobuf/any.js";
import type { Timestamp } from "../gen/google/protobuf/timestamp.js";
import { packAny } from "../core/any.js";
import { makeEventPage, toCover, type CoverInit } from "../core/books.js";
import { assertMessageType, type MessageType } from "../core/message.js";
import { nowTimestamp } from "../core/time.js";

// The client's TypedMessage ({ type, message }) is the one shape for a message with its codec
// across the SDK: what handlers return for events and what clients send.
export type { TypedMessage };

/**
 * Pair a message with its codec, typed end to end.
 * @example
 * return event(OrderCreated, { customerId: cmd.customerId });
 */
export function event<T>(type: MessageType<T>, message: T): TypedMessage<T> {
  assertMessageType(type, "event(type, message): type");
  return { type, message };
}

/** One emitted event: a typed message or an already packed Any. */
export type EventLike = TypedMessage | Any;

/** What a command or fact handler may return: one event, several, or nothing. */
export type HandlerResult = EventLike | readonly EventLike[] | null | undefined | void;

/** A handler result, possibly asynchronous. */
export type HandlerReturn = HandlerResult | Promise<HandlerResult>;

/** True when the value is a packed Any rather than a typed message. */
export function isAny(value: EventLike): value is Any {
  return typeof (value as Any).typeUrl === "string";
}

/** Pack an emitted event into an Any (type URL prefix `type.googleapis.com/`). */
export function toAny(value: EventLike): Any {
  if (isAny(value)) return value;
  if (!value || typeof value !== "object" || !("type" in value)) {
    throw new TypeError("an event must be event(Type, message) or a packed Any");
  }
  return packAny(value.type, value.message);
}

/** Normalise a handler result to a list of events (typed or packed), in order. */
export function eventList(result: HandlerResult): readonly EventLike[] {
  if (result === undefined || result === null) return [];
  return Array.isArray(result) ? (result as readonly EventLike[]) : [result as EventLike];
}

/** Event pages at consecutive sequences from `startSequence`, all stamped `createdAt` (default now). */
export function eventPages(events: readonly EventLike[], startSequence = 0, createdAt: Timestamp = nowTimestamp()): EventPage[] {
  return events.map((e, i) => makeEventPage(startSequence + i, toAny(e), createdAt));
}

/** Options of {@link eventBook}. */
export interface EventBookOptions {
  /** Sequence of the first event. @default one past the snapshot, else 0 */
  startSequence?: number;
  /** Snapshot the events follow. @default none */
  snapshot?: Snapshot;
  /** Creation time stamped on every page. @default now */
  createdAt?: Timestamp;
}

/**
 * An event book of typed (or packed) events at consecutive sequences, numbered from 0 or after
 * the snapshot; `nextSequence` is one past the last event. (`makeEventBook` builds one from
 * ready pages.)
 * @example
 * const prior = eventBook({ domain: "orders", root }, [event(OrderCreated, { customerId: "c-1" })]);
 * // prior.nextSequence === 1
 */
export function eventBook(cover: Cover | CoverInit, events: readonly EventLike[], options: EventBookOptions = {}): EventBook {
  const start = options.startSequence ?? (options.snapshot ? options.snapshot.sequence + 1 : 0);
  const pages = eventPages(events, start, options.createdAt);
  return { cover: toCover(cover), pages, snapshot: options.snapshot, nextSequence: start + pages.length };
}
