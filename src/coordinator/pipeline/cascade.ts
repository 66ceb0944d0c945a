/**
 * Executing what sagas and process managers emit (COORDINATOR.md §10.1, §10.2, §12): their
 * commands go through this coordinator's HandleCommand pipeline with deferred stamping, their
 * facts through HandleEvent with `route_to_handler`. Shared by CASCADE delivery and the saga
 * and process-manager coordinator services.
 */
import type { CommandResponse, FactInjectionResponse } from "../../gen/angzarr/command_handler.js";
import type { SagaHandleRequest } from "../../gen/angzarr/saga.js";
import type { CascadeErrorMode, CommandBook, Cover, EventBook, SyncMode } from "../../gen/angzarr/types.js";
import { pageSequence } from "../aggregates/books.js";
import type { CoordinatorContext } from "../context.js";
import { describeError } from "../rpc-error.js";
import { MAIN_EDITION, type AggregateKey } from "../storage/index.js";
import type { SyncOutcome } from "../delivery/delivery.js";

/** The stored book that caused a saga's or process manager's output, and where it is stored. */
export interface CascadeSource {
  book: EventBook;
  key: AggregateKey;
}

/** A command or fact injection of a cascade that failed. */
export interface CascadeFailure {
  kind: "command" | "facts";
  /** The domain the command or facts were for. */
  domain: string;
  error: unknown;
}

/** How emitted commands and facts are executed. */
export interface CascadeRun {
  /** Sync mode of the executed commands and facts. */
  mode: SyncMode;
  errorMode: CascadeErrorMode;
  /** Hops that led to the output (the executed commands and facts run at `depth + 1`). */
  depth: number;
  /** Called for each failed command or fact injection; throw to stop, return to carry on. */
  onFailure(failure: CascadeFailure): void;
}

/** `<kind> for <domain> failed: <CODE: message>`, the text cascade failures are reported with. */
export function describeCascadeFailure({ kind, domain, error }: CascadeFailure): string {
  return `${kind} for ${domain} failed: ${describeError(error)}`;
}

/** A saga's or process manager's output. */
export interface CascadeOutput {
  commands: readonly CommandBook[];
  facts: readonly EventBook[];
}

/**
 * Executes the commands (stamped by {@link stampCascadeCommand}), then injects the facts with
 * `route_to_handler`, adding the projections and cascade errors of every call to `outcome`
 * (when the caller keeps them).
 */
export async function executeCascade(
  ctx: CoordinatorContext,
  source: CascadeSource,
  output: CascadeOutput,
  run: CascadeRun,
  outcome: SyncOutcome = { projections: [], cascadeErrors: [] },
): Promise<void> {
  const merge = (r: CommandResponse | FactInjectionResponse) => {
    outcome.projections.push(...r.projections);
    if ("cascadeErrors" in r) outcome.cascadeErrors.push(...r.cascadeErrors);
  };
  const nested = { syncMode: run.mode, cascadeErrorMode: run.errorMode };
  for (const command of output.commands) {
    const stamped = stampCascadeCommand(command, source);
    try {
      merge(await ctx.executeCommand({ ...nested, command: stamped }, run.depth + 1));
    } catch (err) {
      run.onFailure({ kind: "command", domain: stamped.cover?.domain ?? "?", error: err });
    }
  }
  for (const facts of output.facts) {
    try {
      merge(await ctx.injectFacts({ syncMode: run.mode, routeToHandler: true, events: facts }, run.depth + 1));
    } catch (err) {
      run.onFailure({ kind: "facts", domain: facts.cover?.domain ?? "?", error: err });
    }
  }
}

/**
 * Command stamping as the reference saga and PM sidecars do it (§10.1, §10.2): the source
 * edition when the command names none, and `angzarr_deferred{source, source_seq}` on every page
 * lacking a complete one (a set `source_seq` is kept), so the pipeline renumbers them. The
 * source's correlation id is filled in when the command has none.
 */
export function stampCascadeCommand(command: CommandBook, source: CascadeSource): CommandBook {
  const origin: Cover | undefined = source.book.cover;
  const sourceSeq = Math.max(0, ...source.book.pages.map(pageSequence));
  const withEdition = inheritEdition(command, source.key.edition);
  const cover = withEdition.cover && {
    ...withEdition.cover,
    correlationId: withEdition.cover.correlationId || origin?.correlationId || "",
  };
  const pages = command.pages.map((page) => {
    const header = page.header?.sequenceType;
    if (header?.$case === "angzarrDeferred" && header.value.source) return page;
    const seq = header?.$case === "angzarrDeferred" ? header.value.sourceSeq : sourceSeq;
    return { ...page, header: { sequenceType: { $case: "angzarrDeferred" as const, value: { source: origin, sourceSeq: seq } } } };
  });
  return { ...command, cover, pages };
}

/** The command with the source's edition (stored name) when it names none and the source is not on the main timeline. */
export function inheritEdition(command: CommandBook, edition: string): CommandBook {
  if (!command.cover || command.cover.edition?.name || edition === MAIN_EDITION) return command;
  return { ...command, cover: { ...command.cover, edition: { name: edition, divergences: [] } } };
}

/** The `SagaService.Handle` request for a source, with {@link destinationSequences}. */
export async function sagaRequest(
  ctx: CoordinatorContext,
  source: CascadeSource,
  mode: SyncMode,
  errorMode: CascadeErrorMode,
): Promise<SagaHandleRequest> {
  return { source: source.book, syncMode: mode, cascadeErrorMode: errorMode, destinationSequences: await destinationSequences(ctx, source) };
}

/**
 * `destination_sequences` for a saga: for every domain where exactly one aggregate (on the
 * source's edition) shares the source's correlation id, that aggregate's next sequence.
 * Uncorrelated sources get an empty map (the reference's saga sidecar always sends one).
 */
async function destinationSequences(ctx: CoordinatorContext, source: CascadeSource): Promise<Record<string, number>> {
  const correlationId = source.book.cover?.correlationId;
  if (!correlationId) return {};
  const byDomain = new Map<string, Map<string, number>>();
  for (const row of await ctx.store.readByCorrelation(correlationId)) {
    if (row.edition !== source.key.edition) continue;
    const roots = byDomain.get(row.domain) ?? new Map<string, number>();
    roots.set(row.root, Math.max(roots.get(row.root) ?? 0, row.sequence + 1));
    byDomain.set(row.domain, roots);
  }
  const result: Record<string, number> = {};
  for (const [domain, roots] of byDomain) if (roots.size === 1) result[domain] = [...roots.values()][0]!;
  return result;
}
