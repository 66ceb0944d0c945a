/**
 * The Cucumber World: one per scenario. It holds the backend (shared per worker, see
 * hooks.ts), the clients a scenario opened, what the last call returned or threw, and the
 * roots it created. Named roots ("order-001") become unique UUIDs per scenario so scenarios
 * never collide, also under --parallel and on a persistent backend.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { World, setWorldConstructor, type IWorldOptions } from "@cucumber/cucumber";
import { expect } from "chai";
import * as sdk from "../../src/index.js";
import { computeRoot, nextSequence, typeNameFromUrl } from "../../src/core/index.js";
import { isClientError, type ClientError } from "../../src/errors.js";
import type { CommandResponse } from "../../src/gen/angzarr/command_handler.js";
import { MergeStrategy, SyncMode, type EventBook, type EventPage } from "../../src/gen/angzarr/types.js";
import type { Any } from "../../src/gen/google/protobuf/any.js";
import type { Timestamp } from "../../src/gen/google/protobuf/timestamp.js";
import { codecFor, pack, sampleMessage } from "./messages.js";
import { currentBackend, type Backend } from "./backend.js";
import type { StateSlot } from "./state-slot.js";

/** Deadline of every call a step makes unless the step sets one. */
export const CALL_TIMEOUT_MS = 20_000;

/** Commands the steps send when the step text names none, per domain of the examples. */
export interface DomainPlan {
  /** Creates the aggregate (sent to a root without events). */
  create: string;
  /** Continues an existing aggregate. */
  append: string;
  /** Produces several events from one command, by count. */
  multi: Record<number, string>;
  /** Has required fields that the handler checks. */
  requiredFields?: string;
  /** Answers with a chosen gRPC status. */
  failWith?: string;
  /** Records a snapshot. */
  checkpoint?: string;
  /** Event types used to seed a history: the first once, then the second repeatedly. */
  seed: [string, string];
}

export const PLANS: Record<string, DomainPlan> = {
  orders: {
    create: "CreateOrder",
    append: "AddItem",
    multi: { 3: "ProcessOrder" },
    requiredFields: "ShipOrder",
    failWith: "FailWith",
    checkpoint: "Checkpoint",
    seed: ["OrderCreated", "ItemAdded"],
  },
  inventory: { create: "ReserveStock", append: "ReserveStock", multi: {}, seed: ["StockReserved", "StockReserved"] },
};

export function planFor(domain: string): DomainPlan {
  return PLANS[domain] ?? PLANS.orders!;
}

/** A command a step sent, kept so a later step can retry or inspect it. */
export interface SentCommand {
  domain: string;
  root: string;
  type: string;
  message: Record<string, unknown>;
  sequence: number;
  correlationId?: string;
  syncMode?: SyncMode;
  mergeStrategy?: MergeStrategy;
  timeoutMs?: number;
}

/** An event to seed: a type and either data for its first string field or a full message. */
export interface SeedEvent {
  type: string;
  data?: string;
  message?: Record<string, unknown>;
  createdAt?: Timestamp;
}

/** What a query step asks for. */
export interface QuerySpec {
  domain: string;
  root?: string;
  edition?: string;
  from?: number;
  to?: number;
  sequences?: number[];
  asOfSequence?: number;
  asOfTime?: string;
  correlationId?: string;
  /** Use GetEvents (one book per aggregate) instead of GetEventBook. */
  stream?: boolean;
  timeoutMs?: number;
}

/** Anything with an async or sync close(). */
interface Closeable {
  close(): unknown;
}

export class AngzarrWorld extends World {
  scenarioName?: string;
  scenarioUri?: string;
  /** Random per scenario: part of every derived root and correlation ID. */
  readonly nonce = randomBytes(5).toString("hex");
  /** Opened resources, closed in reverse order after the scenario. */
  readonly closeables: Closeable[] = [];

