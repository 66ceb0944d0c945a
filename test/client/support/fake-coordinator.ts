/**
 * A small, map-backed implementation of the coordinator services on a real grpc-js server, for
 * the client's integration tests. It follows the coordinator's observable answers where the
 * tests need them (sequence checks with the EventBook trailer, inclusive GetEventBook ranges,
 * fact idempotency) and lets a test intercept any call through `intercept`.
 */
import {
  Metadata,
  Server,
  ServerCredentials,
  status as Status,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type StatusObject,
} from "@grpc/grpc-js";
import { headerSequence, makeCover, nextSequence } from "../../../src/core/books.js";
import { protoToUuid } from "../../../src/core/uuid.js";
import { timestampToRfc3339 } from "../../../src/core/time.js";
import {
  CommandHandlerCoordinatorServiceService,
  type BusinessResponse,
  type CommandResponse,
  type FactInjectionResponse,
  type SpeculateCommandHandlerRequest,
} from "../../../src/gen/angzarr/command_handler.js";
import {
  ProcessManagerCoordinatorServiceService,
  type ProcessManagerHandleResponse,
  type SpeculatePmRequest,
} from "../../../src/gen/angzarr/process_manager.js";
import { ProjectorCoordinatorServiceService, type SpeculateProjectorRequest } from "../../../src/gen/angzarr/projector.js";
import { EventQueryServiceService } from "../../../src/gen/angzarr/query.js";
import { SagaCoordinatorServiceService, type SagaResponse, type SpeculateSagaRequest } from "../../../src/gen/angzarr/saga.js";
import {
  EventBook,
  type AggregateRoot,
  type CommandRequest,
  type Cover,
  type EventPage,
  type EventRequest,
  type Projection,
  type Query,
} from "../../../src/gen/angzarr/types.js";

/** What a test's interceptor may answer instead of the default behaviour. */
export type Interception = StatusObject | "hang" | undefined;

/** One recorded call. */
export interface RecordedCall {
  method: string;
  metadata: Metadata;
  deadline: number;
  request: unknown;
}

interface StoredPage {
  page: EventPage;
  correlationId: string;
}

const MAIN = "angzarr";

function status(code: Status, details: string, metadata = new Metadata()): StatusObject {
  return { code, details, metadata };
}

function keyOf(cover: Cover | undefined): string {
  return `${cover?.domain}|${cover?.edition?.name || MAIN}|${Buffer.from(cover?.root?.value ?? []).toString("hex")}`;
}

function pageSeq(page: EventPage): number {
  return page.header?.sequenceType?.$case === "sequence" ? page.header.sequenceType.value : 0;
}

export class FakeCoordinator {
  readonly calls: RecordedCall[] = [];
  /** Return a status (or "hang") to override a call; undefined lets the default behaviour run. */
  intercept: (method: string, request: unknown, metadata: Metadata) => Interception = () => undefined;
  /** What the mismatch trailer carries: the whole book, nothing, or undecodable bytes. */
  mismatchDetails: "book" | "none" | "garbage" = "book";
  /** Number of server-side cancellations observed (streams and unary calls). */
  cancellations = 0;
  /** Events written per GetEvents message when `endlessStreams` is on (until cancelled). */
  endlessStreams = false;
  readonly server: Server;
  address = "";
  readonly #store = new Map<string, { cover: Cover; pages: StoredPage[] }>();
  readonly #facts = new Map<string, number[]>();
  readonly #hanging: Array<() => void> = [];

