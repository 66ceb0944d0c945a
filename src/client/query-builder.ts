/**
 * Fluent construction and execution of a `Query`.
 * @module
 */
import { toTimestamp, type TimeInput } from "../core/time.js";
import { InvalidArgumentError } from "../errors.js";
import type { EventBook, EventPage, Query } from "../gen/angzarr/types.js";
import type { CallOptions } from "./options.js";
import type { QueryClient } from "./query-client.js";
import type { EventStream } from "./result-stream.js";
import { checkCorrelationId, checkDomain, checkEdition, checkSequence, rootToProto } from "./validate.js";

type Selection = Query["selection"];

/**
 * Builds a query for one aggregate (or one correlation id) and runs it. Each selection method
 * replaces any earlier selection; without one the whole history is read. Setters check their own
 * arguments at once; `build()` checks the domain and root.
 *
 * @example
 * const pages = await queries.query("orders", root).rangeTo(3, 7).getPages(); // sequences 3..7
 * const before = await queries.query("orders", root).asOfTime("2024-01-15T10:30:00Z").getEventBook();
 */
export class QueryBuilder {
  readonly #client: QueryClient;
  readonly #domain: string;
  readonly #root: string | undefined;
  #correlationId = "";
  #edition = "";
  #selection: Selection;

  /** @internal Created by `QueryClient.query()`, `queryByCorrelation()` and `DomainClient.query()`. */
  constructor(client: QueryClient, domain: string, root: string | undefined) {
    this.#client = client;
    this.#domain = domain;
    this.#root = root;
  }

  /**
   * Events from sequence `lower` on (no upper bound).
   * @throws InvalidArgumentError unless `lower` is an integer ≥ 0.
   */
  range(lower: number): this {
    checkSequence(lower, "range lower bound");
    this.#selection = { $case: "range", value: { lower, upper: undefined } };
    return this;
  }

  /**
   * Events with sequences `lower` to `upper`, **both inclusive**: `rangeTo(3, 7)` reads 3, 4, 5,
   * 6 and 7 (five events), exactly as GetEventBook interprets the wire range (COORDINATOR.md §9.1).
   * @throws InvalidArgumentError for negative or non-integer bounds or `lower > upper`.
   */
  rangeTo(lower: number, upper: number): this {
    checkSequence(lower, "range lower bound");
    checkSequence(upper, "range upper bound");
    if (lower > upper) throw new InvalidArgumentError(`invalid range ${lower}..${upper}: lower bound is above upper bound`);
    this.#selection = { $case: "range", value: { lower, upper } };
    return this;
  }

  /**
   * Exactly these sequences (any order, gaps allowed).
   * @throws InvalidArgumentError for a negative or non-integer sequence.
   */
  sequences(values: readonly number[]): this {
    for (const v of values) checkSequence(v, "sequence");
    this.#selection = { $case: "sequences", value: { values: [...values] } };
    return this;
  }

  /**
   * The aggregate as it was at sequence `n`: events 0..n inclusive.
   * @throws InvalidArgumentError unless `n` is an integer ≥ 0.
   */
  asOfSequence(n: number): this {
    checkSequence(n, "asOfSequence");
    this.#selection = { $case: "temporal", value: { pointInTime: { $case: "asOfSequence", value: n } } };
    return this;
  }

  /**
   * The aggregate as it was at a point in time: events created at or before `time`.
   * @param time a Date, an RFC 3339 string (`2024-01-15T10:30:00.5+02:00`) or a Timestamp.
   * @throws InvalidTimestampError (an InvalidArgumentError) for a malformed time, immediately.
   */
  asOfTime(time: TimeInput): this {
    const ts = toTimestamp(time);
    this.#selection = { $case: "temporal", value: { pointInTime: { $case: "asOfTime", value: ts } } };
    return this;
  }

  /**
   * Read from an edition (a branch timeline) instead of the main timeline; `""` means the main one.
   * @throws InvalidArgumentError for a malformed edition name.
   */
  withEdition(name: string): this {
    checkEdition(name);
    this.#edition = name;
    return this;
  }

  /**
   * Select by correlation id instead of by aggregate: the coordinator then ignores domain, root,
   * edition and selection. `""` switches correlation mode off.
   * @throws InvalidArgumentError for characters outside `[A-Za-z0-9_-]` or more than 128.
   */
  byCorrelationId(id: string): this {
    checkCorrelationId(id);
    this.#correlationId = id;
    return this;
  }

  /**
   * The Query message.
   * @throws InvalidArgumentError for a missing or malformed domain or root (both optional with a correlation id).
   */
  build(): Query {
    const correlated = this.#correlationId !== "";
    if (!correlated || this.#domain) checkDomain(this.#domain);
    if (!this.#root && !correlated) throw new InvalidArgumentError("QueryBuilder: root is required (or use byCorrelationId)");
    return {
      cover: {
        domain: this.#domain,
        root: this.#root ? rootToProto(this.#root) : undefined,
        correlationId: this.#correlationId,
        edition: this.#edition ? { name: this.#edition, divergences: [] } : undefined,
      },
      selection: this.#selection,
    };
  }

  /** Run the query with GetEventBook. */
  getEventBook(opts?: CallOptions): Promise<EventBook> {
    let query: Query;
    try {
      query = this.build();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#client.getEventBook(query, opts);
  }

  /** Run the query with GetEvents (one book per aggregate for correlation queries). */
  getEvents(opts?: CallOptions): EventStream {
    return this.#client.getEvents(this.build(), opts);
  }

  /** The pages of {@link getEventBook}. */
  async getPages(opts?: CallOptions): Promise<EventPage[]> {
    return (await this.getEventBook(opts)).pages;
  }
}
