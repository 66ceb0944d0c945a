import type {
  ProcessManagerHandleRequest,
  ProcessManagerHandleResponse,
  ProcessManagerPrepareRequest,
  ProcessManagerPrepareResponse,
} from "../gen/angzarr/process_manager.js";
import type { CommandBook, Cover, EventBook } from "../gen/angzarr/types.js";
import { makeCover, type CoverInit } from "../core/books.js";
import { assertMessageType, type MessageType } from "../core/message.js";
import { isUuid, uuidToProto } from "../core/uuid.js";
import { Status } from "../errors.js";
import { CommandSession } from "./command-session.js";
import type { ProcessManagerComponent } from "./components.js";
import { Destinations } from "./destinations.js";
import { DefinitionError, DispatchError } from "./errors.js";
import type { HandlerResult } from "./events.js";
import { stampCommands, stampFacts } from "./outbound.js";
import { sourceEventAt, type SourceEvent } from "./source-event.js";
import { stateModelOf, type RebuildState, type StateModel } from "./state-router.js";
import { TypeTable } from "./type-table.js";

const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/** What a process manager emits for one trigger. */
export interface ProcessManagerHandlerResponse {
  /** Commands for other aggregates (see `commandBook`). @default none */
  readonly commands?: readonly CommandBook[];
  /** Events of the process manager itself, numbered after its prior events. @default none */
  readonly processEvents?: HandlerResult;
  /** Facts for other aggregates (see `factBook`). @default none */
  readonly facts?: readonly EventBook[];
}

/** A process manager handler's result, possibly asynchronous. */
export type ProcessManagerHandlerReturn =
  ProcessManagerHandlerResponse | void | undefined | Promise<ProcessManagerHandlerResponse | void | undefined>;

/** Aggregates a process manager wants to see before handling (their next sequences come back as destinations). */
export type PrepareReturn = readonly (Cover | CoverInit)[] | void | undefined | Promise<readonly (Cover | CoverInit)[] | void | undefined>;

/** The business logic of a process manager for one source domain. */
export interface ProcessManagerDomainHandler<S> {
  /** Event types of the source domain it reacts to. */
  eventTypes(): readonly MessageType[];
  /** Name the destination aggregates the handle step needs (optional). */
  prepare?(trigger: EventBook, state: S, event: SourceEvent): PrepareReturn;
  /** React to the trigger event with the process state. */
  handle(trigger: EventBook, state: S, event: SourceEvent, destinations: Destinations): ProcessManagerHandlerReturn;
}

/** What a typed process manager handler knows besides its event and state. */
export interface ProcessManagerEventContext {
  /** The whole trigger book. */
  readonly trigger: EventBook;
  /** The event's page and sequence. */
  readonly event: SourceEvent;
  /** Next sequences of destination aggregates (empty during prepare). */
  readonly destinations: Destinations;
  /** Correlation id of the process. */
  readonly correlationId: string;
}

interface TypedEntry<S> {
  readonly type: MessageType;
  readonly handle: (event: unknown, state: S, ctx: ProcessManagerEventContext) => ProcessManagerHandlerReturn;
  readonly prepare: ((event: unknown, state: S, ctx: ProcessManagerEventContext) => PrepareReturn) | undefined;
}

/**
 * A ProcessManagerDomainHandler built from typed per-event functions.
 * @example
 * const fromOrders = new ProcessManagerHandlers<FlowState>()
 *   .on(OrderCreated, (e, state, ctx) => ({ processEvents: event(FlowStarted, {}) }));
 */
export class ProcessManagerHandlers<S> implements ProcessManagerDomainHandler<S> {
  readonly #entries = new TypeTable<TypedEntry<S>>("process manager event handler");

  /** React to events of `type`; `prepare` names the destinations the handler needs. */
  on<E>(
    type: MessageType<E>,
    handle: (event: E, state: S, ctx: ProcessManagerEventContext) => ProcessManagerHandlerReturn,
    prepare?: (event: E, state: S, ctx: ProcessManagerEventContext) => PrepareReturn,
  ): this {
    assertMessageType(type, "ProcessManagerHandlers.on(type)");
    this.#entries.set(type, { type, handle: handle as TypedEntry<S>["handle"], prepare: prepare as TypedEntry<S>["prepare"] });
    return this;
  }

  /** Types registered with `on`. */
  eventTypes(): MessageType[] {
    return this.#entries.names().map((name) => this.#entries.getByName(name)!.type);
  }

  /** Call the prepare function registered for the event's type, if any. */
  prepare(trigger: EventBook, state: S, event: SourceEvent): PrepareReturn {
    const entry = this.#entries.getByName(event.type.$type);
    return entry?.prepare?.(event.message, state, context(trigger, event, new Destinations()));
  }

  /** Call the function registered for the event's type. */
  handle(trigger: EventBook, state: S, event: SourceEvent, destinations: Destinations): ProcessManagerHandlerReturn {
    const entry = this.#entries.getByName(event.type.$type);
    return entry?.handle(event.message, state, context(trigger, event, destinations));
  }
}

function context(trigger: EventBook, event: SourceEvent, destinations: Destinations): ProcessManagerEventContext {
  return { trigger, event, destinations, correlationId: trigger.cover?.correlationId ?? "" };
}

interface DomainEntry<S> {
  readonly handler: ProcessManagerDomainHandler<S>;
  readonly types: TypeTable<MessageType>;
}

