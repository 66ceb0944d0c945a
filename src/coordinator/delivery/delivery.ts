/**
 * Post-persist delivery to projectors, sagas and process managers (COORDINATOR.md §12). The
 * reference publishes to a bus and, outside Kubernetes, runs nothing synchronously; here the
 * registered components are called directly:
 * - SIMPLE: projectors before answering, sagas and process managers afterwards;
 * - CASCADE: projectors, then sagas, then process managers before answering, their commands and
 *   facts executed through this coordinator's own pipelines (recursively, at most
 *   {@link MAX_CASCADE_DEPTH} hops);
 * - ASYNC: everything after answering, in order per aggregate, failures only logged.
 * Process managers only see books with a correlation id (§12). Each component receives each
 * persisted book exactly once.
 */
import { status as Status } from "@grpc/grpc-js";
import type { CascadeError } from "../../gen/angzarr/command_handler.js";
import { ProjectorServiceService } from "../../gen/angzarr/projector.js";
import { SagaServiceService } from "../../gen/angzarr/saga.js";
import { CascadeErrorMode, SyncMode, type EventBook, type Projection } from "../../gen/angzarr/types.js";
import { keyText } from "../aggregates/books.js";
import { describeCascadeFailure, executeCascade, sagaRequest, type CascadeOutput, type CascadeSource } from "../pipeline/cascade.js";
import type { CoordinatorContext } from "../context.js";
import type { Logger } from "../../logger.js";
import { runProcessManager } from "./process-manager-step.js";
import type { ProcessManagerRoute, ProjectorRoute, SagaRoute } from "./routing.js";
import { errorText, internal, RpcError } from "../rpc-error.js";
import { KeyedQueue } from "../serial.js";
import type { AggregateKey } from "../storage/index.js";

/** Saga and process-manager hops a cascade may take before it is refused. */
export const MAX_CASCADE_DEPTH = 8;

/** A persisted book to hand to projectors, sagas and process managers. */
export interface DeliveryRequest {
  book: EventBook;
  /** Where the book was stored. */
  key: AggregateKey;
  mode: SyncMode;
  errorMode: CascadeErrorMode;
  /** Saga and process-manager hops that led to this book (0 for a client's own command). */
  depth: number;
}

/** What synchronous delivery adds to a response. */
export interface SyncOutcome {
  projections: Projection[];
  cascadeErrors: CascadeError[];
}

/** Nothing to run synchronously. */
export const NO_SYNC = async (): Promise<SyncOutcome> => ({ projections: [], cascadeErrors: [] });

type ComponentType = "projector" | "saga" | "process_manager";

type Failure = { component: string; type: ComponentType; error: RpcError };

/** The components one delivery calls. */
interface Targets {
  projectors: ProjectorRoute[];
  sagas: SagaRoute[];
  processManagers: ProcessManagerRoute[];
}

/** A saga or process manager as a cascade runs it: called once, then its output is executed. */
interface Reactor {
  name: string;
  type: ComponentType;
  /** `Saga` or `Process manager`, for status messages. */
  title: string;
  react(): Promise<{ source: CascadeSource; output: CascadeOutput; runSync?: () => Promise<SyncOutcome> }>;
}

/** Runs projectors, sagas and process managers for persisted books. */
export class Delivery {
  private readonly queue: KeyedQueue;

  constructor(private readonly logger: Logger) {
    this.queue = new KeyedQueue((err) => this.logger.error("asynchronous delivery failed", { error: errorText(err) }));
  }

  /**
   * Queues the asynchronous part now (call this while the aggregate is still locked, so queue
   * order is persistence order) and returns the synchronous part, to run after unlocking.
   */
  dispatch(ctx: CoordinatorContext, req: DeliveryRequest): () => Promise<SyncOutcome> {
    if (req.book.pages.length === 0) return NO_SYNC;
    const { now, later } = split(ctx, req);
    if (later.projectors.length + later.sagas.length + later.processManagers.length > 0) {
      const asyncReq = { ...req, mode: SyncMode.SYNC_MODE_ASYNC, errorMode: CascadeErrorMode.CASCADE_ERROR_CONTINUE };
      this.queue.enqueue(keyText(req.key), async () => {
        const outcome = await this.run(ctx, asyncReq, later);
        for (const e of outcome.cascadeErrors) {
          this.logger.error("asynchronous delivery failed", { component: e.componentName, error: e.errorMessage });
        }
      });
    }
    return () => this.run(ctx, req, now);
  }