  aggregateClient?: sdk.CommandHandlerClient;
  queryClient?: sdk.QueryClient;
  speculativeClient?: sdk.SpeculativeClient;
  domainClient?: sdk.DomainClient;
  /** Client used by Given steps to write histories, whatever client the scenario tests. */
  private seedClient?: sdk.CommandHandlerClient;
  private seedQueryClient?: sdk.QueryClient;

  /** The aggregate the scenario talks about ("the aggregate"). */
  current?: { domain: string; name: string; root: string };
  /** Named roots handed out in this scenario, by "domain/name". */
  readonly roots = new Map<string, string>();
  /** Seeded events per root and edition ("main" for the main timeline). */
  readonly seeded = new Map<string, SeedEvent[]>();

  lastCommand?: SentCommand;
  lastCommandSucceeded = false;
  lastResponse?: CommandResponse;
  /** The failure of the last call a step made: the one error slot of every steps file. */
  lastError?: unknown;
  lastBook?: EventBook;
  lastBooks?: EventBook[];
  /** What a query step asked for, for Then steps that compare against the seed. */
  lastQuery?: QuerySpec;
  /** Outcomes of concurrent calls. */
  outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
  /** What an accessor of the error under inspection returned (error_handling steps). */
  accessorResult?: unknown;
  /** Real errors of each kind, produced on demand and kept for the scenario. */
  readonly errorsByKind = new Map<string, ClientError>();
  /** An operation a Given prepared for "When I attempt ...". */
  pendingOperation?: () => Promise<unknown>;

  constructor(options: IWorldOptions) {
    super(options);
  }

  get backend(): Backend {
    return currentBackend();
  }

  /** This scenario's value of a steps file's typed state (see {@link StateSlot}). */
  state<T>(slot: StateSlot<T>): T {
    return slot.valueFor(this);
  }

  // ---- identities -------------------------------------------------------------------

  /** The scenario's root for a named aggregate of a domain (stable within the scenario). */
  rootFor(domain: string, name: string): string {
    const key = `${domain}/${name}`;
    let root = this.roots.get(key);
    if (!root) {
      root = computeRoot(domain, `${this.nonce}/${name}`);
      this.roots.set(key, root);
    }
    return root;
  }

  /** A fresh root for a domain, remembered as the current aggregate. */
  newAggregate(domain: string): { domain: string; name: string; root: string } {
    const name = `new-${randomUUID()}`;
    this.current = { domain, name, root: this.rootFor(domain, name) };
    return this.current;
  }

  /** Makes a named aggregate the current one. */
  useAggregate(domain: string, name: string): { domain: string; name: string; root: string } {
    this.current = { domain, name, root: this.rootFor(domain, name) };
    return this.current;
  }

  requireCurrent(): { domain: string; name: string; root: string } {
    if (!this.current) throw new Error("no aggregate was set up by an earlier step");
    return this.current;
  }

  /** Correlation IDs are made unique per scenario the same way as roots. */
  correlation(name: string): string {
    return `${name}-${this.nonce}`;
  }

  // ---- clients ------------------------------------------------------------------------

  track<T extends Closeable>(resource: T): T {
    this.closeables.push(resource);
    return resource;
  }

  async connectAggregate(endpoint = this.backend.endpoint): Promise<sdk.CommandHandlerClient> {
    return this.track(sdk.CommandHandlerClient.connect(endpoint));
  }

  async connectQuery(endpoint = this.backend.endpoint): Promise<sdk.QueryClient> {
    return this.track(sdk.QueryClient.connect(endpoint));
  }

  async connectSpeculative(endpoint = this.backend.endpoint): Promise<sdk.SpeculativeClient> {
    return this.track(sdk.SpeculativeClient.connect(endpoint));
  }

  async connectDomain(endpoint = this.backend.endpoint, domain = "orders"): Promise<sdk.DomainClient> {
    return this.track(sdk.DomainClient.connect(endpoint, { domain }));
  }

