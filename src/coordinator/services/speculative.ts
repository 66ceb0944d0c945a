/** HandleSyncSpeculative: what-if execution that persists nothing (COORDINATOR.md §7). */
import { CommandHandlerServiceService, type CommandResponse } from "../../gen/angzarr/command_handler.js";
import type { SpeculateCommandHandlerRequest } from "../../gen/angzarr/command_handler.js";
import { bookOfRows, storedCover } from "../aggregates/books.js";
import { eventsOf } from "../pipeline/handle-command.js";
import type { CoordinatorContext } from "../context.js";
import { invalidArgument, storageFailure } from "../rpc-error.js";
import { asOfTimeText } from "../aggregates/timestamps.js";
import { upcast } from "../pipeline/upcast.js";
import { checkCommandLimits, parseCover } from "../pipeline/request-validation.js";

/**
 * Runs the business against the aggregate as of a sequence (events 0..=N) or a time (events
 * with `created_at` ≤ T), edition rows only and without snapshots, and returns the handler's
 * book verbatim. No sequence check, no retry, no persistence, no projectors.
 */
export async function handleSpeculative(ctx: CoordinatorContext, req: SpeculateCommandHandlerRequest): Promise<CommandResponse> {
  const book = req.command;
  if (!book) throw invalidArgument("SpeculateAggregateRequest must have a command");
  checkCommandLimits(book);
  const point = req.pointInTime?.pointInTime;
  if (!point) throw invalidArgument("Speculative requires either as_of_sequence or as_of_timestamp");
  const { key } = parseCover(book.cover, { missingCover: "CommandBook must have a cover", edition: true, correlation: false });
  const address = ctx.router.handlerFor(key.domain);
  let rows;
  try {
    rows =
      point.$case === "asOfSequence" ? await ctx.store.read(key, { to: point.value }) : await ctx.store.readUntilTime(key, asOfTimeText(point.value));
  } catch (err) {
    throw storageFailure("Failed to load events", err);
  }
  const prior = await upcast(ctx, address, bookOfRows(storedCover(key), rows));
  const response = await ctx.channels.call(address, CommandHandlerServiceService.handle, { events: prior, command: book });
  return { events: eventsOf(response) ?? { pages: [], nextSequence: 0 }, projections: [], cascadeErrors: [] };
}
