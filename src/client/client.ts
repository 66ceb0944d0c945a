/**
 * The all-in-one client: every coordinator service on one channel.
 * @module
 */
import { BaseClient } from "./base-client.js";
import { CommandHandlerClient } from "./command-handler-client.js";
import type { Connection } from "./connection.js";
import { DomainClient } from "./domain-client.js";
import { QueryClient } from "./query-client.js";
import { SpeculativeClient } from "./speculative-client.js";

/**
 * Commands, queries and speculation for any domain on one shared channel.
 *
 * @example
 * await using client = Client.connect("https://angzarr.example.com", { token: () => getToken() });
 * const response = await client.commands.command("orders", root).withCommand(ShipOrder, {}).withSequence(3).execute();
 * const orders = client.domain("orders");
 * const book = await orders.getEventBook(root);
 */
export class Client extends BaseClient {
  /** Commands, facts and compensation (same channel). */
  readonly commands: CommandHandlerClient;
  /** Queries (same channel). */
  readonly queries: QueryClient;
  /** Speculative execution (same channel). */
  readonly speculative: SpeculativeClient;
  readonly #domains = new Map<string, DomainClient>();

  /** @internal Use the static factories. */
  constructor(connection: Connection, ownsConnection: boolean) {
    super(connection, ownsConnection);
    this.commands = new CommandHandlerClient(connection, false);
    this.queries = new QueryClient(connection, false);
    this.speculative = new SpeculativeClient(connection, false, {});
  }

  /** The command client, under the name the Angzarr docs use. */
  get aggregate(): CommandHandlerClient {
    return this.commands;
  }

  /**
   * The DomainClient for `name` on this client's channel, created once per domain and closed
   * together with this client.
   * @throws InvalidArgumentError for a malformed domain name.
   */
  domain(name: string): DomainClient {
    let client = this.#domains.get(name);
    if (!client || client.closed) {
      client = new DomainClient(this.connection, false, { domain: name });
      this.#domains.set(name, client);
    }
    return client;
  }

  /** Close every sub-client's streams and, when owned, the channel. */
  override async close(): Promise<void> {
    const subs: BaseClient[] = [this.commands, this.queries, this.speculative, ...this.#domains.values()];
    await Promise.all(subs.map((c) => c.close()));
    this.#domains.clear();
    await super.close();
  }
}
