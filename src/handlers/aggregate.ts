import type { CommandPage, Cover, EventBook, EventPage } from "../gen/angzarr/types.js";
import type { Any } from "../gen/google/protobuf/any.js";
import { coverRoot, headerSequence, makeEventPage } from "../core/books.js";
import { assertMessageType, type MessageType } from "../core/message.js";
import { CommandSession } from "./command-session.js";
import type { AggregateComponent } from "./components.js";
import { memberRecords } from "./decorators.js";
import { DefinitionError } from "./errors.js";
import type { HandlerReturn } from "./events.js";
import { executeCommand, executeFacts, executeReplay, type CommandSpec, type MessageRoute, type RejectionRoute } from "./execute-command.js";
import { applyAny, applyPage, foldPages, recordHighest, snapshotStart, type ApplierEntry, type PageTally, type StateModel } from "./state-router.js";
import { TypeTable } from "./type-table.js";

/**
 * A concrete aggregate class: constructible without arguments, with its static configuration.
 * `runAggregateServer`, `serveComponents` and `testAggregate` take one of these.
 */
export interface AggregateClass<S = unknown> {
  /** Aggregate classes are constructed without arguments, one instance per request. */
  new (): Aggregate<S>;
  /** Class name (for messages). */
  readonly name: string;
  /** Domain whose commands the aggregate handles. Required. */
  readonly domain: string;
  /**
   * Codec of the state: enables snapshots (state packed as this type) and Replay.
   * @default none (no snapshots; Replay answers UNIMPLEMENTED)
   */
  readonly stateType?: MessageType<S>;
  /**
   * Attach a snapshot whenever the event count passes a multiple of this number (needs stateType).
   * @default none (snapshots only when a handler calls `this.snapshot()`)
   */
  readonly snapshotEvery?: number;
}

/** The per-class dispatch tables, built once. */
interface AggregateModel<S> extends CommandSpec<S, Aggregate<S>> {
  readonly appliers: TypeTable<ApplierEntry>;
  readonly customApply: boolean;
}

const models = new WeakMap<object, AggregateModel<unknown>>();
let attachSession: <S>(aggregate: Aggregate<S>, session: CommandSession<S>) => void;

/**
 * Base class of object-style aggregates. A subclass declares `static domain`, implements
 * `createEmptyState()`, says how events change state (`@applies(EventType)` methods or an
 * `applyEvent` override) and handles commands with `@handles(CommandType)` methods.
 *
 * State is rebuilt lazily from the prior events (starting at the snapshot when the class
 * declares `static stateType`); emitted events are numbered from the prior book's next
 * sequence. One instance serves one request.
 *
 * Definition errors: decorators reject bad types and duplicate handlers while the class is
 * defined. Standard decorators give no hook that sees an undecorated subclass, so the class
 * checks (`static domain`, `createEmptyState`, appliers, at least one handler) run when the
 * class is decorated with `@aggregate`, and otherwise at its first instantiation or
 * registration (`runAggregateServer`, `serveComponents`, `testAggregate`, `aggregateHandler`),
 * naming the class.
 * @example
 * ```ts
 * @aggregate
 * class PlayerAggregate extends Aggregate<PlayerState> {
 *   static domain = "player";
 *   static stateType = PlayerState;
 *   createEmptyState() { return PlayerState.create(); }
 *
 *   @handles(RegisterPlayer)
 *   register(cmd: RegisterPlayer) {
 *     if (this.exists) throw CommandRejectedError.preconditionFailed("player already registered");
 *     return event(PlayerRegistered, { username: cmd.username, email: cmd.email });
 *   }
 *
 *   @applies(PlayerRegistered)
 *   registered(state: PlayerState, e: PlayerRegistered) { state.username = e.username; }
 * }
 * ```
 */
export abstract class Aggregate<S> {
  #session: CommandSession<S> | undefined;

  static {
    attachSession = (aggregate, session) => {
      aggregate.#session = session;
    };
  }

  /**
   * Validates the concrete class on its first instantiation (see the class notes); the SDK
   * creates one instance per request.
   * @throws DefinitionError naming the class when it is declared wrongly.
   */
  constructor() {
    aggregateModel(new.target as unknown as AggregateClass<S>);
  }

  /** A fresh empty state (the state of an aggregate with no events). */
  abstract createEmptyState(): S;

