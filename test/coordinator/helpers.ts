/**
 * Test fixtures for the embedded coordinator: small business processes written directly against
 * the generated service definitions on real grpc-js servers, and promise wrappers around the
 * generated clients.
 */
import { randomUUID } from "node:crypto";
import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status as Status,
  type handleUnaryCall,
  type ServiceError,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { sequenceHeader } from "../../src/core/books.js";
import { uuidToProto } from "../../src/core/uuid.js";
import {
  CommandHandlerCoordinatorServiceClient,
  CommandHandlerServiceService,
  type BusinessResponse,
  type CommandResponse,
  type FactInjectionResponse,
  type FactRequest,
  type ReplayRequest,
  type ReplayResponse,
  type SpeculateCommandHandlerRequest,
} from "../../src/gen/angzarr/command_handler.js";
import { ProjectorServiceService } from "../../src/gen/angzarr/projector.js";
import { EventQueryServiceClient } from "../../src/gen/angzarr/query.js";
import { SagaServiceService, type SagaHandleRequest, type SagaResponse } from "../../src/gen/angzarr/saga.js";
import {
  EventBook,
  MergeStrategy,
  type AggregateRoot,
  type CommandBook,
  type CommandPage,
  type CommandRequest,
  type ContextualCommand,
  type Cover,
  type EventPage,
  type EventRequest,
  type PageHeader,
  type Projection,
  type Query,
} from "../../src/gen/angzarr/types.js";
import { startCoordinator, silentLogger, type CoordinatorConfig, type CoordinatorHandle } from "../../src/coordinator/index.js";

export { Status };

/** Both storage backends the suites run against. */
export const BACKENDS = [{ type: "memory" }, { type: "sqlite" }] as const;

/** A gRPC failure as thrown by the promise wrappers. */
export type CallError = ServiceError;

/** Business code throws this to answer with a status. */
export class Reject extends Error {
  constructor(
    readonly code: Status,
    message: string,
  ) {
    super(message);
  }
}

/** A real grpc-js server on 127.0.0.1:0 serving the given implementations. */
export async function serve(
  services: Array<[ServiceDefinition, UntypedServiceImplementation]>,
): Promise<{ address: string; port: number; stop(): Promise<void> }> {
  const server = new Server();
  for (const [definition, impl] of services) server.addService(definition, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    port,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** Adapts an async function to a grpc-js unary handler; a thrown {@link Reject} becomes its status. */
function unary<Req, Res>(fn: (req: Req) => Promise<Res> | Res): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => callback(null, res),
        (err) =>
          callback(err instanceof Reject ? { code: err.code, details: err.message } : { code: Status.INTERNAL, details: (err as Error).message }),
      );
  };
}

/** A command-handler process whose behaviour is a function of the ContextualCommand. */
export interface Handler {
  handle(cmd: ContextualCommand): Promise<BusinessResponse> | BusinessResponse;
  handleFact?(req: FactRequest): Promise<EventBook> | EventBook;
  replay?(req: ReplayRequest): Promise<ReplayResponse> | ReplayResponse;
}

/** A running fake business process with its recorded calls. */
export interface Business {
  address: string;
  calls: ContextualCommand[];
  factCalls: FactRequest[];
  replayCalls: ReplayRequest[];
  stop(): Promise<void>;
}

/** Starts a command handler (Handle, HandleFact, Replay) on a real server. */
export async function startBusiness(handler: Handler = counter()): Promise<Business> {
  const calls: ContextualCommand[] = [];
  const factCalls: FactRequest[] = [];
  const replayCalls: ReplayRequest[] = [];
  const server = await serve([
    [
      CommandHandlerServiceService,
      {
        handle: unary((req: ContextualCommand) => {
          calls.push(req);
          return handler.handle(req);
        }),
        handleFact: unary((req: FactRequest) => {
          factCalls.push(req);
          if (!handler.handleFact) throw new Reject(Status.UNIMPLEMENTED, "HandleFact not implemented");
          return handler.handleFact(req);
        }),
        replay: unary((req: ReplayRequest) => {
          replayCalls.push(req);
          if (!handler.replay) throw new Reject(Status.UNIMPLEMENTED, "Replay not implemented");
          return handler.replay(req);
        }),
      },
    ],
  ]);
  return { address: server.address, calls, factCalls, replayCalls, stop: server.stop };
}

