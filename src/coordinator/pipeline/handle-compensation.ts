/** HandleCompensation: delivering a rejection notification to the source aggregate (COORDINATOR.md §8). */
import { CommandHandlerServiceService, type BusinessResponse } from "../../gen/angzarr/command_handler.js";
import type { CommandRequest } from "../../gen/angzarr/types.js";
import { keyText } from "../aggregates/books.js";
import { withCorrelation } from "./handle-command.js";
import { cascadeErrorModeOf, syncModeOf, type CoordinatorContext } from "../context.js";
import { loadAggregate } from "../aggregates/loading.js";
import { persistResult } from "../aggregates/persistence.js";
import { invalidArgument } from "../rpc-error.js";
import { upcast } from "./upcast.js";
import { parseCover } from "./request-validation.js";

/**
 * Calls the business with the current state and the command, stores any events it returns
 * (storage sequence rules apply) and returns its BusinessResponse verbatim. No sequence check,
 * no deferred stamping, no retry, no resource limits, edition name not validated; revocations
 * and notifications are not turned into errors.
 */
export async function handleCompensation(ctx: CoordinatorContext, req: CommandRequest): Promise<BusinessResponse> {
  const book = req.command;
  if (!book) throw invalidArgument("CommandRequest must have a command");
  const { key, correlationId } = parseCover(book.cover, {
    missingCover: "CommandBook must have a cover",
    edition: false,
    correlation: true,
  });
  const address = ctx.router.handlerFor(key.domain);
  const done = await ctx.locks.run(keyText(key), async () => {
    const prior = await upcast(ctx, address, await loadAggregate(ctx.store, key));
    const response = await ctx.channels.call(address, CommandHandlerServiceService.handle, { events: prior, command: book });
    if (response.result?.$case !== "events" || response.result.value.pages.length === 0) return { response };
    const produced = withCorrelation(response.result.value, correlationId);
    const persisted = await persistResult(ctx.store, { key, correlationId, prior, produced });
    if (!persisted.stored) return { response };
    const runSync = ctx.delivery.dispatch(ctx, {
      book: persisted.book,
      key: persisted.key,
      mode: syncModeOf(req.syncMode),
      errorMode: cascadeErrorModeOf(req.cascadeErrorMode),
      depth: 0,
    });
    return { response, runSync };
  });
  await done.runSync?.();
  return done.response;
}
