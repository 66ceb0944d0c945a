/**
 * Client of `EventQueryService`: read an aggregate's events.
 * @module
 */
import { protoToUuid } from "../core/uuid.js";
import { InvalidArgumentError } from "../errors.js";
import { EventQueryServiceService as Svc } from "../gen/angzarr/query.js";
import type { AggregateRoot, EventBook, Query } from "../gen/angzarr/types.js";
import { BaseClient } from "./base-client.js";
import type { CallOptions } from "./options.js";
import { QueryBuilder } from "./query-builder.js";
import type { EventStream, ResultStream } from "./result-stream.js";
import { SyncSession } from "./sync-session.js";

/** One aggregate listed by GetAggregateRoots. */
export interface AggregateRootRef {
  /** Its domain. */
  domain: string;
  /** Its root as a canonical UUID string. */
  root: string;
}

const EMPTY = {};

function toRef(message: AggregateRoot): AggregateRootRef {
  const bytes = message.root?.value ?? Buffer.alloc(0);
  // A root that is not 16 bytes cannot be a UUID; report its hex rather than fail the listing.
  return { domain: message.domain, root: bytes.length === 16 ? protoToUuid(message.root) : Buffer.from(bytes).toString("hex") };
}

/**
 * Reads events through the coordinator's EventQueryService. Unknown aggregates are not an
 * error: they read as an empty book with `nextSequence` 0.
 *
 * @example
 * await using queries = QueryClient.connect("localhost:1310");
 * const book = await queries.query("orders", root).getEventBook({ timeoutMs: 5000 });
 * for await (const ref of queries.getAggregateRoots()) console.log(ref.domain, ref.root);
 */
export class QueryClient extends BaseClient {
  /**
   * Read one book (GetEventBook).
   * @throws ClientError: GrpcError (e.g. INVALID_ARGUMENT, DEADLINE_EXCEEDED, CANCELLED), ConnectionError, TransportError.
   */
  getEventBook(query: Query, opts?: CallOptions): Promise<EventBook> {
    return this.unary(Svc.getEventBook, query, opts, "query");
  }

  /**
   * Stream books (GetEvents): the full history of one aggregate, or one book per aggregate for a
   * correlation query. The call starts when iteration starts.
   */
  getEvents(query: Query, opts?: CallOptions): EventStream {
    return this.connection.serverStream(Svc.getEvents, query, opts, this, (book) => book);
  }

  /** Stream every aggregate that has events on the main timeline (GetAggregateRoots). */
  getAggregateRoots(opts?: CallOptions): ResultStream<AggregateRootRef> {
    return this.connection.serverStream(Svc.getAggregateRoots, EMPTY, opts, this, toRef);
  }

  /**
   * Open a Synchronize session (bidirectional). Being open-ended, it has a deadline only when
   * `opts.timeoutMs` is given; use `opts.signal` or `cancel()` to stop it.
   */
  synchronize(opts: CallOptions = {}): SyncSession {
    return new SyncSession(this.connection.duplex(Svc.synchronize, opts, this), this.endpoint, opts.signal);
  }

  /** Start a query for the aggregate `root` (a UUID string) of `domain`. */
  query(domain: string, root: string): QueryBuilder {
    return new QueryBuilder(this, domain, root);
  }

  /**
   * Start a query for every event carrying `correlationId`.
   * @throws InvalidArgumentError for an empty or malformed correlation id.
   */
  queryByCorrelation(correlationId: string): QueryBuilder {
    if (!correlationId) throw new InvalidArgumentError("queryByCorrelation: a correlation id is required");
    return new QueryBuilder(this, "", undefined).byCorrelationId(correlationId);
  }
}
