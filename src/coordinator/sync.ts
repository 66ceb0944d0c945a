/**
 * Post-persist delivery to projectors and sagas (COORDINATOR.md §12). The reference publishes
 * to a bus and, outside Kubernetes, runs nothing synchronously; here the registered projectors
 * and sagas are called directly:
 * - SIMPLE: projectors before answering, sagas afterwards;
 * - CASCADE: projectors and sagas before answering, saga commands and facts executed through
 *   this coordinator's own pipelines (recursively, at most {@link MAX_CASCADE_DEPTH} hops);
 * - ASYNC: everything after answering, in order per aggregate, failures only logged.
 * Each component receives each persisted book exactly once.
 */
import { status as Status } from "@grpc/grpc-js";
import type { CascadeError, CommandResponse, FactInjectionResponse } from "../gen/angzarr/command_handler.js";
import { ProjectorServiceService } from "../gen/angzarr/projector.js";
import { SagaServiceService } from "../gen/angzarr/saga.js";
import {
  CascadeErrorMode,
  SyncMode,
  type CommandBook,
  type Cover,
  type EventBook,
  type Projection,
} from "../gen/angzarr/types.js";
import { keyText, pageSequence } from "./books.js";
import type { CoordinatorContext } from "./context.js";
import { isMain } from "./editions.js";
import type { Logger } from "./logger.js";
import type { ProjectorRoute, SagaRoute } from "./routing.js";
import { describeError, errorText, internal, RpcError } from "./rpc-error.js";
import { KeyedQueue } from "./serial.js";
import type { AggregateKey } from "./storage/index.js";

/** Saga hops a cascade may take before it is refused. */
export const MAX_CASCADE_DEPTH = 8;

/** A persisted book to hand to projectors and sagas. */
export interface DeliveryRequest {
  book: EventBook;
  /** Where the book was stored. */
  key: AggregateKey;
  mode: SyncMode;
  errorMode: CascadeErrorMode;
  /** Saga hops that led to this book (0 for a client's own command). */
  depth: number;
}

/** What synchronous delivery adds to a response. */
export interface SyncOutcome {
  projections: Projection[];
  cascadeErrors: CascadeError[];
}

/** Nothing to run synchronously. */
export const NO_SYNC = async (): Promise<SyncOutcome> => ({ projections: [], cascadeErrors: [] });

type Failure = { component: string; type: "projector" | "saga"; error: RpcError };

