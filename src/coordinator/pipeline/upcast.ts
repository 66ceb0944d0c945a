/** Optional event upcasting before the business sees prior events (COORDINATOR.md §11). */
import type { EventBook } from "../../gen/angzarr/types.js";
import { UpcasterServiceService } from "../../gen/angzarr/upcaster.js";
import type { CoordinatorContext } from "../context.js";
import { errorText, internal } from "../rpc-error.js";

/**
 * Replaces the book's pages with the upcaster's answer when upcasting is enabled and there is
 * at least one page; snapshots are not upcast. Failure → INTERNAL `Upcaster failed: …`.
 */
export async function upcast(ctx: CoordinatorContext, handlerAddress: string, book: EventBook): Promise<EventBook> {
  if (!ctx.upcaster || book.pages.length === 0) return book;
  try {
    const response = await ctx.channels.call(ctx.upcaster.address ?? handlerAddress, UpcasterServiceService.upcast, {
      domain: book.cover?.domain ?? "",
      events: book.pages,
    });
    return { ...book, pages: response.events };
  } catch (err) {
    throw internal(`Upcaster failed: ${errorText(err)}`);
  }
}
