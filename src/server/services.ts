import type { handleUnaryCall, UntypedServiceImplementation } from "@grpc/grpc-js";
import { anyIs } from "../core/any.js";
import type { FactRequest, ReplayRequest } from "../gen/angzarr/command_handler.js";
import type { ProcessManagerHandleRequest, ProcessManagerPrepareRequest } from "../gen/angzarr/process_manager.js";
import type { SagaHandleRequest, SagaResponse } from "../gen/angzarr/saga.js";
import type { ContextualCommand, EventBook } from "../gen/angzarr/types.js";
import type { UpcastRequest } from "../gen/angzarr/upcaster.js";
import { Status } from "../errors.js";
import type { AggregateComponent, ProcessManagerComponent, ProjectorComponent, SagaComponent, UpcasterComponent } from "../handlers/components.js";
import { DispatchError } from "../handlers/errors.js";
import { statusFromError } from "../handlers/status.js";
import { requestFields, type ServerLogger } from "../logger.js";
import { startCallSpan, traceFromMetadata } from "../tracing.js";
import { checkRoots } from "./request-checks.js";

/**
 * Wrap a promise-returning handler as a grpc-js unary method: the request's roots are checked
 * first (INVALID_ARGUMENT); errors become statuses through statusFromError; unexpected ones are
 * logged with their stack and a reference, and the caller sees only the reference.
 */
function unary<Req, Res>(logger: ServerLogger, method: string, fn: (request: Req) => Promise<Res>): handleUnaryCall<Req, Res> {
  const spanName = `angzarr.${method.replace(".", "/")}`;
  return (call, callback) => {
    const started = Date.now();
    const span = startCallSpan(spanName, "server", traceFromMetadata(call.metadata));
    const done = (code: Status, details?: string) => {
      span.end(code, details);
      if (!logger.debug || logger.isLevelEnabled?.("debug") === false) return;
      logger.debug("rpc", { method, ...requestFields(call.request), code: Status[code], ms: Date.now() - started, trace: span.trace.traceId });
    };
    const result = span.run(() => {
      try {
        checkRoots(call.request);
        return fn(call.request);
      } catch (err) {
        return Promise.reject(err);
      }
    });
    result.then(
      (response) => {
        done(Status.OK);
        callback(null, response);
      },
      (err: unknown) => {
        const status = statusFromError(err);
        if (status.ref !== undefined) logger.error(`${method} failed`, { ref: status.ref, method, error: err });
        done(status.code, status.details);
        callback({ code: status.code, details: status.details });
      },
    );
  };
}

/** Aggregates by domain; an empty domain resolves only when a single aggregate is served. */
function aggregateResolver(aggregates: readonly AggregateComponent[]): (domain: string | undefined) => AggregateComponent {
  const byDomain = new Map(aggregates.map((a) => [a.domain, a]));
  return (domain) => {
    const found = domain ? byDomain.get(domain) : aggregates.length === 1 ? aggregates[0] : undefined;
    if (!found) throw new DispatchError(Status.NOT_FOUND, `No aggregate registered for domain: ${domain ?? ""}`);
    return found;
  };
}

// Replay requests carry no cover: with several aggregates, the base snapshot's type decides.
function replayTarget(aggregates: readonly AggregateComponent[], request: ReplayRequest): AggregateComponent {
  if (aggregates.length === 1) return aggregates[0]!;
  const state = request.baseSnapshot?.state;
  const matches = state ? aggregates.filter((a) => a.stateType && anyIs(state, a.stateType)) : [];
  if (matches.length !== 1) {
    throw new DispatchError(
      Status.INVALID_ARGUMENT,
      "Replay cannot tell which aggregate it is for: this server hosts several and the base snapshot does not name one state type",
    );
  }
  return matches[0]!;
}

