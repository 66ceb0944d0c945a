/**
 * One process-manager step (COORDINATOR.md §10.2): load the process state, Prepare, read the
 * declared destinations, Handle, and store the process events in the PM's own domain. Shared by
 * ProcessManagerCoordinatorService.Handle and CASCADE/ASYNC delivery.
 */
import { bytesToUuid, isUuid, uuidToBytes } from "../../core/uuid.js";
import { ProcessManagerServiceService, type ProcessManagerHandleResponse } from "../../gen/angzarr/process_manager.js";
import type { CascadeErrorMode, Cover, EventBook, SyncMode } from "../../gen/angzarr/types.js";
import { keyText, storedCover } from "../aggregates/books.js";
import type { CascadeSource } from "../pipeline/cascade.js";
import type { CoordinatorContext } from "../context.js";
import { nextStoredSequence } from "../aggregates/editions.js";
import { loadAggregate } from "../aggregates/loading.js";
import { persistResult } from "../aggregates/persistence.js";
import type { ProcessManagerRoute } from "./routing.js";
import type { AggregateKey } from "../storage/index.js";
import type { SyncOutcome } from "./delivery.js";
import { editionOf } from "../pipeline/request-validation.js";

const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/** A correlated trigger for a process manager. */
export interface ProcessManagerStep {
  trigger: EventBook;
  /** The trigger's correlation id, non-empty. */
  correlationId: string;
  /** Sync mode and error mode for delivering the stored process events. */
  mode: SyncMode;
  errorMode: CascadeErrorMode;
  /** Hops that led to the trigger; the process events are delivered at `depth + 1`. */
  depth: number;
}

/** What a step produced. */
export interface ProcessManagerOutcome {
  /** The business's answer (commands and facts not yet executed). */
  response: ProcessManagerHandleResponse;
  /** The PM aggregate after the step: the source its commands are stamped with. */
  source: CascadeSource;
  /** The synchronous part of delivering the stored process events; absent when none were stored. */
  runSync?: () => Promise<SyncOutcome>;
}

/**
 * Where a process manager's events live (§10.2): its own domain, the trigger's edition, and the
 * correlation id as root when it is a UUID, else the nil UUID.
 */
function processManagerKey(pmDomain: string, trigger: EventBook, correlationId: string): AggregateKey {
  const root = isUuid(correlationId) ? bytesToUuid(uuidToBytes(correlationId)) : NIL_UUID;
  return { domain: pmDomain, edition: editionOf(trigger.cover), root };
}

/**
 * Runs Prepare and Handle under the PM aggregate's lock and stores the new process events at
 * their own sequences. Errors (business, storage, sequence conflicts) propagate unchanged.
 */
export function runProcessManager(ctx: CoordinatorContext, pm: ProcessManagerRoute, step: ProcessManagerStep): Promise<ProcessManagerOutcome> {
  const key = processManagerKey(pm.pmDomain, step.trigger, step.correlationId);
  const cover = storedCover(key, step.correlationId);
  return ctx.locks.run(keyText(key), async () => {
    const processState = { ...(await loadAggregate(ctx.store, key)), cover };
    const unchanged = { source: { book: processState, key } };
    const prepared = await ctx.channels.call(pm.address, ProcessManagerServiceService.prepare, { trigger: step.trigger, processState });
    const response = await ctx.channels.call(pm.address, ProcessManagerServiceService.handle, {
      trigger: step.trigger,
      processState,
      destinationSequences: await destinationSequences(ctx, key.edition, prepared.destinations),
    });
    const produced = response.processEvents;
    if (!produced || produced.pages.length === 0) return { response, ...unchanged };
    // Stored under the PM's key whatever cover the business put on them.
    const persisted = await persistResult(ctx.store, {
      key,
      correlationId: step.correlationId,
      prior: processState,
      produced: { ...produced, cover },
    });
    if (!persisted.stored) return { response, ...unchanged };
    const runSync = ctx.delivery.dispatch(ctx, { book: persisted.book, key, mode: step.mode, errorMode: step.errorMode, depth: step.depth + 1 });
    return { response, source: { book: persisted.book, key }, runSync };
  });
}

/**
 * `destination_sequences` from Prepare's destinations: each destination aggregate's next
 * sequence (0 when it has no events), on the cover's edition or else the trigger's.
 */
async function destinationSequences(ctx: CoordinatorContext, edition: string, destinations: Cover[]): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const cover of destinations) {
    if (cover.root?.value.length !== 16) continue;
    const key = { domain: cover.domain, edition: cover.edition?.name || edition, root: bytesToUuid(cover.root.value) };
    result[cover.domain] = await nextStoredSequence(ctx.store, key);
  }
  return result;
}
