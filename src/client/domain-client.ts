/**
 * Everything about one domain on one channel: commands, queries and speculation.
 * @module
 */
import type { ChannelInterface } from "@grpc/grpc-js";
import type { CommandResponse } from "../gen/angzarr/command_handler.js";
import type { CommandRequest, EventBook } from "../gen/angzarr/types.js";
import { BaseClient } from "./base-client.js";
import type { CommandBuilder } from "./command-builder.js";
import { CommandHandlerClient } from "./command-handler-client.js";
import { Connection } from "./connection.js";
import { endpointFromEnv } from "./endpoint.js";
import type { CallOptions, ClientOptions } from "./options.js";
import type { QueryBuilder } from "./query-builder.js";
import { QueryClient } from "./query-client.js";
import type { EventStream } from "./result-stream.js";
import { SpeculativeClient } from "./speculative-client.js";
import { checkDomain } from "./validate.js";

/**
 * The clients of one domain's coordinator on one shared channel: `.commands`, `.queries` and
 * `.speculative`, plus shortcuts that fill in the domain.
 *
 * @example
 * await using orders = DomainClient.connect("localhost:1310", "orders");
 * const create = orders.commandNew().withCommand(CreateOrder, { orderId: "o-1" });
 * await create.execute();
 * const book = await orders.getEventBook(create.root);
 */
export class DomainClient extends BaseClient {
  /** The domain every shortcut targets. */
  readonly domain: string;
  /** Commands, facts and compensation (same channel). */
  readonly commands: CommandHandlerClient;
  /** Queries (same channel). */
  readonly queries: QueryClient;
  /** Speculative execution (same channel). */
  readonly speculative: SpeculativeClient;

  /**
   * @internal Use the static factories or `Client.domain()`.
   * @throws InvalidArgumentError for a malformed domain name.
   */
  constructor(connection: Connection, ownsConnection: boolean, domain: string) {
    checkDomain(domain);
    super(connection, ownsConnection);
    this.domain = domain;
    this.commands = new CommandHandlerClient(connection, false);
    this.queries = new QueryClient(connection, false);
    this.speculative = new SpeculativeClient(connection, false);
  }

  /**
   * A client for `domain` with its own channel to `endpoint` (connected lazily).
   * @throws InvalidArgumentError for a malformed endpoint, domain or options.
   */
  static connect(endpoint: string, domain: string, opts?: ClientOptions): DomainClient {
    return new DomainClient(Connection.open(endpoint, opts), true, domain);
  }

  /** {@link connect} to the endpoint in `process.env[envVar]`, or `fallback` when unset or empty. */
  static fromEnv(envVar: string, fallback: string, domain: string, opts?: ClientOptions): DomainClient {
    return DomainClient.connect(endpointFromEnv(envVar, fallback), domain, opts);
  }

  /** A client for `domain` on an existing channel; `close()` leaves the channel open. */
  static fromChannel(channel: ChannelInterface, domain: string, opts?: ClientOptions): DomainClient {
    return new DomainClient(Connection.borrow(channel, opts), true, domain);
  }

  /** Start a command to the aggregate `root` of this domain. */
  command(root: string): CommandBuilder {
    return this.commands.command(this.domain, root);
  }

  /** Start a command to a new aggregate of this domain (fresh v4 root, readable as `.root`). */
  commandNew(): CommandBuilder {
    return this.commands.commandNew(this.domain);
  }

  /** Start a query for the aggregate `root` of this domain. */
  query(root: string): QueryBuilder {
    return this.queries.query(this.domain, root);
  }

  /** The whole history of the aggregate `root`. */
  getEventBook(root: string, opts?: CallOptions): Promise<EventBook> {
    return this.query(root).getEventBook(opts);
  }

  /** The history of the aggregate `root` as a stream (GetEvents). */
  getEvents(root: string, opts?: CallOptions): EventStream {
    return this.query(root).getEvents(opts);
  }

  /** Send a command built with a builder, or a complete request. */
  execute(command: CommandBuilder | CommandRequest, opts?: CallOptions): Promise<CommandResponse> {
    return "build" in command ? command.execute(opts) : this.commands.handleCommand(command, opts);
  }

  /** Close the sub-clients' streams and, when owned, the channel. */
  override async close(): Promise<void> {
    await Promise.all([this.commands.close(), this.queries.close(), this.speculative.close()]);
    await super.close();
  }
}