  /**
   * Apply one stored event to `state`. The default dispatches to the `@applies` methods and
   * skips unknown types; override it to apply events by hand.
   */
  applyEvent(state: S, event: Any, page?: EventPage): S | void {
    return applyAny(modelOf(this).appliers, this, state, event, page ?? makeEventPage(0, event)) as S | void;
  }

  /** Attach a book outside a request (to inspect its state); returns this. */
  load(book: EventBook): this {
    const model = modelOf(this);
    attachSession(this, new CommandSession(book, coverOf(book, model.domain), instanceStateModel(this), model.label));
    return this;
  }

  #current(): CommandSession<S> {
    return this.#session ?? this.load({ cover: undefined, pages: [], snapshot: undefined, nextSequence: 0 }).#session!;
  }

  /** State after the prior events and the events emitted so far in this request (built on first access). */
  get state(): S {
    return this.#current().state;
  }

  /** True when the aggregate has events: prior ones (or a snapshot), or ones emitted by earlier pages of this request. */
  get exists(): boolean {
    return this.#current().exists;
  }

  /** Sequence the next emitted event gets. */
  get nextSequence(): number {
    return this.#current().nextSequence;
  }

  /** The prior events as received. */
  get eventBook(): EventBook {
    return this.#current().prior;
  }

  /** Cover of this request (domain, root, correlation id, edition). */
  get cover(): Cover {
    return this.#current().cover;
  }

  /** Root of this aggregate as a UUID string (undefined outside a request). */
  get root(): string | undefined {
    return coverRoot(this.#current().cover);
  }

  /** Attach a snapshot of the state after this request's events to the response (needs `static stateType`). */
  snapshot(): void {
    this.#current().requestSnapshot();
  }
}

function coverOf(book: EventBook, domain: string): Cover {
  return book.cover ? { ...book.cover } : { domain, root: undefined, correlationId: "", edition: undefined };
}

function modelOf<S>(aggregate: Aggregate<S>): AggregateModel<S> {
  return aggregateModel(aggregate.constructor as AggregateClass<S>);
}

function rebuild<S>(aggregate: Aggregate<S>, model: AggregateModel<S>, book: EventBook, tally?: PageTally): S {
  const start = snapshotStart(book, model.stateType, model.label);
  const initial = start ? start.state : aggregate.createEmptyState();
  const covers = start ? start.covers : -1;
  if (!model.customApply) return foldPages(initial, book.pages, covers, model.appliers, aggregate, tally);
  let state = initial;
  let highest = -Infinity;
  for (const page of book.pages) {
    const seq = headerSequence(page.header);
    if (seq !== undefined && seq > highest) highest = seq;
    if (page.payload?.$case !== "event") continue;
    if (covers >= 0 && seq !== undefined && seq <= covers) continue;
    const next = aggregate.applyEvent(state, page.payload.value, page);
    if (next !== undefined) state = next;
  }
  if (tally) recordHighest(tally, highest);
  return state;
}

function instanceStateModel<S>(aggregate: Aggregate<S>): StateModel<S> {
  const model = modelOf(aggregate);
  return {
    stateType: model.stateType,
    rebuild: (book, tally) => rebuild(aggregate, model, book, tally),
    applyEmitted: (state, page) => applyOne(aggregate, model, state, page),
  };
}

function applyOne<S>(aggregate: Aggregate<S>, model: AggregateModel<S>, state: S, page: EventPage): S {
  if (!model.customApply) return applyPage(model.appliers, aggregate, state, page);
  if (page.payload?.$case !== "event") return state;
  const next = aggregate.applyEvent(state, page.payload.value, page);
  return next === undefined ? state : next;
}

function fail(cls: { name: string }, problem: string): never {
  throw new DefinitionError(`${cls.name || "anonymous aggregate class"}: ${problem}`);
}

/**
 * Validate an aggregate class and build its dispatch tables (once; cached per class).
 * Throws a DefinitionError naming the class.
 * @internal
 */