/** Starts a projector answering `Projection{projector: name, sequence: last page}` (or a custom answer). */
export async function startProjector(
  name: string,
  answer?: (book: EventBook) => Projection,
): Promise<{ address: string; books: EventBook[]; stop(): Promise<void> }> {
  const books: EventBook[] = [];
  const project = (book: EventBook): Projection => {
    books.push(book);
    if (answer) return answer(book);
    const last = book.pages.at(-1);
    const seq = last?.header?.sequenceType?.$case === "sequence" ? last.header.sequenceType.value : 0;
    return { cover: book.cover, projector: name, sequence: seq, projection: undefined };
  };
  const server = await serve([[ProjectorServiceService, { handle: unary(project), handleSpeculative: unary(project) }]]);
  return { address: server.address, books, stop: server.stop };
}

/** Starts a saga whose answer is computed from the request. */
export async function startSaga(
  fn: (req: SagaHandleRequest) => SagaResponse | Promise<SagaResponse>,
): Promise<{ address: string; requests: SagaHandleRequest[]; stop(): Promise<void> }> {
  const requests: SagaHandleRequest[] = [];
  const server = await serve([
    [
      SagaServiceService,
      {
        handle: unary((req: SagaHandleRequest) => {
          requests.push(req);
          return fn(req);
        }),
      },
    ],
  ]);
  return { address: server.address, requests, stop: server.stop };
}

// ---------------------------------------------------------------------------------------------
// Messages

/** An Any with a test type name and UTF-8 text as bytes. */
export function any(type: string, text = ""): { typeUrl: string; value: Buffer } {
  return { typeUrl: `type.googleapis.com/test.${type}`, value: Buffer.from(text) };
}

/** The test type name of an Any (`Added` for `type.googleapis.com/test.Added`). */
export function typeOf(a: { typeUrl: string } | undefined): string {
  return a ? a.typeUrl.slice(a.typeUrl.lastIndexOf(".") + 1) : "";
}

/** Text payload of an event page. */
export function text(page: EventPage): string {
  return page.payload?.$case === "event" ? Buffer.from(page.payload.value.value).toString() : "";
}

/** The explicit sequence of a page (undefined for other headers). */
export function seqOf(page: { header?: PageHeader }): number | undefined {
  return page.header?.sequenceType?.$case === "sequence" ? page.header.sequenceType.value : undefined;
}

/** A cover for `domain`/`root`. */
export function cover(domain: string, root: string, extra: Partial<Cover> = {}): Cover {
  return { domain, root: uuidToProto(root), correlationId: "", ...extra };
}

/** A command page at `sequence` (or with another header). */
export function commandPage(
  type: string,
  payload = "",
  header: PageHeader | number = 0,
  mergeStrategy = MergeStrategy.MERGE_COMMUTATIVE,
): CommandPage {
  return {
    header: typeof header === "number" ? sequenceHeader(header) : header,
    mergeStrategy,
    payload: { $case: "command", value: any(type, payload) },
  };
}

/** A one-page CommandRequest. */
export function command(
  domain: string,
  root: string,
  type: string,
  opts: {
    sequence?: number;
    payload?: string;
    header?: PageHeader;
    merge?: MergeStrategy;
    cover?: Partial<Cover>;
    request?: Partial<CommandRequest>;
  } = {},
): CommandRequest {
  const book: CommandBook = {
    cover: cover(domain, root, opts.cover),
    pages: [commandPage(type, opts.payload ?? "", opts.header ?? opts.sequence ?? 0, opts.merge)],
  };
  return { command: book, syncMode: 0, cascadeErrorMode: 0, ...opts.request };
}