  async seeder(): Promise<sdk.CommandHandlerClient> {
    this.seedClient ??= await this.connectAggregate();
    return this.seedClient;
  }

  async reader(): Promise<sdk.QueryClient> {
    this.seedQueryClient ??= await this.connectQuery();
    return this.seedQueryClient;
  }

  /** The client command steps use: the scenario's AggregateClient, else a DomainClient, else the seeder. */
  async commandClient(): Promise<sdk.CommandHandlerClient> {
    return this.aggregateClient ?? this.domainClient?.commands ?? (await this.seeder());
  }

  /** The client query steps use. */
  async queryClientOrDefault(): Promise<sdk.QueryClient> {
    return this.queryClient ?? this.domainClient?.queries ?? (await this.reader());
  }

  async closeAll(): Promise<void> {
    while (this.closeables.length > 0) {
      const resource = this.closeables.pop()!;
      try {
        await resource.close();
      } catch {
        // closing is best effort; a failed close must not hide the scenario's result
      }
    }
  }

  // ---- commands -----------------------------------------------------------------------

  /** Builds the command a step describes: a type name with data, or the domain's default. */
  commandFor(domain: string, opts: { type?: string; data?: string; sequence: number }): SentCommand {
    const plan = planFor(domain);
    const type = opts.type ?? (opts.sequence === 0 ? plan.create : plan.append);
    const codec = codecFor(type, domain);
    return { domain, root: "", type, message: sampleMessage(codec, opts.data), sequence: opts.sequence };
  }

  /** Sends a command through the builder API and records the response or the error. */
  async send(command: SentCommand, client?: sdk.CommandHandlerClient): Promise<CommandResponse | undefined> {
    this.lastCommand = command;
    this.lastResponse = undefined;
    this.lastError = undefined;
    this.lastCommandSucceeded = false;
    try {
      this.lastResponse = await this.execute(command, client);
      this.lastCommandSucceeded = true;
      return this.lastResponse;
    } catch (err) {
      this.lastError = err;
      return undefined;
    }
  }

  /** Sends a command and returns the response; throws what the SDK throws. */
  async execute(command: SentCommand, client?: sdk.CommandHandlerClient): Promise<CommandResponse> {
    const target = client ?? (await this.commandClient());
    const codec = codecFor(command.type, command.domain);
    let builder = target.command(command.domain, command.root).withCommand(codec, command.message);
    builder = builder.withSequence(command.sequence);
    if (command.correlationId !== undefined) builder = builder.withCorrelationId(command.correlationId);
    if (command.syncMode !== undefined) builder = builder.withSyncMode(command.syncMode);
    if (command.mergeStrategy !== undefined) builder = builder.withMergeStrategy(command.mergeStrategy);
    return builder.execute({ timeoutMs: command.timeoutMs ?? CALL_TIMEOUT_MS });
  }

  /** Sends a raw Any as the command (for payloads no codec can build). */
  async executeAny(domain: string, root: string, any: Any, sequence: number): Promise<CommandResponse> {
    const target = await this.commandClient();
    return target.command(domain, root).withCommandAny(any).withSequence(sequence).execute({ timeoutMs: CALL_TIMEOUT_MS });
  }

  /** The sequence the aggregate will give its next event, read through a query. */
  async currentSequence(domain: string, root: string, edition?: string): Promise<number> {
    const book = await this.readBook(domain, root, edition);
    return nextSequence(book);
  }

  // ---- histories ----------------------------------------------------------------------

  seedKey(root: string, edition?: string): string {
    return `${root}@${edition ?? "main"}`;
  }

  seededEvents(root: string, edition?: string): SeedEvent[] {
    return this.seeded.get(this.seedKey(root, edition)) ?? [];
  }

