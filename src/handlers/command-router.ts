import type { BusinessResponse, FactRequest, ReplayRequest, ReplayResponse } from "../gen/angzarr/command_handler.js";
import type { CommandPage, ContextualCommand, Cover, EventBook, EventPage } from "../gen/angzarr/types.js";
import type { Any } from "../gen/google/protobuf/any.js";
import { coverRoot } from "../core/books.js";
import { assertMessageType, type MessageType } from "../core/message.js";
import type { CompensationContext } from "./compensation.js";
import { CommandSession } from "./command-session.js";
import type { AggregateComponent } from "./components.js";
import { DefinitionError } from "./errors.js";
import type { HandlerReturn } from "./events.js";
import {
  executeCommand,
  executeFacts,
  executeReplay,
  rejectionKey,
  type CommandSpec,
  type MessageRoute,
  type RejectionReturn,
  type RejectionRoute,
} from "./execute-command.js";
import { StateRouter, stateModelOf, type RebuildState, type StateModel } from "./state-router.js";
import { TypeTable } from "./type-table.js";

/** What a function-style handler knows about the request besides the command and state. */
export interface CommandContext {
  /** The prior events as received. */
  readonly prior: EventBook;
  /** Cover of the request (domain, root, correlation id, edition). */
  readonly cover: Cover;
  /** Root as a UUID string, when present. */
  readonly root: string | undefined;
  /** True when the aggregate has events: prior ones (or a snapshot), or ones emitted by earlier pages of this request. */
  readonly exists: boolean;
  /** Sequence the next emitted event gets. */
  readonly nextSequence: number;
  /** Attach a snapshot of the state after this request (needs a state codec). */
  snapshot(): void;
}

/** A function-style command handler. */
export type CommandHandlerFn<S, C> = (command: C, state: S, context: CommandContext) => HandlerReturn;

/** A function-style rejection handler. */
export type RejectionHandlerFn<S> = (rejection: CompensationContext, state: S, context: CommandContext) => RejectionReturn;

/** Options of a CommandRouter. */
export interface CommandRouterOptions<S> {
  /**
   * Codec of the state, for snapshots and Replay.
   * @default the StateRouter's `withSnapshot` type, if any
   */
  stateType?: MessageType<S>;
  /**
   * Attach a snapshot whenever the event count passes a multiple of this number (needs a state codec).
   * @default none (snapshots only when a handler calls `context.snapshot()`)
   */
  snapshotEvery?: number;
}

class RouterContext<S> implements CommandContext {
  constructor(readonly session: CommandSession<S>) {}
  get prior(): EventBook {
    return this.session.prior;
  }
  get cover(): Cover {
    return this.session.cover;
  }
  get root(): string | undefined {
    return coverRoot(this.session.cover);
  }
  get exists(): boolean {
    return this.session.exists;
  }
  get nextSequence(): number {
    return this.session.nextSequence;
  }
  snapshot(): void {
    this.session.requestSnapshot();
  }
}

/**
 * Function-style aggregate: one handler per command type, state from a StateRouter or a
 * rebuild function. Handlers get `(command, state, context)` and return events.
 * @example
 * const inventory = new CommandRouter("inventory", inventoryState)
 *   .on(ReserveStock, (cmd, state) => event(StockReserved, { ...cmd }));
 * await runAggregateServer(inventory);
 */
export class CommandRouter<S> implements AggregateComponent<S> {
  /** Domain whose commands the router handles. */
  readonly domain: string;
  readonly #spec: CommandSpec<S, RouterContext<S>>;
  readonly #commands: TypeTable<MessageRoute<RouterContext<S>, CommandPage>>;
  readonly #facts: TypeTable<MessageRoute<RouterContext<S>, EventPage>>;
  readonly #rejections = new Map<string, RejectionRoute<RouterContext<S>>>();
  readonly #model: StateModel<S>;

