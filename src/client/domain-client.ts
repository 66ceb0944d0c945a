/**
 * Everything about one domain on one channel: commands, queries and speculation.
 * @module
 */
import type { CommandResponse } from "../gen/angzarr/command_handler.js";
import type { CommandRequest, EventBook } from "../gen/angzarr/types.js";
import { BaseClient } from "./base-client.js";
import type { CommandBuilder } from "./command-builder.js";
import { CommandHandlerClient } from "./command-handler-client.js";
import type { Connection } from "./connection.js";
import type { CallOptions, ClientOptions } from "./options.js";
import type { QueryBuilder } from "./query-builder.js";
import { QueryClient } from "./query-client.js";
import type { EventStream } from "./result-stream.js";
import { SpeculativeClient } from "./speculative-client.js";
import { checkDomain } from "./validate.js";

/** Options of a DomainClient: the usual client options plus the domain. */
export interface DomainClientOptions extends ClientOptions {
  /** The domain every shortcut targets, e.g. `orders`. */
  domain: string;
}

/**
 * The clients of one domain's coordinator on one shared channel: `.commands`, `.queries` and
 * `.speculative`, plus shortcuts that fill in the domain.
 *
 * @example
 * await using orders = DomainClient.connect("localhost:1310", { domain: "orders" });
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
  constructor(connection: Connection, ownsConnection: boolean, opts: DomainClientOptions) {
    try {
      checkDomain(opts.domain);
    } catch (err) {
      // The factories opened the connection for this client; nobody else will close it.
      if (ownsConnection) connection.close();
      throw err;
    }
    super(connection, ownsConnection);
    this.domain = opts.domain;
    this.commands = new CommandHandlerClient(connection, false);
    this.queries = new QueryClient(connection, false);
    this.speculative = new SpeculativeClient(connection, false, {});
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
