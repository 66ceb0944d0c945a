/**
 * Given/when/then tests of business logic without infrastructure. Each scenario builds the
 * request the coordinator would send and calls the same dispatch code the servers use.
 * @module
 */
import { AssertionError, deepStrictEqual } from "node:assert";
import type { BusinessResponse, RevocationResponse } from "../gen/angzarr/command_handler.js";
import type { ProcessManagerHandleResponse, ProcessManagerPrepareResponse } from "../gen/angzarr/process_manager.js";
import type { SagaResponse } from "../gen/angzarr/saga.js";
import type { CommandBook, Cover, EventBook, EventPage, Snapshot } from "../gen/angzarr/types.js";
import type { Any } from "../gen/google/protobuf/any.js";
import { typeNameFromUrl } from "../core/any.js";
import { coverRoot, makeCover, pageCommand, pageEvent } from "../core/books.js";
import { isUuid } from "../core/uuid.js";
import { Status } from "../errors.js";
import { aggregateHandler, type AggregateClass } from "../handlers/aggregate.js";
import type { AggregateComponent, ProcessManagerComponent, SagaComponent } from "../handlers/components.js";
import { eventPages, isAny, type EventLike } from "../handlers/events.js";
import { commandBook } from "../handlers/outbound.js";
import { statusFromError, type HandlerStatus } from "../handlers/status.js";
import { snapshotOf, TEST_CORRELATION_ID, uuidFor } from "./builders.js";

/** Identity of a scenario's aggregate (or source). */
export interface ScenarioOptions {
  /** Root UUID. @default uuidFor("root") */
  root?: string;
  /** Correlation id. @default TEST_CORRELATION_ID */
  correlationId?: string;
  /** Edition name. @default main timeline */
  edition?: string;
}

const NIL_UUID = "00000000-0000-0000-0000-000000000000";

function coverFor(domain: string, options: ScenarioOptions): Cover {
  return makeCover({
    domain,
    root: options.root ?? uuidFor("root"),
    correlationId: options.correlationId ?? TEST_CORRELATION_ID,
    edition: options.edition,
  });
}

function describeAny(any: Any | undefined): string {
  return any ? typeNameFromUrl(any.typeUrl) : "(no payload)";
}

/** Assert that packed messages equal the expected typed (or packed) messages, in order. */
function assertMessages(what: string, actual: readonly (Any | undefined)[], expected: readonly EventLike[]): void {
  const names = actual.map(describeAny);
  if (actual.length !== expected.length) {
    throw new AssertionError({
      message: `expected ${expected.length} ${what}, got ${actual.length}: [${names.join(", ")}]`,
      actual: names,
      expected: expected.map((e) => (isAny(e) ? describeAny(e) : e.type.$type)),
    });
  }
  expected.forEach((want, i) => {
    const got = actual[i];
    const wantName = isAny(want) ? typeNameFromUrl(want.typeUrl) : want.type.$type;
    if (!got || typeNameFromUrl(got.typeUrl) !== wantName) {
      throw new AssertionError({ message: `${what} ${i}: expected ${wantName}, got ${describeAny(got)}`, actual: names[i], expected: wantName });
    }
    if (isAny(want)) {
      deepStrictEqual(Buffer.from(got.value), Buffer.from(want.value), `${what} ${i} (${wantName}): payload bytes differ`);
    } else {
      const normalised = want.type.decode(want.type.encode(want.message).finish());
      deepStrictEqual(want.type.decode(got.value), normalised, `${what} ${i} (${wantName}) differs`);
    }
  });
}

