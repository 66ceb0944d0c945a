/**
 * ProcessManagerCoordinatorService (COORDINATOR.md §10.2), served for the process managers
 * configured as subscribed to the trigger's domain.
 */
import {
  ProcessManagerServiceService,
  type ProcessManagerCoordinatorRequest,
  type ProcessManagerHandleResponse,
  type SpeculatePmRequest,
} from "../../gen/angzarr/process_manager.js";
import { describeCascadeFailure, executeCascade } from "../pipeline/cascade.js";
import { cascadeErrorModeOf, syncModeOf, type CoordinatorContext } from "../context.js";
import { runProcessManager } from "../delivery/process-manager-step.js";
import { notRegistered, type ProcessManagerRoute } from "../delivery/routing.js";
import { componentFailure, errorText, internal, invalidArgument } from "../rpc-error.js";
import { parseCover } from "../pipeline/request-validation.js";

/**
 * Handle: each subscribed process manager runs one step (state by correlation id, Prepare,
 * Handle, process events stored in its domain); then its commands run through HandleCommand
 * with deferred stamping and the request's sync mode (failures only logged) and its facts
 * through HandleEvent with `route_to_handler`. Any other failure: INTERNAL
 * `PM orchestration failed: …`. Answers an empty response, as the reference does.
 */
export async function handleProcessManager(ctx: CoordinatorContext, req: ProcessManagerCoordinatorRequest): Promise<ProcessManagerHandleResponse> {
  const trigger = req.trigger;
  if (!trigger) throw invalidArgument("ProcessManagerCoordinatorRequest requires trigger events");
  if (!trigger.cover?.correlationId) {
    throw invalidArgument("ProcessManagerCoordinatorRequest requires correlation_id in trigger events");
  }
  const { key, correlationId } = parseCover(trigger.cover, { missingCover: "EventBook must have a cover", edition: true, correlation: true });
  const mode = syncModeOf(req.syncMode);
  const errorMode = cascadeErrorModeOf(req.cascadeErrorMode);
  const orchestrationFailed = (message: string) => internal(`PM orchestration failed: ${message}`);
  for (const pm of processManagersOf(ctx, key.domain)) {
    let step;
    try {
      step = await runProcessManager(ctx, pm, { trigger, correlationId, mode, errorMode, depth: 0 });
      await step.runSync?.();
    } catch (err) {
      throw componentFailure(`PM orchestration failed: ${errorText(err)}`, err);
    }
    const output = { commands: step.response.commands, facts: step.response.facts };
    await executeCascade(ctx, step.source, output, {
      mode,
      errorMode,
      depth: 0,
      onFailure(failure) {
        const message = describeCascadeFailure(failure);
        if (failure.kind === "facts") throw orchestrationFailed(message);
        ctx.logger.warn("process manager command failed", { processManager: pm.name, error: message });
      },
    });
  }
  return { processEvents: undefined, commands: [], facts: [] };
}

/**
 * HandleSpeculative: Prepare (answer ignored) and Handle with the request as given, returning
 * the answer unexecuted; nothing is stored. No correlation-id check (§18.3). The process manager
 * is the one whose pmDomain is the process state's domain, else the first subscribed to the
 * trigger's domain.
 */
export async function handleProcessManagerSpeculative(ctx: CoordinatorContext, req: SpeculatePmRequest): Promise<ProcessManagerHandleResponse> {
  const request = req.request;
  if (!request) throw invalidArgument("SpeculatePmRequest requires request");
  const trigger = request.trigger;
  if (!trigger) throw invalidArgument("ProcessManagerHandleRequest requires trigger");
  const candidates = processManagersOf(ctx, trigger.cover?.domain ?? "");
  const pm = candidates.find((p) => p.pmDomain === request.processState?.cover?.domain) ?? candidates[0]!;
  await call(() => ctx.channels.call(pm.address, ProcessManagerServiceService.prepare, { trigger, processState: request.processState }), "prepare");
  return call(() => ctx.channels.call(pm.address, ProcessManagerServiceService.handle, request), "handle");
}

async function call<T>(fn: () => Promise<T>, phase: "prepare" | "handle"): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw componentFailure(`PM ${phase} failed: ${errorText(err)}`, err);
  }
}

/** The process managers subscribed to a domain; none: NOT_FOUND `No process manager registered for domain: <d>`. */
function processManagersOf(ctx: CoordinatorContext, domain: string): ProcessManagerRoute[] {
  const pms = ctx.router.processManagersFor(domain);
  if (pms.length === 0) throw notRegistered("process manager", domain);
  return pms;
}