  /**
   * Writes events into an aggregate as facts (HandleEvent with external-deferred headers,
   * stored directly at the aggregate's next sequences): one call, any event types, and
   * created_at kept as given. Returns the stored book.
   */
  async seedFacts(
    domain: string,
    root: string,
    events: SeedEvent[],
    opts: { edition?: string; correlationId?: string } = {},
  ): Promise<EventBook | undefined> {
    if (events.length === 0) return undefined;
    const pages: EventPage[] = events.map((event, i) => {
      const codec = codecFor(event.type, domain);
      const message = event.message ?? sampleMessage(codec, event.data);
      return {
        header: {
          sequenceType: {
            $case: "externalDeferred",
            value: { externalId: i === 0 ? `seed-${randomUUID()}` : "", description: "conformance seed" },
          },
        },
        createdAt: event.createdAt,
        payload: { $case: "event", value: pack(codec, message) },
        noCommit: false,
      };
    });
    const client = await this.seeder();
    const response = await client.injectFacts(
      {
        events: {
          cover: {
            domain,
            root: { value: Buffer.from(root.replace(/-/g, ""), "hex") },
            correlationId: opts.correlationId ?? "",
            edition: opts.edition ? { name: opts.edition, divergences: [] } : undefined,
          },
          pages,
          nextSequence: 0,
        },
        syncMode: SyncMode.SYNC_MODE_ASYNC,
        routeToHandler: false,
      },
      { timeoutMs: CALL_TIMEOUT_MS },
    );
    const key = this.seedKey(root, opts.edition);
    this.seeded.set(key, [...(this.seeded.get(key) ?? []), ...events]);
    return response.events;
  }

  /** The events that give an aggregate of the domain `count` events in total after `already`. */
  seedPlan(domain: string, count: number, already = 0): SeedEvent[] {
    const [first, rest] = planFor(domain).seed;
    return Array.from({ length: count }, (_, i) =>
      i + already === 0 ? { type: first, data: `customer-${this.nonce}` } : { type: rest, data: `sku-${i + already}` },
    );
  }

  /** Adds events until the aggregate (in the edition, if given) holds `count` more events. */
  async seedCount(domain: string, root: string, count: number, opts: { edition?: string; correlationId?: string } = {}) {
    const baseline = await this.currentSequence(domain, root, opts.edition);
    return this.seedFacts(domain, root, this.seedPlan(domain, count, baseline), opts);
  }

  /** Reads an aggregate's whole history (for Given checks and Then verification). */
  async readBook(domain: string, root: string, edition?: string): Promise<EventBook> {
    const client = await this.reader();
    let builder = client.query(domain, root);
    if (edition) builder = builder.withEdition(edition);
    return builder.getEventBook({ timeoutMs: CALL_TIMEOUT_MS });
  }

  /** Runs a query through the builder API and records the book(s) or the error. */
  async runQuery(spec: QuerySpec, client?: sdk.QueryClient): Promise<void> {
    this.lastQuery = spec;
    this.lastBook = undefined;
    this.lastBooks = undefined;
    this.lastError = undefined;
    try {
      const target = client ?? (await this.queryClientOrDefault());
      let builder = target.query(spec.domain, spec.root ?? "");
      if (spec.edition !== undefined) builder = builder.withEdition(spec.edition);
      if (spec.from !== undefined && spec.to !== undefined) builder = builder.rangeTo(spec.from, spec.to);
      else if (spec.from !== undefined) builder = builder.range(spec.from);
      if (spec.sequences !== undefined) builder = builder.sequences(spec.sequences);
      if (spec.asOfSequence !== undefined) builder = builder.asOfSequence(spec.asOfSequence);
      if (spec.asOfTime !== undefined) builder = builder.asOfTime(spec.asOfTime);
      if (spec.correlationId !== undefined) builder = builder.byCorrelationId(spec.correlationId);
      const opts = { timeoutMs: spec.timeoutMs ?? CALL_TIMEOUT_MS };
      if (spec.stream) this.lastBooks = await builder.getEvents(opts).collect();
      else this.lastBook = await builder.getEventBook(opts);
    } catch (err) {
      this.lastError = err;
    }
  }

