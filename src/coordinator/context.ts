/** What every pipeline needs: the store, the handler channels and the coordinator's policies. */
import type { CommandResponse, FactInjectionResponse } from "../gen/angzarr/command_handler.js";
import { CascadeErrorMode, MergeStrategy, SyncMode, type CommandRequest, type EventRequest } from "../gen/angzarr/types.js";
import type { BusinessChannels } from "./delivery/business-channels.js";
import type { Logger } from "../logger.js";
import type { CommandRetryPolicy } from "./pipeline/command-retry.js";
import type { Router } from "./delivery/routing.js";
import type { KeyedMutex } from "./serial.js";
import type { EventStore } from "./storage/index.js";
import type { Delivery } from "./delivery/delivery.js";

/** Shared state of one running coordinator. */
export interface CoordinatorContext {
  readonly store: EventStore;
  readonly channels: BusinessChannels;
  readonly router: Router;
  readonly retry: CommandRetryPolicy;
  readonly logger: Logger;
  /** Serialises load → business → persist per aggregate. */
  readonly locks: KeyedMutex;
  readonly delivery: Delivery;
  /** Present when upcasting is enabled; `address` overrides the command handler's address. */
  readonly upcaster?: { address?: string };
  /** The HandleCommand pipeline, used by cascades for saga commands (`depth` = saga hops so far). */
  executeCommand(request: CommandRequest, depth: number): Promise<CommandResponse>;
  /** The HandleEvent pipeline, used by cascades for saga facts. */
  injectFacts(request: EventRequest, depth: number): Promise<FactInjectionResponse>;
}

/** Unknown sync modes (e.g. DECISION = 3, ISOLATED = 4 from newer clients) are ASYNC (§3). */
export function syncModeOf(value: number): SyncMode {
  return value === SyncMode.SYNC_MODE_SIMPLE || value === SyncMode.SYNC_MODE_CASCADE ? value : SyncMode.SYNC_MODE_ASYNC;
}

/** Unknown merge strategies are COMMUTATIVE, the zero value (§3). */
export function mergeStrategyOf(value: number | undefined): MergeStrategy {
  return value === MergeStrategy.MERGE_STRICT || value === MergeStrategy.MERGE_AGGREGATE_HANDLES || value === MergeStrategy.MERGE_MANUAL
    ? value
    : MergeStrategy.MERGE_COMMUTATIVE;
}

/** CONTINUE collects cascade failures; every other mode (COMPENSATE, DEAD_LETTER, unknown) fails fast. */
export function cascadeErrorModeOf(value: number): CascadeErrorMode {
  return value === CascadeErrorMode.CASCADE_ERROR_CONTINUE ? CascadeErrorMode.CASCADE_ERROR_CONTINUE : CascadeErrorMode.CASCADE_ERROR_FAIL_FAST;
}