/** The trigger event of a request: the newest page, when its type is handled. */
interface Trigger<S> {
  readonly entry: DomainEntry<S>;
  readonly event: SourceEvent;
  readonly correlationId: string;
}

/**
 * Serves a process manager: state rebuilt from its own events (`process_state`), one
 * handler per source domain, reacting to the newest page of each trigger. Triggers without a
 * correlation id are skipped. Its own events are numbered after its prior events under the
 * cover `{pmDomain, root}` where root is the prior state's root, else the correlation id when
 * it is a UUID, else the nil UUID (as the coordinator keys process managers).
 * @example
 * const pm = new ProcessManagerRouter("fulfillment", "fulfillment", flowState)
 *   .domain("orders", fromOrders)
 *   .domain("inventory", fromInventory);
 */
export class ProcessManagerRouter<S> implements ProcessManagerComponent {
  /** Process manager name. */
  readonly name: string;
  /** Domain of its own events. */
  readonly pmDomain: string;
  readonly #model: StateModel<S>;
  readonly #domains = new Map<string, DomainEntry<S>>();

  /**
   * A process manager without source domains; add them with {@link domain}.
   * @param name - process manager name.
   * @param pmDomain - domain of its own events.
   * @param rebuildState - builds the process state from its own prior events.
   * @param options - `stateType`: codec of the process state, needed to attach snapshots of it
   * (default none).
   * @throws DefinitionError for an empty name or pmDomain, or a `rebuildState` that is neither a
   * StateRouter nor a function.
   */
  constructor(name: string, pmDomain: string, rebuildState: RebuildState<S>, options: { stateType?: MessageType<S> } = {}) {
    if (!name) throw new DefinitionError("ProcessManagerRouter(name, ...): name is required");
    if (!pmDomain) throw new DefinitionError(`ProcessManagerRouter(${name}): pmDomain is required`);
    this.name = name;
    this.pmDomain = pmDomain;
    this.#model = stateModelOf(rebuildState, options.stateType, `ProcessManagerRouter(${name})`);
  }

  /** React to events of source domain `name`. */
  domain(name: string, handler: ProcessManagerDomainHandler<S>): this {
    if (!name) throw new DefinitionError(`ProcessManagerRouter(${this.name}).domain(name): name is required`);
    if (this.#domains.has(name)) throw new DefinitionError(`ProcessManagerRouter(${this.name}): domain ${name} is registered twice`);
    const types = new TypeTable<MessageType>("event type", `ProcessManagerRouter(${this.name}).domain(${name})`);
    for (const type of handler.eventTypes()) {
      assertMessageType(type, `ProcessManagerRouter(${this.name}).domain(${name}) event type`);
      types.set(type, type);
    }
    this.#domains.set(name, { handler, types });
    return this;
  }

  /** Source domains it subscribes to. */
  get sourceDomains(): string[] {
    return [...this.#domains.keys()];
  }

  /** State after the process manager's own events. */
  rebuildState(book: EventBook): S {
    return this.#model.rebuild(book);
  }

  /** Destinations the handle step needs for this trigger. */
  async prepare(request: ProcessManagerPrepareRequest): Promise<ProcessManagerPrepareResponse> {
    const trigger = this.#trigger(request.trigger);
    if (!trigger) return { destinations: [] };
    const session = this.#session(request.processState, trigger.correlationId);
    const out = await trigger.entry.handler.prepare?.(request.trigger!, session.state, trigger.event);
    return { destinations: (out ?? []).map((c) => (typeof c.root === "string" ? makeCover(c as CoverInit) : (c as Cover))) };
  }

  /** React to a trigger: own events, commands and facts, stamped. */
  async handle(request: ProcessManagerHandleRequest): Promise<ProcessManagerHandleResponse> {
    const trigger = this.#trigger(request.trigger);
    if (!trigger) return { processEvents: undefined, commands: [], facts: [] };
    const session = this.#session(request.processState, trigger.correlationId);
    const out =
      (await trigger.entry.handler.handle(request.trigger!, session.state, trigger.event, new Destinations(request.destinationSequences))) ?? {};
    session.emit(out.processEvents);
    const pmCover = session.cover;
    const pmSeq = Math.max(0, session.nextSequence - 1);
    return {
      processEvents: session.pages.length > 0 ? session.toEventBook() : undefined,
      commands: stampCommands(out.commands, pmCover, pmSeq),
      facts: stampFacts(out.facts, pmCover, `${this.name}:${trigger.correlationId}:${trigger.event.sequence}`, this.name),
    };
  }

  #trigger(book: EventBook | undefined): Trigger<S> | undefined {
    if (!book) throw new DispatchError(Status.INVALID_ARGUMENT, "process manager request carries no trigger");
    const correlationId = book.cover?.correlationId ?? "";
    const entry = this.#domains.get(book.cover?.domain ?? "");
    if (!correlationId || !entry || book.pages.length === 0) return undefined;
    const event = sourceEventAt(book, book.pages.length - 1, entry.types);
    return event ? { entry, event, correlationId } : undefined;
  }

  #session(processState: EventBook | undefined, correlationId: string): CommandSession<S> {
    const root = processState?.cover?.root ?? uuidToProto(isUuid(correlationId) ? correlationId : NIL_UUID);
    const cover: Cover = { domain: this.pmDomain, root, correlationId, edition: processState?.cover?.edition };
    const prior = processState ?? { cover, pages: [], snapshot: undefined, nextSequence: 0 };
    return new CommandSession(prior, cover, this.#model, `ProcessManagerRouter(${this.name})`);
  }
}