function assertRejection(status: HandlerStatus, error: unknown, code?: Status, message?: string | RegExp): void {
  if (status.ref !== undefined && code !== Status.INTERNAL) {
    throw new AssertionError({ message: `expected a rejection, but the handler failed unexpectedly: ${String(error)}` });
  }
  if (code !== undefined && status.code !== code) {
    throw new AssertionError({
      message: `expected status ${Status[code]}, got ${Status[status.code]}: ${status.details}`,
      actual: Status[status.code],
      expected: Status[code],
    });
  }
  const text = status.ref !== undefined && error instanceof Error ? error.message : status.details;
  if (typeof message === "string" && !text.includes(message)) {
    throw new AssertionError({
      message: `expected the rejection message to contain ${JSON.stringify(message)}, got ${JSON.stringify(text)}`,
      actual: text,
      expected: message,
    });
  }
  if (message instanceof RegExp && !message.test(text)) {
    throw new AssertionError({
      message: `expected the rejection message to match ${message}, got ${JSON.stringify(text)}`,
      actual: text,
      expected: String(message),
    });
  }
}

type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown; status: HandlerStatus };

async function settle<R>(run: () => Promise<R>): Promise<Outcome<R>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error, status: statusFromError(error) };
  }
}

function unwrap<R>(outcome: Outcome<R>): R {
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}

function rejectionOf<R>(outcome: Outcome<R>, code?: Status, message?: string | RegExp): HandlerStatus {
  if (outcome.ok) throw new AssertionError({ message: "expected a rejection, but the handler succeeded" });
  assertRejection(outcome.status, outcome.error, code, message);
  return outcome.status;
}

// ---------------------------------------------------------------------------------- aggregates

/** What an aggregate scenario produced. */
export interface AggregateOutcome<S> {
  /** The BusinessResponse as the server would send it. */
  readonly response: BusinessResponse;
  /** Emitted pages (empty for a revocation). */
  readonly pages: readonly EventPage[];
  /** Emitted events, packed. */
  readonly events: readonly Any[];
  /** Snapshot attached to the response, if any. */
  readonly snapshot: Snapshot | undefined;
  /** Revocation, when a rejection handler delegated to the framework. */
  readonly revocation: RevocationResponse | undefined;
  /** State after the given events and the emitted ones. */
  readonly state: S;
}

/**
 * Given events, when a command, expect events, a rejection or a state. Runs the aggregate's
 * real dispatch (the same code `runAggregateServer` calls); the run is memoised, so several
 * expectations on one `when` see one execution.
 * @example
 * await testAggregate(PlayerAggregate)
 *   .given(event(PlayerRegistered, { username: "alice", email: "a@x" }))
 *   .when(event(DepositFunds, { amount: 50 }))
 *   .expectEvents(event(FundsDeposited, { amount: 50, newBalance: 50 }));
 */
export function testAggregate<S>(subject: AggregateClass<S> | AggregateComponent<S>, options: ScenarioOptions = {}): AggregateScenario<S> {
  const component = typeof subject === "function" ? aggregateHandler(subject) : subject;
  return new AggregateScenario(component, coverFor(component.domain, options));
}

/** The "given" half of an aggregate scenario. */
export class AggregateScenario<S> {
  readonly #component: AggregateComponent<S>;
  readonly #cover: Cover;
  readonly #given: EventLike[] = [];
  #snapshot: Snapshot | undefined;

  /** @internal use {@link testAggregate} */
  constructor(component: AggregateComponent<S>, cover: Cover) {
    this.#component = component;
    this.#cover = cover;
  }

  /** Prior events (numbered after the snapshot, else from 0). */
  given(...events: EventLike[]): this {
    this.#given.push(...events);
    return this;
  }

  /**
   * Start from a snapshot of `state` covering events up to `sequence` (needs the aggregate's stateType).
   * @throws TypeError when the aggregate declares no stateType.
   */
  givenSnapshot(state: S, sequence: number): this {
    const stateType = this.#component.stateType;
    if (!stateType) throw new TypeError(`the ${this.#component.domain} aggregate declares no stateType, so it cannot start from a snapshot`);
    this.#snapshot = snapshotOf(stateType, state, sequence);
    return this;
  }