/** Runs projectors and sagas for persisted books. */
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
    const projectors = ctx.router.projectorsFor(req.key.domain);
    const sagas = ctx.router.sagasFor(req.key.domain);
    const syncProjectors = req.mode !== SyncMode.SYNC_MODE_ASYNC;
    const syncSagas = req.mode === SyncMode.SYNC_MODE_CASCADE;
    const later = { projectors: syncProjectors ? [] : projectors, sagas: syncSagas ? [] : sagas };
    if (later.projectors.length + later.sagas.length > 0) {
      const asyncReq = { ...req, mode: SyncMode.SYNC_MODE_ASYNC, errorMode: CascadeErrorMode.CASCADE_ERROR_CONTINUE };
      this.queue.enqueue(keyText(req.key), async () => {
        const outcome = await this.run(ctx, asyncReq, later.projectors, later.sagas);
        for (const e of outcome.cascadeErrors) {
          this.logger.error("asynchronous delivery failed", { component: e.componentName, error: e.errorMessage });
        }
      });
    }
    return () => this.run(ctx, req, syncProjectors ? projectors : [], syncSagas ? sagas : []);
  }

  /** Waits for every queued asynchronous delivery (including those queued meanwhile). */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  private async run(
    ctx: CoordinatorContext,
    req: DeliveryRequest,
    projectors: ProjectorRoute[],
    sagas: SagaRoute[],
  ): Promise<SyncOutcome> {
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
    for (const projector of projectors) {
      try {
        outcome.projections.push(await ctx.channels.call(projector.address, ProjectorServiceService.handle, req.book));
      } catch (err) {
        // Like the reference, a projector answering NOT_FOUND is skipped.
        if ((err as RpcError).code === Status.NOT_FOUND) continue;
        fail({ component: projector.name, type: "projector", error: internal(`Projector sync failed: ${projector.name}: ${errorText(err)}`) });
      }
    }
    for (const saga of sagas) await this.runSaga(ctx, req, saga, outcome, fail);
    return outcome;
  }

  private async runSaga(
    ctx: CoordinatorContext,
    req: DeliveryRequest,
    saga: SagaRoute,
    outcome: SyncOutcome,
    fail: (f: Failure) => void,
  ): Promise<void> {
    const sagaFailed = (message: string) =>
      fail({ component: saga.name, type: "saga", error: internal(`Saga ${saga.name} failed: ${message}`) });
    if (req.depth >= MAX_CASCADE_DEPTH) return sagaFailed(`cascade depth limit of ${MAX_CASCADE_DEPTH} exceeded`);
    let response;
    try {
      response = await ctx.channels.call(saga.address, SagaServiceService.handle, {
        source: req.book,
        syncMode: req.mode,
        cascadeErrorMode: req.errorMode,
        destinationSequences: await destinationSequences(ctx, req),
      });
    } catch (err) {
      if ((err as RpcError).code === Status.UNAVAILABLE) {
        const error = new RpcError(Status.UNAVAILABLE, `Cannot connect to saga ${saga.name}: ${errorText(err)}`);
        return fail({ component: saga.name, type: "saga", error });
      }
      return sagaFailed(errorText(err));
    }
    const nested = { syncMode: req.mode, cascadeErrorMode: req.errorMode };
    const merge = (r: CommandResponse | FactInjectionResponse) => {
      outcome.projections.push(...r.projections);
      if ("cascadeErrors" in r) outcome.cascadeErrors.push(...r.cascadeErrors);
    };
    for (const command of response.commands) {
      const stamped = stampSagaCommand(command, req);
      try {
        merge(await ctx.executeCommand({ ...nested, command: stamped }, req.depth + 1));
      } catch (err) {
        sagaFailed(`command for ${stamped.cover?.domain ?? "?"} failed: ${describeError(err)}`);
      }
    }
    for (const facts of response.events) {
      try {
        merge(await ctx.injectFacts({ syncMode: req.mode, routeToHandler: true, events: facts }, req.depth + 1));
      } catch (err) {
        sagaFailed(`facts for ${facts.cover?.domain ?? "?"} failed: ${describeError(err)}`);
      }
    }
  }
}

/**
 * Saga command stamping as the reference saga sidecar does it (§10.1): the source edition when
 * the command names none, and `angzarr_deferred{source, source_seq}` on every page lacking a
 * complete one (a saga-set `source_seq` is kept), so the pipeline renumbers them. The source's
 * correlation id is filled in when the command has none.
 */
export function stampSagaCommand(command: CommandBook, req: DeliveryRequest): CommandBook {
  const source: Cover | undefined = req.book.cover;
  const sourceSeq = Math.max(0, ...req.book.pages.map(pageSequence));
  const cover = command.cover && {
    ...command.cover,
    correlationId: command.cover.correlationId || source?.correlationId || "",
    edition: (command.cover.edition?.name || isMain(req.key)) ? command.cover.edition : { name: req.key.edition, divergences: [] },
  };
  const pages = command.pages.map((page) => {
    const header = page.header?.sequenceType;
    if (header?.$case === "angzarrDeferred" && header.value.source) return page;
    const seq = header?.$case === "angzarrDeferred" ? header.value.sourceSeq : sourceSeq;
    return { ...page, header: { sequenceType: { $case: "angzarrDeferred" as const, value: { source, sourceSeq: seq } } } };
  });
  return { ...command, cover, pages };
}

/**
 * `destination_sequences` for a saga: for every domain where exactly one aggregate (on the
 * source's edition) shares the source's correlation id, that aggregate's next sequence.
 * Uncorrelated sources get an empty map (the reference's saga sidecar always sends one).
 */
async function destinationSequences(ctx: CoordinatorContext, req: DeliveryRequest): Promise<Record<string, number>> {
  const correlationId = req.book.cover?.correlationId;
  if (!correlationId) return {};
  const byDomain = new Map<string, Map<string, number>>();
  for (const row of await ctx.store.readByCorrelation(correlationId)) {
    if (row.edition !== req.key.edition) continue;
    const roots = byDomain.get(row.domain) ?? new Map<string, number>();
    roots.set(row.root, Math.max(roots.get(row.root) ?? 0, row.sequence + 1));
    byDomain.set(row.domain, roots);
  }
  const result: Record<string, number> = {};
  for (const [domain, roots] of byDomain) if (roots.size === 1) result[domain] = [...roots.values()][0]!;
  return result;
}
