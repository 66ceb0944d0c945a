import type { EventBook, EventPage } from "../gen/angzarr/types.js";
import { headerSequence, pageEvent } from "../core/books.js";
import type { MessageType } from "../core/message.js";
import { decodePayload } from "./execute-command.js";
import type { TypeTable } from "./type-table.js";

/** One event of a source book, decoded, as sagas and process managers receive it. */
export interface SourceEvent<T = unknown> {
  /** Codec the event was decoded with. */
  readonly type: MessageType<T>;
  /** The decoded event. */
  readonly message: T;
  /** The page that carried it. */
  readonly page: EventPage;
  /** Its sequence in the source aggregate (the page index when the header has none). */
  readonly sequence: number;
}

/**
 * The event of page `index` when its type is in `table`; undefined otherwise.
 * @internal
 */
export function sourceEventAt(book: EventBook, index: number, table: TypeTable<MessageType>): SourceEvent | undefined {
  const page = book.pages[index];
  const any = page ? pageEvent(page) : undefined;
  const type = any ? table.get(any.typeUrl) : undefined;
  if (!page || !any || !type) return undefined;
  return { type, message: decodePayload(type, any), page, sequence: headerSequence(page.header) ?? index };
}