  /** The prior book the scenario sends. */
  priorBook(): EventBook {
    const start = this.#snapshot ? this.#snapshot.sequence + 1 : 0;
    const pages = eventPages(this.#given, start);
    return { cover: this.#cover, pages, snapshot: this.#snapshot, nextSequence: start + pages.length };
  }

  /**
   * The command: a typed (or packed) message, or a complete command book sent as it is.
   * @param options - `sequence`: the sequence the command expects (default: the prior book's next sequence).
   */
  when(command: EventLike | CommandBook, options: { sequence?: number } = {}): AggregateExpectation<S> {
    const prior = this.priorBook();
    const book = "pages" in command ? command : commandBook(this.#cover, command, { sequence: options.sequence ?? prior.nextSequence });
    return new AggregateExpectation(this.#component, prior, book);
  }
}

/**
 * The "then" half of an aggregate scenario. Each `expect…` method rejects with node:assert's
 * AssertionError when the outcome differs, and resolves with the outcome otherwise.
 */
export class AggregateExpectation<S> {
  readonly #component: AggregateComponent<S>;
  readonly #prior: EventBook;
  readonly #command: CommandBook;
  #outcome: Promise<Outcome<AggregateOutcome<S>>> | undefined;

  /** @internal use {@link testAggregate} */
  constructor(component: AggregateComponent<S>, prior: EventBook, command: CommandBook) {
    this.#component = component;
    this.#prior = prior;
    this.#command = command;
  }

  #settled(): Promise<Outcome<AggregateOutcome<S>>> {
    this.#outcome ??= settle(async () => {
      const response = await this.#component.handle({ events: this.#prior, command: this.#command });
      const book = response.result?.$case === "events" ? response.result.value : undefined;
      const pages = book?.pages ?? [];
      const after: EventBook = { ...this.#prior, pages: [...this.#prior.pages, ...pages] };
      return {
        response,
        pages,
        events: pages.map((p) => pageEvent(p)).filter((a): a is Any => a !== undefined),
        snapshot: book?.snapshot,
        revocation: response.result?.$case === "revocation" ? response.result.value : undefined,
        state: this.#component.rebuildState(after),
      };
    });
    return this.#outcome;
  }

  /** Run the command; a rejection or failure is thrown as the handler threw it. */
  async run(): Promise<AggregateOutcome<S>> {
    return unwrap(await this.#settled());
  }

  /** Expect exactly these events, in order (type and content). */
  async expectEvents(...expected: EventLike[]): Promise<AggregateOutcome<S>> {
    const outcome = await this.run();
    if (outcome.revocation) throw new AssertionError({ message: `expected events, got a revocation: ${outcome.revocation.reason}` });
    assertMessages("events", outcome.events, expected);
    return outcome;
  }

  /** Expect success with no events. */
  expectNoEvents(): Promise<AggregateOutcome<S>> {
    return this.expectEvents();
  }

  /**
   * Expect a rejection: the status the server would answer (FAILED_PRECONDITION for a plain
   * CommandRejectedError), optionally with a message containing (or matching) `message`.
   */
  async expectRejection(code?: Status, message?: string | RegExp): Promise<HandlerStatus> {
    return rejectionOf(await this.#settled(), code, message);
  }

  /** Expect the state after the command: a partial (deep-compared field by field) or a check function. */
  async expectState(expected: Partial<S> | ((state: S) => void)): Promise<AggregateOutcome<S>> {
    const outcome = await this.run();
    if (typeof expected === "function") {
      expected(outcome.state);
    } else {
      for (const [key, value] of Object.entries(expected)) {
        deepStrictEqual((outcome.state as Record<string, unknown>)[key], value, `state.${key} differs`);
      }
    }
    return outcome;
  }
}

// ---------------------------------------------------------------------------------- outbound

/** An expected command: its message, and optionally its target. */
export interface ExpectedCommand {
  /** Target domain. @default not checked */
  domain?: string;
  /** Target root (UUID string). @default not checked */
  root?: string;
  /** The command. */
  command: EventLike;
}

function assertCommands(actual: readonly CommandBook[], expected: readonly (EventLike | ExpectedCommand)[]): void {
  const wanted = expected.map((e) => ("command" in e ? e : { command: e }));
  assertMessages(
    "commands",
    actual.map((c) => (c.pages[0] ? pageCommand(c.pages[0]) : undefined)),
    wanted.map((w) => w.command),
  );
  wanted.forEach((w, i) => {
    const cover = actual[i]!.cover;
    if (w.domain !== undefined) deepStrictEqual(cover?.domain, w.domain, `command ${i}: target domain differs`);
    if (w.root !== undefined) deepStrictEqual(coverRoot(cover), w.root, `command ${i}: target root differs`);
  });
}

function factEvents(facts: readonly EventBook[]): (Any | undefined)[] {
  return facts.flatMap((book) => book.pages.map(pageEvent));
}

// ---------------------------------------------------------------------------------- sagas

/**
 * When source events, expect commands (and facts) from a saga, through its real dispatch.
 * @param options - the source aggregate's identity, and `startSequence`: the sequence of the
 * first source event (default 0).
 * @example
 * await testSaga(ordersToInventory)
 *   .when(event(ItemAdded, { sku: "sku-1", quantity: 2 }))
 *   .expectCommands({ domain: "inventory", command: event(ReserveStock, { orderId: uuidFor("root"), sku: "sku-1", quantity: 2 }) });
 */
export function testSaga(saga: SagaComponent, options: ScenarioOptions & { startSequence?: number } = {}): SagaScenario {
  return new SagaScenario(saga, coverFor(saga.sourceDomain, options), options.startSequence ?? 0);
}

/** The "given" half of a saga scenario. */
export class SagaScenario {
  readonly #saga: SagaComponent;
  readonly #cover: Cover;
  readonly #start: number;
  #destinations: Record<string, number> = {};

  /** @internal use {@link testSaga} */
  constructor(saga: SagaComponent, cover: Cover, start: number) {
    this.#saga = saga;
    this.#cover = cover;
    this.#start = start;
  }

  /** Next sequences of destination aggregates, as the coordinator would send them. */
  withDestinations(sequences: Record<string, number>): this {
    this.#destinations = { ...sequences };
    return this;
  }

  /** The source events (numbered from `startSequence`). */
  when(...events: EventLike[]): OutboundExpectation<SagaResponse> {
    const pages = eventPages(events, this.#start);
    const source: EventBook = { cover: this.#cover, pages, snapshot: undefined, nextSequence: this.#start + pages.length };
    const request = { source, syncMode: 0, cascadeErrorMode: 0, destinationSequences: this.#destinations };
    return new OutboundExpectation(
      () => this.#saga.handle(request),
      (r) => r.commands,
      (r) => r.events,
    );
  }
}

/**
 * The "then" half of saga and process manager scenarios. Each `expect…` method rejects with
 * node:assert's AssertionError when the outcome differs, and resolves with the result otherwise.
 */
export class OutboundExpectation<R> {
  readonly #run: () => Promise<R>;
  readonly #commands: (r: R) => readonly CommandBook[];
  readonly #facts: (r: R) => readonly EventBook[];
  #outcome: Promise<Outcome<R>> | undefined;

  /** @internal */
  constructor(run: () => Promise<R>, commands: (r: R) => readonly CommandBook[], facts: (r: R) => readonly EventBook[]) {
    this.#run = run;
    this.#commands = commands;
    this.#facts = facts;
  }

  #settled(): Promise<Outcome<R>> {
    this.#outcome ??= settle(this.#run);
    return this.#outcome;
  }

  /** Run; failures are thrown as the handler threw them. */
  async run(): Promise<R> {
    return unwrap(await this.#settled());
  }

  /** Expect exactly these commands, in order (message, and target when given). */
  async expectCommands(...expected: (EventLike | ExpectedCommand)[]): Promise<R> {
    const result = await this.run();
    assertCommands(this.#commands(result), expected);
    return result;
  }

  /** Expect no commands. */
  expectNoCommands(): Promise<R> {
    return this.expectCommands();
  }

  /** Expect exactly these fact events across all fact books, in order. */
  async expectFacts(...expected: EventLike[]): Promise<R> {
    const result = await this.run();
    assertMessages("facts", factEvents(this.#facts(result)), expected);
    return result;
  }

  /** Expect a failure with this status (and message). */
  async expectRejection(code?: Status, message?: string | RegExp): Promise<HandlerStatus> {
    return rejectionOf(await this.#settled(), code, message);
  }
}

// ---------------------------------------------------------------------------------- process managers

/** What a process manager scenario produced: both steps, as the coordinator calls them. */
export interface ProcessManagerOutcome {
  /** The Prepare answer (destinations). */
  readonly prepare: ProcessManagerPrepareResponse;
  /** The Handle answer. */
  readonly handle: ProcessManagerHandleResponse;
}

/**
 * Given the process manager's own events, when events of a source domain, expect commands,
 * process events and facts. Runs Prepare, then Handle, as the coordinator does.
 * @example
 * await testProcessManager(fulfillment)
 *   .given(event(FlowStarted, {}))
 *   .when("inventory", event(StockReserved, { sku: "sku-1", quantity: 2 }))
 *   .expectProcessEvents(event(StockConfirmed, { sku: "sku-1" }));
 */
export function testProcessManager(pm: ProcessManagerComponent, options: ScenarioOptions = {}): ProcessManagerScenario {
  return new ProcessManagerScenario(pm, options);
}

/** The "given" half of a process manager scenario. */
export class ProcessManagerScenario {
  readonly #pm: ProcessManagerComponent;
  readonly #options: ScenarioOptions;
  readonly #given: EventLike[] = [];
  #destinations: Record<string, number> = {};

  /** @internal use {@link testProcessManager} */
  constructor(pm: ProcessManagerComponent, options: ScenarioOptions) {
    this.#pm = pm;
    this.#options = options;
  }

  /** The process manager's own prior events. */
  given(...events: EventLike[]): this {
    this.#given.push(...events);
    return this;
  }

  /** Next sequences of destination aggregates. */
  withDestinations(sequences: Record<string, number>): this {
    this.#destinations = { ...sequences };
    return this;
  }

  /** Trigger events from `domain` (the newest one is the trigger). */
  when(domain: string, ...events: EventLike[]): ProcessManagerExpectation {
    const correlationId = this.#options.correlationId ?? TEST_CORRELATION_ID;
    const trigger: EventBook = {
      cover: makeCover({ domain, root: this.#options.root ?? uuidFor("root"), correlationId, edition: this.#options.edition }),
      pages: eventPages(events),
      snapshot: undefined,
      nextSequence: events.length,
    };
    const ownCover = makeCover({ domain: this.#pm.pmDomain, root: isUuid(correlationId) ? correlationId : NIL_UUID, correlationId });
    const pages = eventPages(this.#given);
    const processState: EventBook = { cover: ownCover, pages, snapshot: undefined, nextSequence: pages.length };
    const destinations = this.#destinations;
    const pm = this.#pm;
    return new ProcessManagerExpectation(async () => ({
      prepare: await pm.prepare({ trigger, processState }),
      handle: await pm.handle({ trigger, processState, destinationSequences: destinations }),
    }));
  }
}

/** The "then" half of a process manager scenario. */
export class ProcessManagerExpectation extends OutboundExpectation<ProcessManagerOutcome> {
  /** @internal */
  constructor(run: () => Promise<ProcessManagerOutcome>) {
    super(
      run,
      (r) => r.handle.commands,
      (r) => r.handle.facts,
    );
  }

  /** Expect exactly these events of the process manager itself. */
  async expectProcessEvents(...expected: EventLike[]): Promise<ProcessManagerOutcome> {
    const result = await this.run();
    assertMessages("process events", (result.handle.processEvents?.pages ?? []).map(pageEvent), expected);
    return result;
  }
}
