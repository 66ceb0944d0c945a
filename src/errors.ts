import { inspect } from "node:util";
import { Metadata, status as Status, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { EventBook } from "./gen/angzarr/types.js";

/** gRPC status codes, re-exported so callers need not import grpc-js for comparisons. */
export { Status };

const BRAND = Symbol.for("angzarr.ClientError");
const DETAILS_KEY = "grpc-status-details-bin";

/** How a failed call may be retried; see {@link ClientError.retryKind}. */
export type RetryKind = "never" | "immediately" | "with-backoff" | "after-refresh";

/**
 * Base of every error the SDK raises. Predicates work on every subclass, so callers can
 * branch without `instanceof` chains; `isClientError` also works across module copies.
 * @example
 * try {
 *   await orders.command(root).withCommand(ShipOrder, {}).withSequence(seq).execute();
 * } catch (err) {
 *   if (!isClientError(err)) throw err;
 *   if (err instanceof GrpcError && err.isSequenceMismatch()) seq = err.currentState?.nextSequence ?? seq;
 *   else if (err.isRetryable()) await retryLater(err.retryAfterMs);
 *   else throw err;
 * }
 */
export abstract class ClientError extends Error {
  /** @internal Marks SDK errors for {@link isClientError}, also across duplicated module copies. */
  readonly [BRAND] = true;

  /** The gRPC status code, or undefined when the failure did not come from a gRPC status. */
  get code(): Status | undefined {
    return undefined;
  }

  /** True for NOT_FOUND. */
  isNotFound(): boolean {
    return this.code === Status.NOT_FOUND;
  }

  /** True for FAILED_PRECONDITION (e.g. a sequence mismatch or a business rejection). */
  isPreconditionFailed(): boolean {
    return this.code === Status.FAILED_PRECONDITION;
  }

  /** True for INVALID_ARGUMENT from the server and for the client's own argument checks. */
  isInvalidArgument(): boolean {
    return this.code === Status.INVALID_ARGUMENT;
  }

  /** True when the server could not be reached or the connection broke. */
  isConnectionError(): boolean {
    return false;
  }

  /** True when the call ran out of time (see {@link GrpcError.isDeadlineExceeded}). */
  isDeadlineExceeded(): boolean {
    return this.code === Status.DEADLINE_EXCEEDED;
  }

  /** How this failure may be retried. */
  get retryKind(): RetryKind {
    return "never";
  }

  /** True when retrying can succeed (possibly after a backoff or a state refresh). */
  isRetryable(): boolean {
    return this.retryKind !== "never";
  }

  /** Server hint (from `retry-after-ms`, `grpc-retry-pushback-ms` or `retry-after` metadata), in ms. */
  get retryAfterMs(): number | undefined {
    return undefined;
  }

  /** `TypeName: description`. */
  override toString(): string {
    return `${this.name}: ${this.message}`;
  }

  /** Detailed form for logs and `util.inspect`. */
  toJSON(): Record<string, unknown> {
    return {
      type: this.name,
      message: this.message,
      code: this.code === undefined ? undefined : Status[this.code],
      retry: this.retryKind,
      cause: this.cause instanceof Error ? this.cause.message : this.cause,
    };
  }

  /** `util.inspect` shows the {@link toJSON} form. */
  [inspect.custom](): string {
    return `${this.name} ${inspect(this.toJSON())}`;
  }
}

/** True for any error raised by this SDK (also across duplicated module copies). */
export function isClientError(value: unknown): value is ClientError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** A call answered with a non-OK gRPC status. */
export class GrpcError extends ClientError {
  /** `"GrpcError"` (subclass names for subclasses). */
  override readonly name: string = "GrpcError";
  readonly #code: Status;
  /** Status message as sent by the server. */
  readonly details: string;
  /** Response trailers. */
  readonly metadata: Metadata;

  /**
   * An error for a non-OK status; clients build it from grpc-js errors (see {@link fromServiceError}).
   * @param code - the gRPC status code.
   * @param details - the status message; the error message is `<CODE NAME>: <details>`.
   * @param metadata - response trailers (empty when omitted).
   * @param options - `cause`: the underlying error, e.g. the grpc-js ServiceError.
   */
  constructor(code: Status, details: string, metadata: Metadata = new Metadata(), options?: { cause?: unknown }) {
    super(`${Status[code] ?? code}: ${details}`, options);
    this.#code = code;
    this.details = details;
    this.metadata = metadata;
  }

  /** Wrap a grpc-js ServiceError, keeping it as `cause`. */
  static fromServiceError(err: ServiceError): GrpcError {
    return new GrpcError(err.code, err.details, err.metadata ?? new Metadata(), { cause: err });
  }

  override get code(): Status {
    return this.#code;
  }

  /** The full status (code, details, metadata) as grpc-js represents it. */
  get status(): StatusObject {
    return { code: this.#code, details: this.details, metadata: this.metadata };
  }

  /** Raw `grpc-status-details-bin` bytes, when the server sent any. */
  get statusDetails(): Buffer | undefined {
    const value = this.metadata.get(DETAILS_KEY)[0];
    return Buffer.isBuffer(value) ? value : undefined;
  }

  /**
   * On a sequence mismatch the coordinator sends the aggregate's current EventBook in the
   * status details: decoded here so a caller can retry at `nextSequence` without a query.
   * Undefined when absent or undecodable (then refresh by query).
   */
  get currentState(): EventBook | undefined {
    if (this.#code !== Status.FAILED_PRECONDITION) return undefined;
    const bytes = this.statusDetails;
    if (!bytes || bytes.length === 0) return undefined;
    try {
      return EventBook.decode(bytes);
    } catch {
      return undefined;
    }
  }

  /**
   * True for DEADLINE_EXCEEDED, and for CANCELLED `Timeout expired`: servers built on tonic,
   * Angzarr's coordinator among them, enforce the call's `grpc-timeout` themselves and answer
   * so when their timer fires before the client's (seen against Angzarr 0.5.1).
   */
  override isDeadlineExceeded(): boolean {
    return this.#code === Status.DEADLINE_EXCEEDED || (this.#code === Status.CANCELLED && this.details === "Timeout expired");
  }

  /** True for the coordinator's optimistic-concurrency failures. */
  isSequenceMismatch(): boolean {
    return this.#code === Status.FAILED_PRECONDITION && /^Sequence (mismatch|conflict)/.test(this.details);
  }

  override get retryKind(): RetryKind {
    switch (this.#code) {
      case Status.UNAVAILABLE:
        return "immediately";
      case Status.RESOURCE_EXHAUSTED:
      case Status.ABORTED:
        return "with-backoff";
      case Status.FAILED_PRECONDITION:
        return "after-refresh";
      default:
        return "never";
    }
  }

  override get retryAfterMs(): number | undefined {
    for (const key of ["retry-after-ms", "grpc-retry-pushback-ms"]) {
      const value = this.metadata.get(key)[0];
      const ms = typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
      if (Number.isFinite(ms) && ms >= 0) return ms;
    }
    const seconds = this.metadata.get("retry-after")[0];
    if (typeof seconds === "string" && seconds.trim() !== "") {
      const n = Number(seconds);
      if (Number.isFinite(n) && n >= 0) return n * 1000;
      const at = Date.parse(String(seconds));
      if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
    }
    return undefined;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), details: this.details, metadata: this.metadata.toJSON() };
  }
}

/** The server could not be reached (refused, unresolvable, no route). */
export class ConnectionError extends ClientError {
  /** `"ConnectionError"`. */
  override readonly name: string = "ConnectionError";
  /**
   * An error for a server that could not be reached (or, as TransportError, a broken connection).
   * @param message - what failed, naming the endpoint.
   * @param endpoint - the endpoint the client tried to reach.
   * @param options - `cause`: the underlying error.
   */
  constructor(
    message: string,
    /** Endpoint the client tried to reach. */
    readonly endpoint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  override isConnectionError(): boolean {
    return true;
  }
  override get retryKind(): RetryKind {
    return "immediately";
  }
}

/** An established connection broke during a call (reset, closed, protocol error). */
export class TransportError extends ConnectionError {
  /** `"TransportError"`. */
  override readonly name: string = "TransportError";
}

/** The caller passed something the SDK refuses before any network call. */
export class InvalidArgumentError extends ClientError {
  /** `"InvalidArgumentError"` (subclass names for subclasses). */
  override readonly name: string = "InvalidArgumentError";
  override isInvalidArgument(): boolean {
    return true;
  }
}

/** A timestamp string that is not RFC 3339. */
export class InvalidTimestampError extends InvalidArgumentError {
  /** `"InvalidTimestampError"`. */
  override readonly name: string = "InvalidTimestampError";
  /**
   * An error for a timestamp that could not be parsed.
   * @param input - the rejected text.
   * @param reason - what is wrong with it; the message adds an RFC 3339 example.
   */
  constructor(
    /** The rejected input. */
    readonly input: string,
    reason: string,
  ) {
    super(`invalid timestamp ${JSON.stringify(input)}: ${reason}; expected RFC 3339 such as 2024-01-15T10:30:00Z`);
  }
}

/**
 * Raised by business logic to refuse a command. Served to the coordinator as
 * FAILED_PRECONDITION (or the given status) with this message.
 * @example
 * if (cmd.amount <= 0) throw CommandRejectedError.invalidArgument("deposit amount must be positive");
 * if (!this.exists) throw new CommandRejectedError("player is not registered"); // FAILED_PRECONDITION
 */
export class CommandRejectedError extends ClientError {
  /** `"CommandRejectedError"`. */
  override readonly name: string = "CommandRejectedError";
  /** The gRPC status the rejection is served with (also returned by `code`). */
  readonly statusCode: Status;
  /**
   * A rejection with `message`; the static helpers cover the common status codes.
   * @param message - the reason, sent to the caller as the status message.
   * @param options - `statusCode`: the status to serve (default FAILED_PRECONDITION);
   * `cause`: the underlying error.
   */
  constructor(message: string, options?: { statusCode?: Status; cause?: unknown }) {
    super(message, options);
    this.statusCode = options?.statusCode ?? Status.FAILED_PRECONDITION;
  }
  /** A rejection served as FAILED_PRECONDITION. */
  static preconditionFailed(message: string): CommandRejectedError {
    return new CommandRejectedError(message);
  }
  /** A rejection served as INVALID_ARGUMENT. */
  static invalidArgument(message: string): CommandRejectedError {
    return new CommandRejectedError(message, { statusCode: Status.INVALID_ARGUMENT });
  }
  /** A rejection served as NOT_FOUND. */
  static notFound(message: string): CommandRejectedError {
    return new CommandRejectedError(message, { statusCode: Status.NOT_FOUND });
  }
  override get code(): Status {
    return this.statusCode;
  }
}

// What grpc-js 1.14 reports for transport failures, observed against real sockets
// (test/client/transport-errors.test.ts keeps these observations honest):
//   closed port / missing UDS path / TLS to a plaintext server:
//     UNAVAILABLE "No connection established. Last error: Error: connect ECONNREFUSED ..." (ENOENT, SSL routines ...)
//   unresolvable host:  UNAVAILABLE "Name resolution failed for target dns:..."
//   channel closed by its owner before the call started: UNAVAILABLE "Channel closed before call started"
//   RST mid-call:       UNAVAILABLE "read ECONNRESET"
//   FIN mid-call:       UNAVAILABLE "Connection dropped"
//   write failure:      UNAVAILABLE "Write error: ..."
//   peer reset without status: INTERNAL "Received RST_STREAM with code N ..."
//   server shut down mid-stream: CANCELLED "Call cancelled" (a cancel of our own reads "Cancelled on client")
const NEVER_CONNECTED = /^(No connection established|Name resolution failed|Failed to connect|Channel closed)\b/;
const CONNECTION_BROKEN = /^(Connection dropped|(read|write) (ECONNRESET|EPIPE|ETIMEDOUT)|Write error: |Received RST_STREAM with code)/;
const PEER_CANCELLED = "Call cancelled";

/**
 * Classify a grpc-js failure: unreachable server -> ConnectionError, broken connection ->
 * TransportError, any other status -> GrpcError. Non-gRPC values are wrapped as TransportError.
 */
export function toClientError(err: unknown, endpoint?: string): ClientError {
  if (isClientError(err)) return err;
  const se = err as Partial<ServiceError> | undefined;
  if (se && typeof se.code === "number") {
    const details = se.details ?? se.message ?? "";
    if (se.code === Status.UNAVAILABLE && NEVER_CONNECTED.test(details)) {
      // grpc-js appends an often empty "Resolution note: " to connection failures.
      const reason = details.replace(/\.? Resolution note: $/, "");
      return new ConnectionError(`cannot reach ${endpoint ?? "server"}: ${reason}`, endpoint, { cause: err });
    }
    if (
      ((se.code === Status.UNAVAILABLE || se.code === Status.INTERNAL) && CONNECTION_BROKEN.test(details)) ||
      (se.code === Status.CANCELLED && details === PEER_CANCELLED)
    ) {
      return new TransportError(`connection to ${endpoint ?? "server"} broke: ${details}`, endpoint, { cause: err });
    }
    return GrpcError.fromServiceError(se as ServiceError);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TransportError(message, endpoint, { cause: err });
}