/** `angzarr.CommandHandlerService` over several aggregates, dispatched by `cover.domain`. */
export function commandHandlerService(aggregates: readonly AggregateComponent[], logger: ServerLogger): UntypedServiceImplementation {
  const resolve = aggregateResolver(aggregates);
  return {
    handle: unary(logger, "CommandHandlerService.Handle", (request: ContextualCommand) => resolve(request.command?.cover?.domain).handle(request)),
    handleFact: unary(logger, "CommandHandlerService.HandleFact", (request: FactRequest) =>
      resolve(request.facts?.cover?.domain ?? request.priorEvents?.cover?.domain).handleFact(request),
    ),
    replay: unary(logger, "CommandHandlerService.Replay", (request: ReplayRequest) => replayTarget(aggregates, request).replay(request)),
  };
}

/**
 * `angzarr.SagaService` over several sagas: every saga whose source domain matches the book's
 * domain runs, in registration order, and their commands and facts are concatenated.
 */
export function sagaService(sagas: readonly SagaComponent[], logger: ServerLogger): UntypedServiceImplementation {
  return {
    handle: unary(logger, "SagaService.Handle", async (request: SagaHandleRequest) => {
      const domain = request.source?.cover?.domain;
      const merged: SagaResponse = { commands: [], events: [] };
      for (const saga of sagas) {
        if (domain && saga.sourceDomain !== domain) continue;
        const response = await saga.handle(request);
        merged.commands.push(...response.commands);
        merged.events.push(...response.events);
      }
      return merged;
    }),
  };
}

/**
 * `angzarr.ProcessManagerService` over several process managers: the one whose pmDomain is the
 * process state's domain, else the only one subscribed to the trigger's domain.
 */
export function processManagerService(pms: readonly ProcessManagerComponent[], logger: ServerLogger): UntypedServiceImplementation {
  const pick = (request: ProcessManagerPrepareRequest | ProcessManagerHandleRequest): ProcessManagerComponent | undefined => {
    if (pms.length === 1) return pms[0];
    const own = request.processState?.cover?.domain;
    const byState = own ? pms.find((pm) => pm.pmDomain === own) : undefined;
    if (byState) return byState;
    const source = request.trigger?.cover?.domain ?? "";
    const subscribed = pms.filter((pm) => pm.sourceDomains.includes(source));
    if (subscribed.length > 1) {
      throw new DispatchError(
        Status.INVALID_ARGUMENT,
        `several process managers subscribe to ${source}; send process_state with the process manager's cover`,
      );
    }
    return subscribed[0];
  };
  return {
    prepare: unary(logger, "ProcessManagerService.Prepare", async (request: ProcessManagerPrepareRequest) => {
      const pm = pick(request);
      return pm ? pm.prepare(request) : { destinations: [] };
    }),
    handle: unary(logger, "ProcessManagerService.Handle", async (request: ProcessManagerHandleRequest) => {
      const pm = pick(request);
      return pm ? pm.handle(request) : { processEvents: undefined, commands: [], facts: [] };
    }),
  };
}

/** `angzarr.ProjectorService` over projectors with disjoint domains; a book of no projected domain is NOT_FOUND. */
export function projectorService(projectors: readonly ProjectorComponent[], logger: ServerLogger): UntypedServiceImplementation {
  const resolve = (book: EventBook): ProjectorComponent => {
    const domain = book.cover?.domain ?? "";
    const found = projectors.find((p) => p.domains === undefined || p.domains.includes(domain));
    if (!found) throw new DispatchError(Status.NOT_FOUND, `No projector registered for domain: ${domain}`);
    return found;
  };
  return {
    handle: unary(logger, "ProjectorService.Handle", (book: EventBook) => resolve(book).handle(book, false)),
    handleSpeculative: unary(logger, "ProjectorService.HandleSpeculative", (book: EventBook) => resolve(book).handle(book, true)),
  };
}

/** `angzarr.UpcasterService` over upcasters by domain; other domains pass unchanged. */
export function upcasterService(upcasters: readonly UpcasterComponent[], logger: ServerLogger): UntypedServiceImplementation {
  const byDomain = new Map(upcasters.map((u) => [u.domain, u]));
  return {
    upcast: unary(logger, "UpcasterService.Upcast", async (request: UpcastRequest) => {
      const upcaster = byDomain.get(request.domain) ?? (upcasters.length === 1 && !request.domain ? upcasters[0] : undefined);
      return upcaster ? upcaster.upcast(request) : { events: request.events };
    }),
  };
}
