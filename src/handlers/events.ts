import type { TypedMessage } from "../client/index.js";
import type { Cover, EventBook, EventPage } from "../gen/angzarr/types.js";
import type { Any } from "../gen/google/protobuf/any.js";
import type { Timestamp } from "../gen/google/protobuf/timestamp.js";
import { packAny } from "../core/any.js";
import { makeEventPage } from "../core/books.js";
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

/**
 * An event book holding one event at `sequence`.
 * @example
 * const book = packEvent(cover, event(OrderCreated, { customerId: "c-1" }), 0);
 */
export function packEvent(cover: Cover, value: EventLike, sequence: number, createdAt?: Timestamp): EventBook {
  return packEvents(cover, [value], sequence, createdAt);
}

/** An event book holding `events` at consecutive sequences from `startSequence`, all stamped `createdAt` (default now). */
export function packEvents(
  cover: Cover,
  events: readonly EventLike[],
  startSequence: number,
  createdAt: Timestamp = nowTimestamp(),
): EventBook {
  const pages: EventPage[] = events.map((e, i) => makeEventPage(startSequence + i, toAny(e), createdAt));
  return { cover, pages, snapshot: undefined, nextSequence: startSequence + pages.length };
}
