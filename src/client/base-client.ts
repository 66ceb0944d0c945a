/**
 * Lifecycle shared by every client: the connection it uses, closing, readiness.
 * @module
 */
import type { ChannelInterface } from "@grpc/grpc-js";
import { ConnectionError } from "../errors.js";
import type { CallKind, Connection, MethodDef } from "./connection.js";
import type { CallOptions } from "./options.js";

/**
 * Base of the SDK's clients. A client made by `connect`/`fromEnv` owns its channel and closes it
 * in `close()`; a client made by `fromChannel`, or handed out by a {@link Client} or
 * {@link DomainClient}, leaves the channel to its owner. Calls after `close()` reject with a
 * ConnectionError.
 */
export abstract class BaseClient implements AsyncDisposable {
  readonly #connection: Connection;
  readonly #ownsConnection: boolean;
  #closed = false;

  /** @internal Use the static factories (`connect`, `fromEnv`, `fromChannel`). */
  constructor(connection: Connection, ownsConnection: boolean) {
    this.#connection = connection;
    this.#ownsConnection = ownsConnection;
  }

  /** The grpc-js channel, e.g. to build another client on it with `fromChannel`. */
  get channel(): ChannelInterface {
    return this.#connection.channel;
  }

  /** The endpoint this client talks to (the channel target for `fromChannel`). */
  get endpoint(): string {
    return this.#connection.endpoint;
  }

  /** True after `close()` (or after the owner of a shared channel closed it). */
  get closed(): boolean {
    return this.#closed || this.#connection.closed;
  }

  /**
   * Wait until the channel is connected (clients connect lazily, on the first call).
   * @throws ConnectionError when the server is not reachable within `timeoutMs`.
   */
  waitForReady(opts: { timeoutMs?: number } = {}): Promise<void> {
    return this.closed ? Promise.reject(this.#closedError()) : this.#connection.waitForReady(opts);
  }

  /** Cancel this client's open streams and, if it owns the channel, close it. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsConnection) this.#connection.close();
    else this.#connection.cancelStreams(this);
  }

  /** `await using client = QueryClient.connect(...)` closes the client at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal The connection, after checking that this client is open. */
  protected get connection(): Connection {
    if (this.closed) throw this.#closedError();
    return this.#connection;
  }

  /**
   * @internal A unary call through this client's connection (or `via`, another connection it
   * owns); rejects, never throws, when the client is closed.
   */
  protected unary<Req, Res>(
    method: MethodDef<Req, Res>,
    request: Req,
    opts: CallOptions | undefined,
    kind: CallKind,
    via: Connection = this.#connection,
  ): Promise<Res> {
    if (this.closed) return Promise.reject(this.#closedError());
    return via.unary(method, request, opts, kind);
  }

  #closedError(): ConnectionError {
    return new ConnectionError(
      `${this.constructor.name} for ${this.endpoint} is closed; calls after close() are refused`,
      this.endpoint,
    );
  }
}