  private constructor() {
    this.server = new Server();
    this.server.addService(CommandHandlerCoordinatorServiceService, {
      handleCommand: this.#unary("HandleCommand", (r: CommandRequest) => this.#handleCommand(r)),
      handleEvent: this.#unary("HandleEvent", (r: EventRequest) => this.#handleEvent(r)),
      handleSyncSpeculative: this.#unary("HandleSyncSpeculative", (r: SpeculateCommandHandlerRequest) =>
        this.#speculate(r),
      ),
      handleCompensation: this.#unary("HandleCompensation", (r: CommandRequest) => this.#compensate(r)),
    });
    this.server.addService(EventQueryServiceService, {
      getEventBook: this.#unary("GetEventBook", (q: Query) => this.#getEventBook(q)),
      getEvents: (call: ServerWritableStream<Query, EventBook>) => this.#getEvents(call),
      getAggregateRoots: (call: ServerWritableStream<unknown, AggregateRoot>) => this.#getAggregateRoots(call),
      synchronize: (call: ServerDuplexStream<Query, EventBook>) => this.#synchronize(call),
    });
    this.server.addService(SagaCoordinatorServiceService, {
      execute: this.#unary("SagaExecute", (): SagaResponse => ({ commands: [], events: [] })),
      executeSpeculative: this.#unary("SagaExecuteSpeculative", (r: SpeculateSagaRequest): SagaResponse => ({
        commands: [],
        events: r.request?.source ? [r.request.source] : [],
      })),
    });
    this.server.addService(ProcessManagerCoordinatorServiceService, {
      handle: this.#unary("PmHandle", (): ProcessManagerHandleResponse => ({ commands: [], facts: [] })),
      handleSpeculative: this.#unary("PmHandleSpeculative", (r: SpeculatePmRequest): ProcessManagerHandleResponse => ({
        processEvents: r.request?.trigger,
        commands: [],
        facts: [],
      })),
    });
    this.server.addService(ProjectorCoordinatorServiceService, {
      handle: this.#unary("ProjectorHandle", () => ({})),
      handleSync: this.#unary("ProjectorHandleSync", (): Projection => ({ projector: "fake", sequence: 0 })),
      handleSpeculative: this.#unary("ProjectorHandleSpeculative", (r: SpeculateProjectorRequest): Projection => ({
        cover: r.events?.cover,
        projector: "fake-projector",
        sequence: nextSequence(r.events) - 1,
      })),
    });
  }

  /** Start on `address` (default 127.0.0.1:0) with plaintext or the given credentials. */
  static async start(
    opts: { address?: string; credentials?: ServerCredentials } = {},
  ): Promise<FakeCoordinator> {
    const fake = new FakeCoordinator();
    const address = opts.address ?? "127.0.0.1:0";
    const port = await new Promise<number>((resolve, reject) =>
      fake.server.bindAsync(address, opts.credentials ?? ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    fake.address = address.startsWith("unix:") ? address : `127.0.0.1:${port}`;
    return fake;
  }

  /** The calls recorded for `method`. */
  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Stop at once (in-flight calls are cancelled). */
  stop(): void {
    for (const release of this.#hanging.splice(0)) release();
    this.server.forceShutdown();
  }

  /** Directly append events (for query tests), numbered from the aggregate's next sequence. */
  seed(cover: Cover, events: EventPage["payload"][], correlationId = "", createdAt?: (i: number) => EventPage["createdAt"]): void {
    const slot = this.#slot(cover);
    for (const [i, payload] of events.entries()) {
      const seq = slot.pages.length;
      slot.pages.push({
        page: { header: { sequenceType: { $case: "sequence", value: seq } }, createdAt: createdAt?.(i), payload, noCommit: false },
        correlationId,
      });
    }
  }

  #slot(cover: Cover): { cover: Cover; pages: StoredPage[] } {
    const key = keyOf(cover);
    let slot = this.#store.get(key);
    if (!slot) {
      slot = { cover: { ...cover, correlationId: "", edition: { name: cover.edition?.name || MAIN, divergences: [] } }, pages: [] };
      this.#store.set(key, slot);
    }
    return slot;
  }

  #book(cover: Cover, pages: EventPage[]): EventBook {
    const book: EventBook = {
      cover: { ...cover, correlationId: "", edition: { name: cover.edition?.name || MAIN, divergences: [] } },
      pages,
      nextSequence: 0,
    };
    book.nextSequence = nextSequence(book);
    return book;
  }

  #unary<Req, Res>(method: string, handle: (request: Req) => Res | StatusObject) {
    return (call: ServerUnaryCall<Req, Res>, callback: (err: Partial<StatusObject> | null, res?: Res) => void) => {
      this.calls.push({ method, metadata: call.metadata, deadline: Number(call.getDeadline()), request: call.request });
      let done = false;
      call.on("cancelled", () => {
        if (!done) this.cancellations++;
      });
      const answer = (err: Partial<StatusObject> | null, res?: Res) => {
        done = true;
        callback(err, res);
      };
      const intercepted = this.intercept(method, call.request, call.metadata);
      if (intercepted === "hang") {
        this.#hanging.push(() => answer({ code: Status.UNAVAILABLE, details: "fake stopped" }));
        return;
      }
      if (intercepted) return answer(intercepted);
      const result = handle(call.request);
      if (result && typeof result === "object" && "code" in result && "details" in result) return answer(result);
      answer(null, result);
    };
  }

  #handleCommand(request: CommandRequest): CommandResponse | StatusObject {
    const book = request.command;
    if (!book) return status(Status.INVALID_ARGUMENT, "CommandRequest must have a command");
    if (!book.cover) return status(Status.INVALID_ARGUMENT, "CommandBook must have a cover");
    if (!book.cover.root) return status(Status.INVALID_ARGUMENT, "Cover must have a root UUID");
    const slot = this.#slot(book.cover);
    const expected = headerSequence(book.pages[0]?.header) ?? 0;
    const actual = slot.pages.length;
    if (expected !== actual) {
      const trailer = new Metadata();
      if (this.mismatchDetails === "book") {
        trailer.set("grpc-status-details-bin", Buffer.from(EventBook.encode(this.#book(slot.cover, slot.pages.map((p) => p.page))).finish()));
      } else if (this.mismatchDetails === "garbage") {
        trailer.set("grpc-status-details-bin", Buffer.from([0x0a, 0xff, 0x01]));
      }
      return status(Status.FAILED_PRECONDITION, `Sequence mismatch: command expects ${expected}, aggregate at ${actual}`, trailer);
    }
    const created = book.pages.map((p, i): EventPage => ({
      header: { sequenceType: { $case: "sequence", value: actual + i } },
      createdAt: { seconds: Math.floor(Date.now() / 1000), nanos: 0 },
      payload: p.payload?.$case === "command" ? { $case: "event", value: p.payload.value } : undefined,
      noCommit: false,
    }));
    for (const page of created) slot.pages.push({ page, correlationId: book.cover.correlationId });
    const events = this.#book(book.cover, created);
    events.cover!.correlationId = book.cover.correlationId;
    return { events, projections: [], cascadeErrors: [] };
  }

  #handleEvent(request: EventRequest): FactInjectionResponse | StatusObject {
    const book = request.events;
    if (!book?.cover) return status(Status.INVALID_ARGUMENT, "EventRequest must have events");
    const first = book.pages[0]?.header?.sequenceType;
    if (!book.pages.some((p) => p.header?.sequenceType?.$case === "externalDeferred")) {
      return status(Status.INVALID_ARGUMENT, "Fact events must have ExternalDeferredSequence markers");
    }
    const slot = this.#slot(book.cover);
    const externalId = first?.$case === "externalDeferred" ? first.value.externalId : "";
    const factKey = `${keyOf(book.cover)}|${externalId}`;
    const previous = externalId ? this.#facts.get(factKey) : undefined;
    if (previous) {
      const pages = slot.pages.filter((p) => previous.includes(pageSeq(p.page))).map((p) => p.page);
      return { events: { ...this.#book(book.cover, pages), nextSequence: slot.pages.length }, alreadyProcessed: true, projections: [] };
    }
    const stamped = book.pages.map((p, i): EventPage => ({
      ...p,
      header: { sequenceType: { $case: "sequence", value: slot.pages.length + i } },
      createdAt: p.createdAt ?? { seconds: Math.floor(Date.now() / 1000), nanos: 0 },
    }));
    for (const page of stamped) slot.pages.push({ page, correlationId: book.cover.correlationId });
    if (externalId) this.#facts.set(factKey, stamped.map(pageSeq));
    return { events: this.#book(book.cover, stamped), alreadyProcessed: false, projections: [] };
  }

  #speculate(request: SpeculateCommandHandlerRequest): CommandResponse | StatusObject {
    const point = request.pointInTime?.pointInTime;
    if (!request.command) return status(Status.INVALID_ARGUMENT, "SpeculateAggregateRequest must have a command");
    if (!point) return status(Status.INVALID_ARGUMENT, "Speculative requires either as_of_sequence or as_of_timestamp");
    const slot = this.#slot(request.command.cover!);
    const base = point.$case === "asOfSequence" ? Math.min(point.value + 1, slot.pages.length) : 0;
    const pages = request.command.pages.map((p, i): EventPage => ({
      header: { sequenceType: { $case: "sequence", value: base + i } },
      payload: p.payload?.$case === "command" ? { $case: "event", value: p.payload.value } : undefined,
      noCommit: false,
    }));
    return { events: this.#book(request.command.cover!, pages), projections: [], cascadeErrors: [] };
  }

  #compensate(request: CommandRequest): BusinessResponse | StatusObject {
    if (!request.command?.cover) return status(Status.INVALID_ARGUMENT, "CommandRequest must have a command");
    return { result: { $case: "notification", value: { cover: request.command.cover, metadata: { compensated: "yes" } } } };
  }

  #select(query: Query): EventBook | StatusObject {
    const cover = query.cover;
    if (cover?.correlationId) {
      for (const slot of this.#store.values()) {
        const pages = slot.pages.filter((p) => p.correlationId === cover.correlationId).map((p) => p.page);
        if (pages.length > 0) return { cover: { ...slot.cover, correlationId: cover.correlationId }, pages, nextSequence: 0 };
      }
      return { pages: [], nextSequence: 0 };
    }
    if (!cover) return status(Status.INVALID_ARGUMENT, "Query must have a cover with domain/root or correlation_id");
    if (!cover.domain) return status(Status.INVALID_ARGUMENT, "domain name cannot be empty");
    if (!cover.root) return status(Status.INVALID_ARGUMENT, "Query must have a root UUID or correlation_id");
    const all = (this.#store.get(keyOf(cover))?.pages ?? []).map((p) => p.page);
    const sel = query.selection;
    let pages = all;
    if (sel?.$case === "range") {
      pages = all.filter((p) => pageSeq(p) >= sel.value.lower && (sel.value.upper === undefined || pageSeq(p) <= sel.value.upper));
    } else if (sel?.$case === "sequences") {
      pages = all.filter((p) => sel.value.values.includes(pageSeq(p)));
    } else if (sel?.$case === "temporal") {
      const point = sel.value.pointInTime;
      if (!point) return status(Status.INVALID_ARGUMENT, "temporal query needs a point");
      pages =
        point.$case === "asOfSequence"
          ? all.filter((p) => pageSeq(p) <= point.value)
          : all.filter((p) => p.createdAt && timestampToRfc3339(p.createdAt) <= timestampToRfc3339(point.value));
    }
    return this.#book(cover, pages);
  }

  #getEventBook(query: Query): EventBook | StatusObject {
    return this.#select(query);
  }

  #getEvents(call: ServerWritableStream<Query, EventBook>): void {
    this.calls.push({ method: "GetEvents", metadata: call.metadata, deadline: Number(call.getDeadline()), request: call.request });
    // grpc-js servers also report 'cancelled' after a stream they ended themselves; count only
    // cancellations of streams that were still open.
    let cancelled = false;
    let ended = false;
    call.on("cancelled", () => {
      cancelled = true;
      if (!ended) this.cancellations++;
    });
    const intercepted = this.intercept("GetEvents", call.request, call.metadata);
    if (intercepted === "hang") return;
    if (intercepted) {
      ended = true;
      call.emit("error", intercepted);
      return;
    }
    const result = this.#select({ ...call.request, selection: undefined });
    if ("code" in result) {
      ended = true;
      call.emit("error", result);
      return;
    }
    if (!this.endlessStreams) {
      call.write(result);
      ended = true;
      call.end();
      return;
    }
    const timer = setInterval(() => {
      if (cancelled) return clearInterval(timer);
      call.write(result);
    }, 5);
  }

  #getAggregateRoots(call: ServerWritableStream<unknown, AggregateRoot>): void {
    this.calls.push({ method: "GetAggregateRoots", metadata: call.metadata, deadline: Number(call.getDeadline()), request: {} });
    for (const slot of this.#store.values()) {
      if (slot.cover.edition?.name === MAIN && slot.pages.length > 0) call.write({ domain: slot.cover.domain, root: slot.cover.root });
    }
    call.end();
  }

  #synchronize(call: ServerDuplexStream<Query, EventBook>): void {
    this.calls.push({ method: "Synchronize", metadata: call.metadata, deadline: Number(call.getDeadline()), request: undefined });
    let ended = false;
    call.on("cancelled", () => {
      if (!ended) this.cancellations++;
    });
    call.on("data", (query: Query) => {
      const result = this.#select(query);
      if ("code" in result) {
        ended = true;
        call.emit("error", result);
      } else {
        call.write(result);
      }
    });
    call.on("end", () =>
      // A cancel also ends the readable side, just before 'cancelled'; only a half-close ends the session.
      setImmediate(() => {
        if (call.cancelled) return;
        ended = true;
        call.end();
      }),
    );
  }
}

/** A cover for tests. */
export function coverOf(domain: string, root: string, edition?: string): Cover {
  return makeCover({ domain, root, edition });
}

/** Canonical root text of a book's cover. */
export function rootOf(book: EventBook): string {
  return protoToUuid(book.cover?.root);
}
