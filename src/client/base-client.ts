/**
 * Lifecycle shared by every client: the static factories, the connection it uses, closing,
 * readiness.
 * @module
 */
import type { ChannelInterface } from "@grpc/grpc-js";
import { ConnectionError } from "../errors.js";
import { Connection, type CallKind, type MethodDef } from "./connection.js";
import { endpointFromEnv } from "./endpoint.js";
import type { CallOptions, ClientOptions } from "./options.js";

/** Where `fromEnv` finds the endpoint: an environment variable, else a fallback. */
export interface EnvEndpoint {
  /** Name of the environment variable holding the endpoint, e.g. `ORDERS_ENDPOINT`. */
  envVar: string;
  /** Endpoint used when the variable is unset or blank. */
  fallback: string;
}

/** A concrete client class as the shared factories build it: from a connection and its options. */
type ClientClass<C extends BaseClient, O extends ClientOptions> = new (connection: Connection, ownsConnection: boolean, opts: O) => C;

/** The options argument of a factory: optional unless the class requires an option (DomainClient's `domain`). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{} extends O` asks whether every option is optional
type OptionsArg<O> = {} extends O ? [opts?: O] : [opts: O];

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

  /**
   * A client of the calling class with its own channel to `endpoint` (connected lazily, on the
   * first call): `QueryClient.connect("localhost:1310", { timeoutMs: 5000 })` is a QueryClient,
   * `DomainClient.connect("localhost:1310", { domain: "orders" })` a DomainClient.
   * @param opts - the class's options: {@link ClientOptions}, `SpeculativeClientOptions` or `DomainClientOptions`.
   * @throws InvalidArgumentError for a malformed endpoint or options.
   */
  static connect<C extends BaseClient, O extends ClientOptions>(this: ClientClass<C, O>, endpoint: string, ...opts: OptionsArg<O>): C {
    const options = (opts[0] ?? {}) as O;
    return new this(Connection.open(endpoint, options), true, options);
  }

  /**
   * `connect` to the endpoint in `process.env[envVar]`, or `fallback` when that is unset or
   * blank; the other fields are the class's options.
   * @example
   * const orders = DomainClient.fromEnv({ envVar: "ORDERS_ENDPOINT", fallback: "localhost:1310", domain: "orders" });
   * @throws InvalidArgumentError for a malformed endpoint or options.
   */
  static fromEnv<C extends BaseClient, O extends ClientOptions>(this: ClientClass<C, O>, opts: EnvEndpoint & O): C {
    const { envVar, fallback, ...rest } = opts;
    const options = rest as unknown as O;
    return new this(Connection.open(endpointFromEnv(envVar, fallback), options), true, options);
  }

  /**
   * A client of the calling class on an existing channel; `close()` leaves the channel open.
   * @param opts - the class's options (channel-level ones such as `tls` do not apply).
   */
  static fromChannel<C extends BaseClient, O extends ClientOptions>(this: ClientClass<C, O>, channel: ChannelInterface, ...opts: OptionsArg<O>): C {
    const options = (opts[0] ?? {}) as O;
    return new this(Connection.borrow(channel, options), true, options);
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
    return new ConnectionError(`${this.constructor.name} for ${this.endpoint} is closed; calls after close() are refused`, this.endpoint);
  }
}