export function aggregateModel<S>(cls: AggregateClass<S>): AggregateModel<S> {
  const cached = models.get(cls);
  if (cached) return cached as AggregateModel<S>;
  if (typeof cls !== "function" || !(cls.prototype instanceof Aggregate)) {
    throw new DefinitionError(`${String((cls as { name?: string })?.name ?? cls)} is not a subclass of Aggregate`);
  }
  const label = cls.name || "anonymous aggregate class";
  if (typeof cls.domain !== "string" || cls.domain === "") fail(cls, 'static domain is required, e.g. static domain = "orders"');
  if (typeof cls.prototype.createEmptyState !== "function") fail(cls, "createEmptyState() is required");
  if (cls.stateType !== undefined) assertMessageType(cls.stateType, `${label}.stateType`);
  const every = cls.snapshotEvery;
  if (every !== undefined && (!Number.isInteger(every) || every <= 0)) fail(cls, "snapshotEvery must be a positive integer");
  if (every !== undefined && !cls.stateType) fail(cls, "snapshotEvery needs static stateType (the snapshot's codec)");

  const commands = new TypeTable<MessageRoute<Aggregate<S>, CommandPage>>("command handler", label);
  const facts = new TypeTable<MessageRoute<Aggregate<S>, EventPage>>("fact handler", label);
  const appliers = new TypeTable<ApplierEntry>("event applier", label);
  const rejections = new Map<string, RejectionRoute<Aggregate<S>>>();
  for (const record of memberRecords(cls)) {
    const fn = record.fn as (this: unknown, ...args: unknown[]) => unknown;
    switch (record.kind) {
      case "handles":
        commands.set(record.key, { type: record.type, invoke: (target, message) => fn.call(target, message) as HandlerReturn });
        break;
      case "handlesFact":
        facts.set(record.key, { type: record.type, invoke: (target, message) => fn.call(target, message) as HandlerReturn });
        break;
      case "applies":
        appliers.set(record.key, { type: record.type!, apply: fn });
        break;
      case "rejected":
        rejections.set(record.key, { invoke: (target, rejection) => fn.call(target, rejection) as HandlerReturn });
        break;
      case "upcasts":
        fail(cls, `@upcasts belongs on an Upcaster, not on ${record.member}()`);
    }
  }
  const customApply = cls.prototype.applyEvent !== Aggregate.prototype.applyEvent;
  if (appliers.size === 0 && !customApply) {
    fail(cls, "declare how events change state: @applies(EventType) methods or an applyEvent(state, event) override");
  }
  if (commands.size === 0) fail(cls, "no @handles(CommandType) methods");

  const model: AggregateModel<S> = {
    domain: cls.domain,
    label,
    stateType: cls.stateType,
    snapshotEvery: every,
    commands,
    facts,
    rejections,
    appliers,
    customApply,
    open(prior, cover) {
      const aggregate = new cls();
      const session = new CommandSession(prior, cover, instanceStateModel(aggregate), label);
      attachSession(aggregate, session);
      return { session, target: aggregate };
    },
  };
  models.set(cls, model);
  return model;
}

/**
 * Class decorator that runs the aggregate checks while the class is defined (after its static
 * fields), so a missing `static domain` fails at import time with the class name. Optional:
 * without it the same checks run at first use.
 * @throws DefinitionError naming the class when it is declared wrongly.
 * @example
 * ```ts
 * @aggregate
 * export class OrderAggregate extends Aggregate<OrderState> {
 *   static domain = "orders";
 *   // ...
 * }
 * ```
 */
export function aggregate<C extends AggregateClass<unknown>>(_cls: C, context: ClassDecoratorContext<C>): void {
  context.addInitializer(function (this: C) {
    aggregateModel(this);
  });
}

/**
 * The server-facing component of an aggregate class: what `runAggregateServer` serves and
 * `testAggregate` drives. Validates the class first.
 * @throws DefinitionError naming the class when it is declared wrongly.
 * @example
 * const orders = aggregateHandler(OrderAggregate); // a badly declared class fails here
 * const state = orders.rebuildState(await client.domain("orders").getEventBook(root));
 */
export function aggregateHandler<S>(cls: AggregateClass<S>): AggregateComponent<S> {
  const model = aggregateModel(cls);
  return {
    domain: model.domain,
    stateType: model.stateType,
    handle: (request) => executeCommand(model, request),
    handleFact: (request) => executeFacts(model, request),
    replay: async (request) => executeReplay(model, request),
    rebuildState: (book) => model.open(book, coverOf(book, model.domain)).session.state,
  };
}