  /** Waits for every queued asynchronous delivery (including those queued meanwhile). */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  private async run(ctx: CoordinatorContext, req: DeliveryRequest, targets: Targets): Promise<SyncOutcome> {
    const outcome: SyncOutcome = { projections: [], cascadeErrors: [] };
    const fail = ({ component, type, error }: Failure) => {
      if (req.errorMode !== CascadeErrorMode.CASCADE_ERROR_CONTINUE) throw error;
      outcome.cascadeErrors.push({
        componentName: component,
        componentType: type,
        errorMessage: error.message,
        sourceDomain: req.key.domain,
      });
    };
    for (const projector of targets.projectors) {
      try {
        outcome.projections.push(await ctx.channels.call(projector.address, ProjectorServiceService.handle, req.book));
      } catch (err) {
        // Like the reference, a projector answering NOT_FOUND is skipped.
        if ((err as RpcError).code === Status.NOT_FOUND) continue;
        fail({ component: projector.name, type: "projector", error: internal(`Projector sync failed: ${projector.name}: ${errorText(err)}`) });
      }
    }
    for (const saga of targets.sagas) await react(ctx, req, sagaReactor(ctx, req, saga), outcome, fail);
    for (const pm of targets.processManagers) await react(ctx, req, processManagerReactor(ctx, req, pm), outcome, fail);
    return outcome;
  }
}

/**
 * The components of the book's domain, split into those run before answering and those run
 * afterwards. Process managers only get correlated books (§12).
 */
function split(ctx: CoordinatorContext, req: DeliveryRequest): { now: Targets; later: Targets } {
  const domain = req.key.domain;
  const all: Targets = {
    projectors: ctx.router.projectorsFor(domain),
    sagas: ctx.router.sagasFor(domain),
    processManagers: req.book.cover?.correlationId ? ctx.router.processManagersFor(domain) : [],
  };
  const syncProjectors = req.mode !== SyncMode.SYNC_MODE_ASYNC;
  const cascade = req.mode === SyncMode.SYNC_MODE_CASCADE;
  const pick = (projectors: boolean, reactors: boolean): Targets => ({
    projectors: projectors ? all.projectors : [],
    sagas: reactors ? all.sagas : [],
    processManagers: reactors ? all.processManagers : [],
  });
  return { now: pick(syncProjectors, cascade), later: pick(!syncProjectors, !cascade) };
}

/** Calls a saga or process manager and executes its output; failures go to `fail`. */
async function react(
  ctx: CoordinatorContext,
  req: DeliveryRequest,
  reactor: Reactor,
  outcome: SyncOutcome,
  fail: (f: Failure) => void,
): Promise<void> {
  const failed = (message: string) =>
    fail({ component: reactor.name, type: reactor.type, error: internal(`${reactor.title} ${reactor.name} failed: ${message}`) });
  if (req.depth >= MAX_CASCADE_DEPTH) return failed(`cascade depth limit of ${MAX_CASCADE_DEPTH} exceeded`);
  let reaction;
  try {
    reaction = await reactor.react();
  } catch (err) {
    if ((err as RpcError).code === Status.UNAVAILABLE) {
      const message = `Cannot connect to ${reactor.title.toLowerCase()} ${reactor.name}: ${errorText(err)}`;
      return fail({ component: reactor.name, type: reactor.type, error: new RpcError(Status.UNAVAILABLE, message) });
    }
    return failed(errorText(err));
  }
  if (reaction.runSync) {
    try {
      const delivered = await reaction.runSync();
      outcome.projections.push(...delivered.projections);
      outcome.cascadeErrors.push(...delivered.cascadeErrors);
    } catch (err) {
      failed(errorText(err));
    }
  }
  await executeCascade(
    ctx,
    reaction.source,
    reaction.output,
    {
      mode: req.mode,
      errorMode: req.errorMode,
      depth: req.depth,
      onFailure: (f) => failed(describeCascadeFailure(f)),
    },
    outcome,
  );
}

function sagaReactor(ctx: CoordinatorContext, req: DeliveryRequest, saga: SagaRoute): Reactor {
  return {
    name: saga.name,
    type: "saga",
    title: "Saga",
    async react() {
      const request = await sagaRequest(ctx, req, req.mode, req.errorMode);
      const response = await ctx.channels.call(saga.address, SagaServiceService.handle, request);
      return { source: req, output: { commands: response.commands, facts: response.events } };
    },
  };
}

function processManagerReactor(ctx: CoordinatorContext, req: DeliveryRequest, pm: ProcessManagerRoute): Reactor {
  return {
    name: pm.name,
    type: "process_manager",
    title: "Process manager",
    async react() {
      const step = await runProcessManager(ctx, pm, {
        trigger: req.book,
        correlationId: req.book.cover?.correlationId ?? "",
        mode: req.mode,
        errorMode: req.errorMode,
        depth: req.depth,
      });
      return { source: step.source, output: { commands: step.response.commands, facts: step.response.facts }, runSync: step.runSync };
    },
  };
}
