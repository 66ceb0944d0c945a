/**
 * Client of `CommandHandlerCoordinatorService`: send commands and facts to aggregates.
 * @module
 */
import { nextSequence } from "../core/books.js";
import { newRoot } from "../core/uuid.js";
import {
  CommandHandlerCoordinatorServiceService as Svc,
  type BusinessResponse,
  type CommandResponse,
  type FactInjectionResponse,
} from "../gen/angzarr/command_handler.js";
import { EventQueryServiceService as QuerySvc } from "../gen/angzarr/query.js";
import type { CommandRequest, Cover, EventRequest } from "../gen/angzarr/types.js";
import { BaseClient } from "./base-client.js";
import { CommandBuilder } from "./command-builder.js";
import { buildFactRequest, type FactInit } from "./facts.js";
import type { CallOptions } from "./options.js";
import { executeWithRefresh, type RefreshOptions } from "./refresh.js";
import { speculateCommandRequest, type SpeculationPoint, type SpeculativeCommand } from "./speculative-client.js";

/**
 * Sends commands to the aggregate coordinator (HandleCommand), injects facts (HandleEvent),
 * delivers compensations and runs speculative commands. Also exported as `AggregateClient`.
 *
 * Commands are not retried by a RetryPolicy unless it sets `retryCommands`; a sequence mismatch
 * is recovered explicitly with {@link executeWithRefresh} or `CommandBuilder.retryOnSequenceMismatch`.
 *
 * @example
 * await using commands = CommandHandlerClient.connect("localhost:1310", { timeoutMs: 10_000 });
 * const builder = commands.commandNew("orders").withCommand(CreateOrder, { orderId: "o-1" });
 * const response = await builder.execute();
 * console.log(builder.root, response.events?.nextSequence);
 */
export class CommandHandlerClient extends BaseClient {
  /**
   * Send a command (HandleCommand). The response's `events` holds the newly stored pages.
   * @throws GrpcError FAILED_PRECONDITION on a sequence mismatch (`isSequenceMismatch()`,
   * `currentState`) or a business rejection, INVALID_ARGUMENT for malformed requests; ConnectionError, TransportError.
   */
  handleCommand(request: CommandRequest, opts?: CallOptions): Promise<CommandResponse> {
    return this.unary(Svc.handleCommand, request, opts, "command");
  }

  /** Start a command to the aggregate `root` (a UUID string) of `domain`. */
  command(domain: string, root: string): CommandBuilder {
    return new CommandBuilder(this, domain, root);
  }

  /** Start a command to a new aggregate of `domain` with a fresh random (v4) root, readable as `.root`. */
  commandNew(domain: string): CommandBuilder {
    return new CommandBuilder(this, domain, newRoot());
  }

  /**
   * Send `target`; on a sequence mismatch retry at the aggregate's current sequence, taken from
   * the error's EventBook (`GrpcError.currentState`) or, when that is missing or unreadable,
   * from a query. The tool for concurrent writers of one aggregate.
   * @throws the last mismatch after `maxAttempts` (default 3), any other failure at once.
   */
  executeWithRefresh(target: CommandBuilder | CommandRequest, opts: RefreshOptions = {}): Promise<CommandResponse> {
    try {
      const request = target instanceof CommandBuilder ? target.build() : target;
      return executeWithRefresh(
        request,
        opts,
        (r, o) => this.handleCommand(r, o),
        (cover, o) => this.#readNextSequence(cover, o),
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Inject facts (HandleEvent): events that happened outside the system, recorded on the
   * aggregate at sequences the coordinator assigns. Pages need `externalDeferred` headers.
   */
  injectFacts(request: EventRequest, opts?: CallOptions): Promise<FactInjectionResponse> {
    return this.unary(Svc.handleEvent, request, opts, "command");
  }

  /**
   * Inject facts from plain values: builds the pages with `externalDeferred` headers carrying
   * `externalId`, which makes the injection idempotent.
   * @throws InvalidArgumentError before the call for missing or malformed fields.
   */
  async injectFact(init: FactInit, opts?: CallOptions): Promise<FactInjectionResponse> {
    return this.injectFacts(buildFactRequest(init), opts);
  }

  /** Deliver a compensation (HandleCompensation); answers the business response verbatim. */
  handleCompensation(request: CommandRequest, opts?: CallOptions): Promise<BusinessResponse> {
    return this.unary(Svc.handleCompensation, request, opts, "command");
  }

  /**
   * Run a command against the aggregate's history up to `at` without persisting it
   * (HandleSyncSpeculative); same as `SpeculativeClient.speculateCommand`.
   */
  async speculate(command: SpeculativeCommand, at: SpeculationPoint, opts?: CallOptions): Promise<CommandResponse> {
    return this.unary(Svc.handleSyncSpeculative, speculateCommandRequest(command, at), opts, "query");
  }

  async #readNextSequence(cover: Cover, opts: CallOptions): Promise<number> {
    const query = { cover: { ...cover, correlationId: "" }, selection: undefined };
    return nextSequence(await this.unary(QuerySvc.getEventBook, query, opts, "query"));
  }
}

/** The command client under the name the Angzarr docs use. */
export const AggregateClient = CommandHandlerClient;
/** The command client under the name the Angzarr docs use. */
export type AggregateClient = CommandHandlerClient;
