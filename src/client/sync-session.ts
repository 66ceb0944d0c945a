/**
 * The bidirectional `EventQueryService.Synchronize` session.
 * @module
 */
import type { ClientDuplexStream } from "@grpc/grpc-js";
import { InvalidArgumentError, toClientError, type ClientError } from "../errors.js";
import type { EventBook, Query } from "../gen/angzarr/types.js";
import { abortError } from "./retry.js";

interface OpenCall {
  call: ClientDuplexStream<Query, EventBook>;
  release: () => void;
}

/**
 * A Synchronize session: `send()` queries, iterate the EventBooks that answer them (one per
 * query, in order), `end()` when done sending; the iteration then finishes after the last answer.
 * Queries sent before the call is open are queued. Breaking out of the loop or `cancel()` cancels
 * the call. The session can be iterated once.
 *
 * Note: the Angzarr 0.5.1 coordinator treats a range's upper bound as exclusive here, unlike
 * GetEventBook (COORDINATOR.md §9.3).
 *
 * @example
 * const session = queries.synchronize();
 * session.send(queries.query("orders", root).build());
 * session.end();
 * for await (const book of session) console.log(book.nextSequence);
 */
export class SyncSession implements AsyncIterable<EventBook> {
  readonly #open: Promise<OpenCall>;
  readonly #endpoint: string;
  readonly #signal: AbortSignal | undefined;
  readonly #buffer: EventBook[] = [];
  #failure: ClientError | undefined;
  #finished = false;
  #wake: (() => void) | undefined;
  #ended = false;
  #iterated = false;

  /** @internal Sessions are opened by `QueryClient.synchronize()`. */
  constructor(open: Promise<OpenCall>, endpoint: string, signal: AbortSignal | undefined) {
    this.#endpoint = endpoint;
    this.#signal = signal;
    this.#open = open.then(
      (opened) => {
        opened.call.on("data", (book: EventBook) => this.#push(book));
        opened.call.on("error", (err) => this.#fail(err));
        opened.call.on("end", () => this.#finish());
        return opened;
      },
      (err: ClientError) => {
        this.#failure = err;
        this.#finish();
        throw err;
      },
    );
    // Failures are reported through the iteration; never leave the promise unhandled.
    this.#open.catch(() => {});
  }

  /**
   * Send one query.
   * @throws InvalidArgumentError after `end()`.
   */
  send(query: Query): void {
    if (this.#ended) throw new InvalidArgumentError("Synchronize session: send() after end()");
    void this.#open.then(
      ({ call }) => call.write(query),
      () => {},
    );
  }

  /** Half-close: no more queries; the server answers what it has and ends the call. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    void this.#open.then(
      ({ call }) => call.end(),
      () => {},
    );
  }

  /** Cancel the call; a running iteration rejects with CANCELLED. */
  cancel(): void {
    void this.#open.then(
      ({ release }) => release(),
      () => {},
    );
  }

  /** Iterate the answers. */
  async *[Symbol.asyncIterator](): AsyncGenerator<EventBook, void, undefined> {
    if (this.#iterated) throw new InvalidArgumentError("a Synchronize session can be iterated only once");
    this.#iterated = true;
    const { release } = await this.#open;
    try {
      for (;;) {
        const next = this.#buffer.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.#failure) throw this.#failure;
        if (this.#finished) return;
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    } finally {
      release();
    }
  }

  #push(book: EventBook): void {
    this.#buffer.push(book);
    this.#notify();
  }

  #fail(err: unknown): void {
    this.#failure ??= this.#signal?.aborted ? abortError(this.#signal) : toClientError(err, this.#endpoint);
    this.#finish();
  }

  #finish(): void {
    this.#finished = true;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
