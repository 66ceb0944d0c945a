/**
 * The one grpc-js listener serving CommandHandlerCoordinatorService, EventQueryService and
 * grpc.health.v1.Health, like the reference's `angzarr-aggregate`, plus the saga, process-manager
 * and projector coordinator services (§10) for the configured components.
 */
import {
  status as Status,
  type Server,
  type handleBidiStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type Metadata,
  type StatusObject,
} from "@grpc/grpc-js";
import { CommandHandlerCoordinatorServiceService, type CommandHandlerCoordinatorServiceServer } from "../../gen/angzarr/command_handler.js";
import { ProcessManagerCoordinatorServiceService, type ProcessManagerCoordinatorServiceServer } from "../../gen/angzarr/process_manager.js";
import { ProjectorCoordinatorServiceService, type ProjectorCoordinatorServiceServer } from "../../gen/angzarr/projector.js";
import { EventQueryServiceService, type EventQueryServiceServer } from "../../gen/angzarr/query.js";
import { SagaCoordinatorServiceService, type SagaCoordinatorServiceServer } from "../../gen/angzarr/saga.js";
import type { EventBook, Query } from "../../gen/angzarr/types.js";
import { isMalformed, TolerantServer, type MalformedRequest } from "../../server/tolerant-server.js";
import type { TokenAuth } from "./auth.js";
import { MESSAGE_SIZE_LIMIT } from "../delivery/business-channels.js";
import { handleCommand } from "../pipeline/handle-command.js";
import { handleCompensation } from "../pipeline/handle-compensation.js";
import type { CoordinatorContext } from "../context.js";
import { handleEvent } from "../pipeline/handle-event.js";
import { HealthService, type HealthRegistry } from "../../server/health.js";
import { addReflection } from "../../server/reflection.js";
import { requestFields, type Logger } from "../../logger.js";
import { startCallSpan, traceFromMetadata, type CallSpan } from "../../tracing.js";
import { handleProcessManager, handleProcessManagerSpeculative } from "../services/process-manager-coordinator.js";
import { handleProjector, handleProjectorSpeculative, handleProjectorSync } from "../services/projector-coordinator.js";
import { aggregateRoots, getEventBook, getEvents, synchronizeOne } from "../services/event-query.js";
import { errorText, invalidArgument, RpcError } from "../rpc-error.js";
import { executeSaga, executeSagaSpeculative } from "../services/saga-coordinator.js";
import { handleSpeculative } from "../services/speculative.js";
import type { StreamSlots } from "./stream-slots.js";

/** Tracks running RPC work so shutdown can wait for it. */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = () => this.running.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Resolves when everything tracked so far (and anything started meanwhile) has settled. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

/** What the service adapters need. */
export interface ServerParts {
  ctx: CoordinatorContext;
  auth?: TokenAuth;
  health: HealthRegistry;
  inflight: InFlight;
  /** Bounds the open GetEvents, GetAggregateRoots and Synchronize streams. */
  streams: StreamSlots;
  /** Serve gRPC server reflection. */
  reflection: boolean;
}

/** The services the coordinator serves, as reflection lists them (health is added there). */
const COORDINATOR_SERVICES = [
  "angzarr.CommandHandlerCoordinatorService",
  "angzarr.EventQueryService",
  "angzarr.SagaCoordinatorService",
  "angzarr.ProcessManagerCoordinatorService",
  "angzarr.ProjectorCoordinatorService",
];

/** Builds the server with every service registered (not yet bound). */
export function createServer(parts: ServerParts): Server {
  const { ctx } = parts;
  // Undecodable requests are INVALID_ARGUMENT rather than grpc-js's INTERNAL.
  const server = new TolerantServer({
    "grpc.max_receive_message_length": MESSAGE_SIZE_LIMIT,
    "grpc.max_send_message_length": MESSAGE_SIZE_LIMIT,
  });
  server.addService(CommandHandlerCoordinatorServiceService, {
    handleCommand: unary(parts, "HandleCommand", (req) => handleCommand(ctx, req)),
    handleEvent: unary(parts, "HandleEvent", (req) => handleEvent(ctx, req)),
    handleSyncSpeculative: unary(parts, "HandleSyncSpeculative", (req) => handleSpeculative(ctx, req)),
    handleCompensation: unary(parts, "HandleCompensation", (req) => handleCompensation(ctx, req)),
  } satisfies CommandHandlerCoordinatorServiceServer);
  server.addService(EventQueryServiceService, {
    getEventBook: unary(parts, "GetEventBook", (query) => getEventBook(ctx.store, query)),
    getEvents: serverStream(parts, "GetEvents", (query) => getEvents(ctx.store, query)),
    getAggregateRoots: serverStream(parts, "GetAggregateRoots", () => aggregateRoots(ctx.store)),
    synchronize: synchronize(parts),
  } satisfies EventQueryServiceServer);
  server.addService(SagaCoordinatorServiceService, {
    execute: unary(parts, "Saga.Execute", (req) => executeSaga(ctx, req)),
    executeSpeculative: unary(parts, "Saga.ExecuteSpeculative", (req) => executeSagaSpeculative(ctx, req)),
  } satisfies SagaCoordinatorServiceServer);
  server.addService(ProcessManagerCoordinatorServiceService, {
    handle: unary(parts, "ProcessManager.Handle", (req) => handleProcessManager(ctx, req)),
    handleSpeculative: unary(parts, "ProcessManager.HandleSpeculative", (req) => handleProcessManagerSpeculative(ctx, req)),
  } satisfies ProcessManagerCoordinatorServiceServer);
  server.addService(ProjectorCoordinatorServiceService, {
    handleSync: unary(parts, "Projector.HandleSync", (req) => handleProjectorSync(ctx, req)),
    handle: unary(parts, "Projector.Handle", (book) => handleProjector(ctx, book)),
    handleSpeculative: unary(parts, "Projector.HandleSpeculative", (req) => handleProjectorSpeculative(ctx, req)),
  } satisfies ProjectorCoordinatorServiceServer);
  server.addService(HealthService, parts.health.implementation());
  if (parts.reflection) addReflection(server, COORDINATOR_SERVICES);
  return server;
}

