/**
 * ProjectorCoordinatorService (COORDINATOR.md §10.3), served for the projectors configured for
 * the book's domain. As in synchronous delivery (§12), a projector answering NOT_FOUND is
 * passed over.
 */
import { status as Status } from "@grpc/grpc-js";
import { ProjectorServiceService, type SpeculateProjectorRequest } from "../../gen/angzarr/projector.js";
import type { EventBook, EventRequest, Projection } from "../../gen/angzarr/types.js";
import type { Empty } from "../../gen/google/protobuf/empty.js";
import type { UnaryMethod } from "../delivery/business-channels.js";
import type { CoordinatorContext } from "../context.js";
import { notRegistered, type ProjectorRoute } from "../delivery/routing.js";
import { componentFailure, errorText, invalidArgument, RpcError } from "../rpc-error.js";

/** HandleSync: the first answering projector's `ProjectorService.Handle` projection. */
export async function handleProjectorSync(ctx: CoordinatorContext, req: EventRequest): Promise<Projection> {
  if (!req.events) throw invalidArgument("EventRequest must have events");
  return firstProjection(ctx, req.events, ProjectorServiceService.handle);
}

/** HandleSpeculative: the first answering projector's `ProjectorService.HandleSpeculative` projection. */
export async function handleProjectorSpeculative(ctx: CoordinatorContext, req: SpeculateProjectorRequest): Promise<Projection> {
  if (!req.events) throw invalidArgument("SpeculateProjectorRequest must have events");
  return firstProjection(ctx, req.events, ProjectorServiceService.handleSpeculative);
}

/** Handle: every projector of the book's domain projects it; the projections are dropped. */
export async function handleProjector(ctx: CoordinatorContext, book: EventBook): Promise<Empty> {
  for (const projector of projectorsOf(ctx, book)) {
    try {
      await ctx.channels.call(projector.address, ProjectorServiceService.handle, book);
    } catch (err) {
      if ((err as RpcError).code !== Status.NOT_FOUND) throw failed(projector, err);
    }
  }
  return {};
}

/**
 * Calls the domain's projectors in configuration order and returns the first projection.
 * When every one answers NOT_FOUND, the last answer is passed on.
 */
async function firstProjection(ctx: CoordinatorContext, book: EventBook, method: UnaryMethod<EventBook, Projection>): Promise<Projection> {
  let notFound: unknown;
  for (const projector of projectorsOf(ctx, book)) {
    try {
      return await ctx.channels.call(projector.address, method, book);
    } catch (err) {
      if ((err as RpcError).code !== Status.NOT_FOUND) throw failed(projector, err);
      notFound = err;
    }
  }
  throw notFound;
}

/** The projectors of the book's domain; none: NOT_FOUND `No projector registered for domain: <d>`. */
function projectorsOf(ctx: CoordinatorContext, book: EventBook): ProjectorRoute[] {
  if (!book.cover) throw invalidArgument("EventBook must have a cover");
  const projectors = ctx.router.projectorsFor(book.cover.domain);
  if (projectors.length === 0) throw notRegistered("projector", book.cover.domain);
  return projectors;
}

/** INTERNAL `Projector <name> failed: …` (§10.3); INVALID_ARGUMENT when the projector refused the book as such. */
function failed(projector: ProjectorRoute, err: unknown): RpcError {
  return componentFailure(`Projector ${projector.name} failed: ${errorText(err)}`, err);
}