  /**
   * A router without handlers; add them with {@link on}.
   * @param domain - domain whose commands it handles.
   * @param rebuildState - builds the state from the prior events: a StateRouter or a function of the book.
   * @param options - state codec and snapshot frequency.
   * @throws DefinitionError for an empty domain, a bad `stateType`, or a `snapshotEvery` that is
   * not a positive integer or has no state codec.
   */
  constructor(domain: string, rebuildState: RebuildState<S>, options: CommandRouterOptions<S> = {}) {
    if (typeof domain !== "string" || domain === "") throw new DefinitionError("CommandRouter(domain, ...): domain is required");
    const label = `CommandRouter(${domain})`;
    const stateType = options.stateType ?? (rebuildState instanceof StateRouter ? rebuildState.stateType : undefined);
    if (stateType !== undefined) assertMessageType(stateType, `${label} stateType`);
    const every = options.snapshotEvery;
    if (every !== undefined && (!Number.isInteger(every) || every <= 0))
      throw new DefinitionError(`${label}: snapshotEvery must be a positive integer`);
    if (every !== undefined && !stateType) throw new DefinitionError(`${label}: snapshotEvery needs a state codec`);
    this.domain = domain;
    this.#model = stateModelOf(rebuildState, stateType, label);
    this.#commands = new TypeTable("command handler", label);
    this.#facts = new TypeTable("fact handler", label);
    const model = this.#model;
    this.#spec = {
      domain,
      label,
      stateType,
      snapshotEvery: every,
      commands: this.#commands,
      facts: this.#facts,
      rejections: this.#rejections,
      open(prior, cover) {
        const session = new CommandSession(prior, cover, model, label);
        return { session, target: new RouterContext(session) };
      },
    };
  }

  /** Codec of the state, when known. */
  get stateType(): MessageType<S> | undefined {
    return this.#spec.stateType;
  }

  /** Handle commands of `type`, decoded. A second handler for one type is a DefinitionError. */
  on<C>(type: MessageType<C>, handler: CommandHandlerFn<S, C>): this;
  /** Handle commands by full message name; the handler gets the raw Any. */
  on(typeName: string, handler: CommandHandlerFn<S, Any>): this;
  on(type: MessageType | string, handler: CommandHandlerFn<S, never>): this {
    this.#commands.set(checkType(type, "CommandRouter.on"), route(type, handler as CommandHandlerFn<S, unknown>));
    return this;
  }

  /** Handle injected facts of `type`: return the events to record instead (facts without a handler are kept as they are). */
  onFact<E>(type: MessageType<E>, handler: CommandHandlerFn<S, E>): this {
    this.#facts.set(checkType(type, "CommandRouter.onFact"), route(type, handler as CommandHandlerFn<S, unknown>));
    return this;
  }

  /** Compensate when the aggregate of `domain` refused a command of `commandType` this domain caused. */
  onRejected(domain: string, commandType: MessageType | string, handler: RejectionHandlerFn<S>): this {
    const name = checkType(commandType, "CommandRouter.onRejected");
    const key = rejectionKey(domain, name);
    if (this.#rejections.has(key)) throw new DefinitionError(`duplicate rejection handler for ${domain}/${name} in ${this.#spec.label}`);
    this.#rejections.set(key, { invoke: (ctx, rejection) => handler(rejection, ctx.session.state, ctx) });
    return this;
  }

  /** Full names of the command types handled. */
  commandTypes(): string[] {
    return this.#commands.names();
  }

  /** Handle one command book against the prior events. */
  async handle(request: ContextualCommand): Promise<BusinessResponse> {
    return executeCommand(this.#checked(), request);
  }

  /** Turn injected facts into the events to record. */
  async handleFact(request: FactRequest): Promise<EventBook> {
    return executeFacts(this.#checked(), request);
  }

  /** Rebuild state from a base snapshot and events, packed with the state codec. */
  async replay(request: ReplayRequest): Promise<ReplayResponse> {
    return executeReplay(this.#spec, request);
  }

  /** State after a whole book. */
  rebuildState(book: EventBook): S {
    return this.#model.rebuild(book);
  }

  #checked(): CommandSpec<S, RouterContext<S>> {
    if (this.#commands.size === 0) throw new DefinitionError(`${this.#spec.label} has no command handlers (use .on(Type, handler))`);
    return this.#spec;
  }
}

function checkType(type: MessageType | string, what: string): string {
  if (typeof type === "string") {
    if (type === "") throw new DefinitionError(`${what}: type name is empty`);
    return type;
  }
  assertMessageType(type, `${what}(type)`);
  return type.$type;
}

function route<S, P>(type: MessageType | string, handler: CommandHandlerFn<S, unknown>): MessageRoute<RouterContext<S>, P> {
  return {
    type: typeof type === "string" ? undefined : type,
    invoke: (ctx, message) => handler(message, ctx.session.state, ctx),
  };
}