/** A fact EventRequest; the first page carries `external_deferred{externalId}`. */
export function facts(
  domain: string,
  root: string,
  texts: string[],
  opts: { externalId?: string; cover?: Partial<Cover>; routeToHandler?: boolean; syncMode?: number } = {},
): EventRequest {
  const pages: EventPage[] = texts.map((t, i) => ({
    header:
      i === 0 || opts.externalId === undefined
        ? { sequenceType: { $case: "externalDeferred", value: { externalId: opts.externalId ?? "", description: "" } } }
        : undefined,
    payload: { $case: "event", value: any("Fact", t) },
    noCommit: false,
  }));
  return {
    events: { cover: cover(domain, root, opts.cover), pages, nextSequence: 0 },
    syncMode: opts.syncMode ?? 0,
    routeToHandler: opts.routeToHandler ?? false,
  };
}

/** A query for an aggregate. */
export function query(domain: string, root: string, extra: Partial<Query> = {}, coverExtra: Partial<Cover> = {}): Query {
  return { cover: cover(domain, root, coverExtra), ...extra };
}

// ---------------------------------------------------------------------------------------------
// A default business: a counter-like aggregate

/**
 * The default handler. Command types: `Add` (one `Added` event with the payload), `AddMany`
 * (payload = count), `Reject` (FAILED_PRECONDITION), `Invalid` (INVALID_ARGUMENT), `Revoke`,
 * `Notify`, `Nothing` (empty response), `Snap` (one event + snapshot state = event count),
 * `Dup` (two events at the same sequence), `Stale` (one event at sequence 0), `Whole` (whole
 * history plus one new event), `Big` (one event with a payload of `payload` bytes).
 * Events are numbered from the prior book's next_sequence.
 */
