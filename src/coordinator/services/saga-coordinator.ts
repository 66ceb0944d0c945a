/**
 * SagaCoordinatorService (COORDINATOR.md §10.1), served for the sagas configured for the source
 * book's domain.
 */
import { SagaServiceService, type SagaHandleRequest, type SagaResponse, type SpeculateSagaRequest } from "../../gen/angzarr/saga.js";
import type { EventBook } from "../../gen/angzarr/types.js";
import { describeCascadeFailure, executeCascade, inheritEdition, sagaRequest } from "../pipeline/cascade.js";
import { cascadeErrorModeOf, syncModeOf, type CoordinatorContext } from "../context.js";
import { notRegistered, type SagaRoute } from "../delivery/routing.js";
import { componentFailure, errorText, internal, invalidArgument } from "../rpc-error.js";
import { editionOf, parseCover } from "../pipeline/request-validation.js";

/**
 * Execute: every saga of the source's domain handles the source; its commands run through
 * HandleCommand with deferred stamping and the request's sync mode (failures only logged), then
 * its facts through HandleEvent with `route_to_handler` (a failure fails the call with INTERNAL
 * `Saga orchestration failed: …`). Answers an empty SagaResponse, as the reference does.
 */
export async function executeSaga(ctx: CoordinatorContext, req: SagaHandleRequest): Promise<SagaResponse> {
  const book = requireSource(req);
  const { key } = parseCover(book.cover, { missingCover: "EventBook must have a cover", edition: true, correlation: true });
  const source = { book, key };
  const mode = syncModeOf(req.syncMode);
  const errorMode = cascadeErrorModeOf(req.cascadeErrorMode);
  for (const saga of sagasOf(ctx, key.domain)) {
    let response: SagaResponse;
    try {
      response = await ctx.channels.call(saga.address, SagaServiceService.handle, await sagaRequest(ctx, source, mode, errorMode));
    } catch (err) {
      throw componentFailure(`Saga orchestration failed: ${errorText(err)}`, err);
    }
    await executeCascade(
      ctx,
      source,
      { commands: response.commands, facts: response.events },
      {
        mode,
        errorMode,
        depth: 0,
        onFailure(failure) {
          const message = describeCascadeFailure(failure);
          if (failure.kind === "facts") throw internal(`Saga orchestration failed: ${message}`);
          ctx.logger.warn("saga command failed", { saga: saga.name, error: message });
        },
      },
    );
  }
  return { commands: [], events: [] };
}

/**
 * ExecuteSpeculative: every saga of the source's domain handles the request as given; their
 * answers are concatenated, commands stamped with the source's edition only. Nothing is
 * executed. Saga error: INTERNAL `Saga handler failed: …`.
 */
export async function executeSagaSpeculative(ctx: CoordinatorContext, req: SpeculateSagaRequest): Promise<SagaResponse> {
  const request = req.request;
  if (!request) throw invalidArgument("SpeculateSagaRequest requires request");
  const book = requireSource(request);
  const domain = book.cover?.domain ?? "";
  const edition = editionOf(book.cover);
  const result: SagaResponse = { commands: [], events: [] };
  for (const saga of sagasOf(ctx, domain)) {
    let response: SagaResponse;
    try {
      response = await ctx.channels.call(saga.address, SagaServiceService.handle, request);
    } catch (err) {
      throw componentFailure(`Saga handler failed: ${errorText(err)}`, err);
    }
    result.commands.push(...response.commands.map((command) => inheritEdition(command, edition)));
    result.events.push(...response.events);
  }
  return result;
}

function requireSource(req: SagaHandleRequest): EventBook {
  if (!req.source) throw invalidArgument("SagaHandleRequest requires source events");
  return req.source;
}

/** The sagas configured for a source domain; none: NOT_FOUND `No saga registered for domain: <d>`. */
function sagasOf(ctx: CoordinatorContext, domain: string): SagaRoute[] {
  const sagas = ctx.router.sagasFor(domain);
  if (sagas.length === 0) throw notRegistered("saga", domain);
  return sagas;
}
