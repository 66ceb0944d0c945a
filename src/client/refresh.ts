/**
 * Recovering a command from a sequence mismatch (optimistic-concurrency conflict).
 * @module
 */
import { nextSequence, sequenceHeader } from "../core/books.js";
import { GrpcError, InvalidArgumentError } from "../errors.js";
import type { CommandResponse } from "../gen/angzarr/command_handler.js";
import type { CommandRequest, Cover, EventBook } from "../gen/angzarr/types.js";
import type { CallOptions } from "./options.js";

/** Options of `executeWithRefresh`: a call's options plus how many attempts to make. */
export interface RefreshOptions extends CallOptions {
  /**
   * Attempts in total, the first one included. `timeoutMs` applies to each attempt.
   * @default 3
   */
  maxAttempts?: number;
}

/** The aggregate's next sequence as the mismatch error reports it, when it carries a usable book. */
export function sequenceFromMismatch(err: GrpcError): number | undefined {
  const book: EventBook | undefined = err.currentState;
  if (!book) return undefined;
  // The book may be trimmed to its tail (large aggregates, COORDINATOR.md §19); both the pages
  // and the explicit field give a lower bound, so take the larger.
  return Math.max(nextSequence(book), book.nextSequence);
}

/** A copy of `request` whose first page expects the aggregate at `sequence`. */
export function withExpectedSequence(request: CommandRequest, sequence: number): CommandRequest {
  const book = request.command!;
  const [first, ...rest] = book.pages;
  return { ...request, command: { ...book, pages: [{ ...first!, header: sequenceHeader(sequence) }, ...rest] } };
}

/**
 * Send `request`; on a sequence mismatch, move it to the aggregate's current sequence (from the
 * error's EventBook, else from `readNextSequence`) and send again, up to `maxAttempts` times.
 * Any other failure, and the last mismatch, is thrown unchanged.
 */
export async function executeWithRefresh(
  request: CommandRequest,
  opts: RefreshOptions,
  send: (request: CommandRequest, opts: CallOptions) => Promise<CommandResponse>,
  readNextSequence: (cover: Cover, opts: CallOptions) => Promise<number>,
): Promise<CommandResponse> {
  const { maxAttempts = 3, ...callOpts } = opts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new InvalidArgumentError(`invalid maxAttempts ${String(maxAttempts)}: expected an integer ≥ 1`);
  }
  if (!request.command?.cover || request.command.pages.length === 0) {
    throw new InvalidArgumentError("executeWithRefresh: the request needs a command with a cover and a page");
  }
  let current = request;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send(current, callOpts);
    } catch (err) {
      if (attempt >= maxAttempts || !(err instanceof GrpcError) || !err.isSequenceMismatch()) throw err;
      const next = sequenceFromMismatch(err) ?? (await readNextSequence(request.command.cover, callOpts));
      current = withExpectedSequence(current, next);
    }
  }
}