export function counter(): Handler {
  return {
    handle(cmd) {
      const prior = cmd.events!;
      const next = prior.nextSequence;
      const page = cmd.command!.pages[0];
      const a = page?.payload?.$case === "command" ? page.payload.value : undefined;
      const type = typeOf(a);
      const payload = a ? Buffer.from(a.value).toString() : "";
      const event = (seq: number, t = payload, kind = "Added"): EventPage => ({
        header: sequenceHeader(seq),
        payload: { $case: "event", value: any(kind, t) },
        noCommit: false,
      });
      const book = (pages: EventPage[], snapshotState?: string): BusinessResponse => ({
        result: {
          $case: "events",
          value: {
            cover: { ...prior.cover!, correlationId: "" },
            pages,
            nextSequence: 0,
            snapshot: snapshotState === undefined ? undefined : { sequence: 0, retention: 0, state: any("State", snapshotState) },
          },
        },
      });
      switch (type) {
        case "Add":
          return book([event(next)]);
        case "AddMany":
          return book(Array.from({ length: Number(payload) }, (_, i) => event(next + i, `e${next + i}`)));
        case "Reject":
          throw new Reject(Status.FAILED_PRECONDITION, `rejected: ${payload}`);
        case "Invalid":
          throw new Reject(Status.INVALID_ARGUMENT, `bad command: ${payload}`);
        case "Revoke":
          return {
            result: {
              $case: "revocation",
              value: { emitSystemRevocation: false, sendToDeadLetterQueue: false, escalate: false, abort: false, reason: payload },
            },
          };
        case "Notify":
          return { result: { $case: "notification", value: { cover: prior.cover, metadata: {} } } };
        case "Nothing":
          return {};
        case "Snap": {
          const count = prior.pages.length + (prior.snapshot ? Number(Buffer.from(prior.snapshot.state!.value).toString()) : 0);
          return book([event(next)], String(count + 1));
        }
        case "Dup":
          return book([event(next), event(next)]);
        case "Stale":
          return book([event(0)]);
        case "Whole":
          return book([...prior.pages, event(next)]);
        case "Big":
          return book([event(next, "x".repeat(Number(payload)))]);
        default:
          throw new Reject(Status.INVALID_ARGUMENT, `unknown command ${type}`);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Coordinator and clients

/** A started coordinator with promise-based clients. */
export interface Harness {
  coordinator: CoordinatorHandle;
  commands: CommandHandlerCoordinatorServiceClient;
  queries: EventQueryServiceClient;
  /** HandleCommand; `metadata` defaults to none. */
  handle(req: CommandRequest, metadata?: Metadata): Promise<CommandResponse>;
  fact(req: EventRequest): Promise<FactInjectionResponse>;
  speculate(req: SpeculateCommandHandlerRequest): Promise<CommandResponse>;
  compensate(req: CommandRequest): Promise<BusinessResponse>;
  book(q: Query, metadata?: Metadata): Promise<EventBook>;
  events(q: Query): Promise<EventBook[]>;
  synchronize(qs: Query[]): Promise<EventBook[]>;
  roots(): Promise<AggregateRoot[]>;
  close(): Promise<void>;
}

const DEADLINE_MS = 10_000;

function promisify<Req, Res>(fn: (req: Req, md: Metadata, opts: { deadline: number }, cb: (e: ServiceError | null, r: Res) => void) => unknown) {
  return (req: Req, metadata = new Metadata()) =>
    new Promise<Res>((resolve, reject) =>
      fn(req, metadata, { deadline: Date.now() + DEADLINE_MS }, (err, res) => (err ? reject(err) : resolve(res))),
    );
}

function collect<T>(stream: NodeJS.EventEmitter): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    stream.on("data", (item: T) => items.push(item));
    stream.on("error", reject);
    stream.on("end", () => resolve(items));
  });
}

/** Starts a coordinator (memory store, port 0, silent) and clients for it. */
export async function startHarness(config: CoordinatorConfig = {}): Promise<Harness> {
  const coordinator = await startCoordinator({ port: 0, storage: { type: "memory" }, logger: silentLogger, ...config });
  return connect(coordinator);
}

/** Clients for an already running coordinator. */
export function connect(coordinator: CoordinatorHandle, address = coordinator.address): Harness {
  const options = { "grpc.max_metadata_size": 1024 * 1024 };
  const commands = new CommandHandlerCoordinatorServiceClient(address, credentials.createInsecure(), options);
  const queries = new EventQueryServiceClient(address, credentials.createInsecure(), options);
  const deadline = () => ({ deadline: Date.now() + DEADLINE_MS });
  return {
    coordinator,
    commands,
    queries,
    handle: promisify(commands.handleCommand.bind(commands) as never),
    fact: promisify(commands.handleEvent.bind(commands) as never),
    speculate: promisify(commands.handleSyncSpeculative.bind(commands) as never),
    compensate: promisify(commands.handleCompensation.bind(commands) as never),
    book: promisify(queries.getEventBook.bind(queries) as never),
    events: (q) => collect<EventBook>(queries.getEvents(q, new Metadata(), deadline())),
    synchronize: (qs) => {
      const call = queries.synchronize(new Metadata(), deadline());
      const result = collect<EventBook>(call);
      for (const q of qs) call.write(q);
      call.end();
      return result;
    },
    roots: () => collect<AggregateRoot>(queries.getAggregateRoots({}, new Metadata(), deadline())),
    async close() {
      commands.close();
      queries.close();
      await coordinator.stop(2000);
    },
  };
}

/** The EventBook in a status's `grpc-status-details-bin` trailer. */
export function detailsBook(err: CallError): EventBook | undefined {
  const bytes = err.metadata?.get("grpc-status-details-bin")[0];
  return Buffer.isBuffer(bytes) ? EventBook.decode(bytes) : undefined;
}

/** A fresh random root. */
export const newRoot = (): string => randomUUID();