function unary<Req, Res>(parts: ServerParts, method: string, fn: (req: Req) => Promise<Res>): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const c = begin(method, call.metadata, call.request);
    void c.span
      .run(() => run(parts, call.metadata, () => fn(call.request)))
      .then(
        (response) => {
          log(parts.ctx.logger, c);
          callback(null, response);
        },
        (err) => callback(toStatus(parts.ctx.logger, c, err)),
      );
  };
}

function serverStream<Req, Res>(parts: ServerParts, method: string, fn: (req: Req) => Promise<Res[]>): handleServerStreamingCall<Req, Res> {
  return (call) => {
    const c = begin(method, call.metadata, call.request);
    void c.span
      .run(() =>
        run(parts, call.metadata, () => {
          holdSlot(parts, call, method);
          return fn(call.request);
        }),
      )
      .then(
        (items) => {
          for (const item of items) call.write(item);
          log(parts.ctx.logger, c);
          call.end();
        },
        (err) => call.emit("error", toStatus(parts.ctx.logger, c, err)),
      );
  };
}

/** Synchronize: one answer per query, in order, until the client half-closes; an error ends the stream. */
function synchronize(parts: ServerParts): handleBidiStreamingCall<Query | MalformedRequest, EventBook> {
  return (call) => {
    const c = begin("Synchronize", call.metadata, undefined);
    void run(parts, call.metadata, async () => {
      holdSlot(parts, call, "Synchronize");
      // Queries are answered strictly in arrival order; the first failure ends the stream.
      let chain = Promise.resolve();
      let failed = false;
      const answered = new Promise<void>((resolve, reject) => {
        const fail = (err: unknown) => {
          failed = true;
          reject(err);
        };
        call.on("data", (query: Query | MalformedRequest) => {
          chain = chain
            .then(async () => {
              if (isMalformed(query)) throw invalidArgument(query.message);
              if (!failed) call.write(await synchronizeOne(parts.ctx.store, query));
            })
            .catch(fail);
        });
        call.on("end", () => void chain.then(() => resolve(), fail));
        call.on("error", fail);
        // A cancelled call (client cancel, deadline, a message over the size limit) ends without
        // "end" or "error"; without this the work would never settle.
        call.on("cancelled", () => fail(new RpcError(Status.CANCELLED, "Synchronize cancelled")));
      });
      await answered;
    }).then(
      () => {
        log(parts.ctx.logger, c);
        call.end();
      },
      (err) => {
        if (call.cancelled) log(parts.ctx.logger, c, Status.CANCELLED);
        else call.emit("error", toStatus(parts.ctx.logger, c, err));
      },
    );
  };
}

/** Takes a stream slot (RESOURCE_EXHAUSTED when none is free), released when the call closes. */
function holdSlot(parts: ServerParts, call: { once(event: "close", listener: () => void): unknown }, method: string): void {
  call.once("close", parts.streams.take(method));
}

/** Authenticates, then runs the work under the in-flight tracker. */
function run<T>(parts: ServerParts, metadata: Metadata, fn: () => Promise<T>): Promise<T> {
  return parts.inflight.track(
    (async () => {
      parts.auth?.check(metadata);
      return fn();
    })(),
  );
}

/** One call being served: its label, request (for the log line), start time and span. */
interface Served {
  method: string;
  request: unknown;
  started: number;
  span: CallSpan;
}

/** The gRPC service of each method label, for span names (`package.Service/Method`). */
function spanName(method: string): string {
  const dot = method.indexOf(".");
  if (dot > 0) return `angzarr.${method.slice(0, dot)}CoordinatorService/${method.slice(dot + 1)}`;
  return method.startsWith("Handle") ? `angzarr.CommandHandlerCoordinatorService/${method}` : `angzarr.EventQueryService/${method}`;
}

function begin(method: string, metadata: Metadata, request: unknown): Served {
  return { method, request, started: Date.now(), span: startCallSpan(spanName(method), "server", traceFromMetadata(metadata)) };
}

/** Ends the span and writes the per-request debug line (method, domain, root, sequence, code, ms, trace). */
function log(logger: Logger, c: Served, code = Status.OK, message?: string): void {
  c.span.end(code, message);
  if (logger.isLevelEnabled?.("debug") === false) return;
  logger.debug("rpc", { method: c.method, ...requestFields(c.request), code: Status[code], ms: Date.now() - c.started, trace: c.span.trace.traceId });
}

/** RpcErrors become their status; anything else is an INTERNAL bug report. */
function toStatus(logger: Logger, c: Served, err: unknown): Partial<StatusObject> {
  if (err instanceof RpcError) {
    log(logger, c, err.code, err.message);
    return err.toStatus();
  }
  c.span.end(Status.INTERNAL, "unexpected failure");
  logger.error("unexpected failure", { method: c.method, error: errorText(err) });
  return { code: Status.INTERNAL, details: errorText(err) };
}
