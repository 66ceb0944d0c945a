/**
 * Lazily started server-streaming results.
 * @module
 */
import type { EventBook } from "../gen/angzarr/types.js";

/**
 * The results of a server-streaming call as an `AsyncIterable`. Nothing is sent until iteration
 * starts; every iteration issues a fresh call. Leaving a `for await` loop early (break, return,
 * throw) cancels the call on the server. Failures reject the loop with a ClientError.
 *
 * @example
 * for await (const book of queries.getEvents(query, { timeoutMs: 5000 })) {
 *   if (book.pages.length > 0) break; // cancels the call
 * }
 */
export class ResultStream<T> implements AsyncIterable<T> {
  readonly #open: () => AsyncGenerator<T, void, undefined>;

  /** @internal Streams are created by the clients. */
  constructor(open: () => AsyncGenerator<T, void, undefined>) {
    this.#open = open;
  }

  /** Start the call and iterate its messages. */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return this.#open();
  }

  /** Run the call to its end and return every message. */
  async collect(): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) out.push(item);
    return out;
  }
}

/** The stream of `getEvents`: one EventBook per message. */
export type EventStream = ResultStream<EventBook>;