  /** Pages the last query returned (all books of a streamed query). */
  receivedPages(): EventPage[] {
    if (this.lastError !== undefined) throw new Error(`expected events, the query failed: ${describeError(this.lastError)}`);
    if (this.lastBooks) return this.lastBooks.flatMap((b) => b.pages);
    return this.requireBook().pages;
  }

  /**
   * Runs `fn` for a step that may expect a failure: its result, or undefined with what it threw
   * in lastError (cleared first). Only ClientErrors are expected unless `anyError` is set.
   */
  attempt<T>(fn: () => T, { anyError = false } = {}): T | undefined {
    this.lastError = undefined;
    try {
      return fn();
    } catch (err) {
      this.#recordFailure(err, anyError);
      return undefined;
    }
  }

  /** {@link attempt} for asynchronous work. */
  async attemptAsync<T>(fn: () => Promise<T> | T, { anyError = false } = {}): Promise<T | undefined> {
    this.lastError = undefined;
    try {
      return await fn();
    } catch (err) {
      this.#recordFailure(err, anyError);
      return undefined;
    }
  }

  #recordFailure(err: unknown, anyError: boolean): void {
    if (!anyError) expect(isClientError(err), `expected a ClientError, got ${describeError(err)}`).to.equal(true);
    this.lastError = err;
  }

  // ---- results ------------------------------------------------------------------------

  /** The error a step expects; fails with what happened instead when there is none. */
  requireError(): ClientError {
    const err = this.lastError;
    if (err === undefined) {
      throw new Error(`expected the call to fail, but it succeeded: ${JSON.stringify(summarizeResponse(this.lastResponse ?? this.lastBook))}`);
    }
    expect(isClientError(err), `expected a ClientError, got ${describeError(err)}`).to.equal(true);
    return err as ClientError;
  }

  requireResponse(): CommandResponse {
    if (this.lastError !== undefined) throw new Error(`expected success, the call failed: ${describeError(this.lastError)}`);
    if (!this.lastResponse) throw new Error("no command response was recorded");
    return this.lastResponse;
  }

  requireBook(): EventBook {
    if (this.lastError !== undefined) throw new Error(`expected events, the query failed: ${describeError(this.lastError)}`);
    if (!this.lastBook) throw new Error("no query result was recorded");
    return this.lastBook;
  }

  /** Pages of the last response or query, whichever the scenario made last. */
  responsePages(): EventPage[] {
    return this.requireResponse().events?.pages ?? [];
  }
}

export function describeError(err: unknown): string {
  if (isClientError(err)) return `${err.name} (code ${err.code === undefined ? "none" : sdk.Status[err.code]}): ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Short, printable view of a response or book for assertion messages. */
export function summarizeResponse(value: CommandResponse | EventBook | undefined): unknown {
  if (!value) return value;
  const book = "pages" in value ? value : value.events;
  return {
    pages: (book?.pages ?? []).map((p) => ({
      seq: p.header?.sequenceType?.$case === "sequence" ? p.header.sequenceType.value : p.header?.sequenceType?.$case,
      type: p.payload?.$case === "event" ? typeNameFromUrl(p.payload.value.typeUrl) : p.payload?.$case,
    })),
  };
}

/** Sequence of a page (explicit header), failing loudly otherwise. */
export function pageSequence(page: EventPage): number {
  const header = page.header?.sequenceType;
  if (header?.$case !== "sequence") throw new Error(`page has no explicit sequence: ${JSON.stringify(header)}`);
  return header.value;
}

export function pageTypeName(page: EventPage): string {
  if (page.payload?.$case !== "event") throw new Error(`page carries no inline event (${page.payload?.$case})`);
  return typeNameFromUrl(page.payload.value.typeUrl);
}

setWorldConstructor(AngzarrWorld);
