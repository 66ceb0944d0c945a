/** EventBook building blocks shared by the pipelines and the query service. */
import { headerSequence } from "../../core/books.js";
import { uuidToProto } from "../../core/uuid.js";
import { EventPage, type Cover, type EventBook, type Snapshot } from "../../gen/angzarr/types.js";
import type { AggregateKey, StoredEvent } from "../storage/index.js";

/** Stable text of an aggregate key, for locks and queues. */
export function keyText(key: AggregateKey): string {
  return JSON.stringify([key.domain, key.edition, key.root]);
}

/** The cover the coordinator puts on books it builds: the edition is always named (§5.3, §9.1). */
export function storedCover(key: AggregateKey, correlationId = ""): Cover {
  return {
    domain: key.domain,
    root: uuidToProto(key.root),
    correlationId,
    edition: { name: key.edition, divergences: [] },
  };
}

/** Decodes a stored row's page blob (stored byte-for-byte as the handler produced it). */
export function decodePage(event: StoredEvent): EventPage {
  return EventPage.decode(event.data);
}

/** The sequence a page is stored at: its explicit header, else 0 (§5.4). */
export function pageSequence(page: EventPage): number {
  return headerSequence(page.header) ?? 0;
}

/** next_sequence rule (§5.5): last page + 1, else snapshot + 1, else 0. */
export function nextAfter(lastSequence: number | undefined, snapshot: Snapshot | undefined): number {
  if (lastSequence !== undefined) return lastSequence + 1;
  return snapshot ? snapshot.sequence + 1 : 0;
}

/** A book of stored rows, with next_sequence computed from the rows' sequences. */
export function bookOfRows(cover: Cover | undefined, rows: StoredEvent[], snapshot?: Snapshot): EventBook {
  return {
    cover,
    snapshot,
    pages: rows.map(decodePage),
    nextSequence: nextAfter(rows.at(-1)?.sequence, snapshot),
  };
}

/** A book of handler pages, with next_sequence computed from the last page's header. */
export function bookOfPages(cover: Cover | undefined, pages: EventPage[], snapshot?: Snapshot): EventBook {
  const last = pages.at(-1);
  return { cover, snapshot, pages, nextSequence: nextAfter(last && pageSequence(last), snapshot) };
}
