import type { SagaHandleRequest, SagaResponse } from "../gen/angzarr/saga.js";
import type { CommandBook, Cover, EventBook } from "../gen/angzarr/types.js";
import { coverRoot } from "../core/books.js";
import { assertMessageType, type MessageType } from "../core/message.js";
import { Status } from "../errors.js";
import type { SagaComponent } from "./components.js";
import { Destinations } from "./destinations.js";
import { DefinitionError, DispatchError } from "./errors.js";
import { stampCommands, stampFacts } from "./outbound.js";
import { sourceEventAt, type SourceEvent } from "./source-event.js";
import { TypeTable } from "./type-table.js";

/** What a saga emits for one source event. */
export interface SagaHandlerResponse {
  /** Commands for other aggregates (see `commandBook`). @default none */
  readonly commands?: readonly CommandBook[];
  /** Facts for other aggregates (see `factBook`). @default none */
  readonly facts?: readonly EventBook[];
}

/** A saga handler's result, possibly asynchronous. */
export type SagaHandlerReturn = SagaHandlerResponse | void | undefined | Promise<SagaHandlerResponse | void | undefined>;

/** The business logic of a saga: which event types it reacts to, and how. */
export interface SagaDomainHandler {
  /** Event types of the source domain the saga reacts to. */
  eventTypes(): readonly MessageType[];
  /** React to one source event. */
  handle(source: EventBook, event: SourceEvent, destinations: Destinations): SagaHandlerReturn;
}

/** What a typed saga handler knows besides its event. */
export interface SagaEventContext {
  /** The whole source book. */
  readonly source: EventBook;
  /** The event's page and sequence. */
  readonly event: SourceEvent;
  /** Next sequences of destination aggregates, when the coordinator sent them. */
  readonly destinations: Destinations;
  /** Source root as a UUID string. */
  readonly sourceRoot: string | undefined;
}

/**
 * A SagaDomainHandler built from typed per-event functions.
 * @example
 * const handlers = new SagaHandlers().on(ItemAdded, (e, ctx) => ({
 *   commands: [commandBook({ domain: "inventory", root: computeRoot("inventory", e.sku) },
 *     event(ReserveStock, { orderId: ctx.sourceRoot ?? "", sku: e.sku, quantity: e.quantity }))],
 * }));
 */
export class SagaHandlers implements SagaDomainHandler {
  readonly #handlers = new TypeTable<{ type: MessageType; fn: (event: unknown, ctx: SagaEventContext) => SagaHandlerReturn }>("saga event handler");

  /** React to events of `type`. */
  on<E>(type: MessageType<E>, fn: (event: E, ctx: SagaEventContext) => SagaHandlerReturn): this {
    assertMessageType(type, "SagaHandlers.on(type)");
    this.#handlers.set(type, { type, fn: fn as (event: unknown, ctx: SagaEventContext) => SagaHandlerReturn });
    return this;
  }

  /** Types registered with `on`. */
  eventTypes(): MessageType[] {
    return this.#handlers.names().map((name) => this.#handlers.getByName(name)!.type);
  }

  /** Call the function registered for the event's type. */
  handle(source: EventBook, event: SourceEvent, destinations: Destinations): SagaHandlerReturn {
    const entry = this.#handlers.getByName(event.type.$type);
    return entry?.fn(event.message, { source, event, destinations, sourceRoot: coverRoot(source.cover) });
  }
}

/**
 * Serves a saga: walks every page of the source book, calls the handler for each event type
 * it declares, and stamps what it emits (commands: deferred headers naming the source event,
 * correlation id and edition filled; facts: stable external ids).
 * @example
 * const saga = new SagaRouter("orders-inventory", "orders", new SagaHandlers().on(ItemAdded, reserve));
 * await runSagaServer(saga);
 */
export class SagaRouter implements SagaComponent {
  /** Saga name. */
  readonly name: string;
  /** Domain whose events it reacts to. */
  readonly sourceDomain: string;
  readonly #handler: SagaDomainHandler;
  readonly #types = new TypeTable<MessageType>("saga event type");

  /**
   * A saga reacting to events of `sourceDomain`.
   * @param name - saga name, used in logs and in the external ids of the facts it emits.
   * @param sourceDomain - domain whose events it reacts to.
   * @param handler - the business logic, e.g. a {@link SagaHandlers}.
   * @throws DefinitionError for an empty name or domain, or a handler that declares no event types.
   */
  constructor(name: string, sourceDomain: string, handler: SagaDomainHandler) {
    if (!name) throw new DefinitionError("SagaRouter(name, ...): name is required");
    if (!sourceDomain) throw new DefinitionError(`SagaRouter(${name}): sourceDomain is required`);
    if (!handler || typeof handler.eventTypes !== "function" || typeof handler.handle !== "function") {
      throw new DefinitionError(`SagaRouter(${name}): handler must implement eventTypes() and handle()`);
    }
    for (const type of handler.eventTypes()) {
      assertMessageType(type, `SagaRouter(${name}) event type`);
      this.#types.set(type, type);
    }
    if (this.#types.size === 0) throw new DefinitionError(`SagaRouter(${name}): the handler declares no event types`);
    this.name = name;
    this.sourceDomain = sourceDomain;
    this.#handler = handler;
  }

  /** React to a source book. Books of another domain produce nothing. */
  async handle(request: SagaHandleRequest): Promise<SagaResponse> {
    const source = request.source;
    if (!source) throw new DispatchError(Status.INVALID_ARGUMENT, "SagaHandleRequest carries no source events");
    const response: SagaResponse = { commands: [], events: [] };
    const domain = source.cover?.domain;
    if (domain && domain !== this.sourceDomain) return response;
    const cover: Cover = source.cover ?? { domain: this.sourceDomain, root: undefined, correlationId: "", edition: undefined };
    const destinations = new Destinations(request.destinationSequences);
    const idPrefix = `${this.name}:${coverRoot(cover) ?? ""}`;
    for (let i = 0; i < source.pages.length; i++) {
      const event = sourceEventAt(source, i, this.#types);
      if (!event) continue;
      const out = (await this.#handler.handle(source, event, destinations)) ?? {};
      response.commands.push(...stampCommands(out.commands, cover, event.sequence));
      response.events.push(...stampFacts(out.facts, cover, `${idPrefix}:${event.sequence}`, this.name));
    }
    return response;
  }
}
