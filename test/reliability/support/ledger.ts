/**
 * What the clients were told about their commands, and the audit of the store against it:
 * acknowledged commands must have all their events, no command may be half-written, nothing may
 * appear that no client sent, and each aggregate's sequences run 0, 1, 2, … without gaps.
 */
import type { EventBook } from "../../../src/gen/angzarr/types.js";
import { contiguousFromZero, EVENTS_PER_COMMAND, eventTag, sequencesOf, type CommandKind } from "./orders.js";

/** One command a client sent, identified by the tag its events carry. */
export interface Sent {
  root: string;
  kind: CommandKind;
}

/** Commands by outcome as the clients saw it. */
export class Ledger {
  /** Answered OK: must be stored completely. */
  readonly acked = new Map<string, Sent>();
  /** The connection broke or the coordinator was down: stored completely or not at all. */
  readonly unknown = new Map<string, Sent>();
  /** Refused with a definite status (stale sequence, business rejection): not stored. */
  readonly rejected = new Map<string, Sent>();
}

/** Findings of an audit; every list must be empty. */
export interface Audit {
  /** Acknowledged commands without their events. */
  lost: string[];
  /** Commands with some but not all of their events, or with events apart from each other. */
  partial: string[];
  /** Tags in the store that no client sent, or that were refused. */
  phantom: string[];
  /** Aggregates whose sequences are not 0, 1, 2, … */
  gaps: string[];
  /** Events read back. */
  events: number;
  /** Commands of unknown outcome found stored. */
  unknownStored: number;
}

/** Audits the books read back (one per aggregate root the clients used) against the ledger. */
export function audit(ledger: Ledger, books: ReadonlyMap<string, EventBook>): Audit {
  const result: Audit = { lost: [], partial: [], phantom: [], gaps: [], events: 0, unknownStored: 0 };
  const found = new Map<string, number[]>();
  for (const [root, book] of books) {
    const sequences = sequencesOf(book);
    result.events += sequences.length;
    if (!contiguousFromZero(sequences)) result.gaps.push(`${root}: ${sequences.join(",")}`);
    book.pages.forEach((page, i) => {
      const { tag } = eventTag(page);
      found.set(tag, [...(found.get(tag) ?? []), sequences[i]!]);
    });
  }
  for (const [tag, sequences] of found) {
    const sent = ledger.acked.get(tag) ?? ledger.unknown.get(tag);
    if (!sent) {
      result.phantom.push(`${tag} (${sequences.length} events${ledger.rejected.has(tag) ? ", refused" : ""})`);
      continue;
    }
    const adjacent = sequences.every((s, i) => i === 0 || s === sequences[i - 1]! + 1);
    if (sequences.length !== EVENTS_PER_COMMAND[sent.kind] || !adjacent) {
      result.partial.push(`${tag} ${sent.kind}: sequences ${sequences.join(",")}`);
    }
    if (ledger.unknown.has(tag)) result.unknownStored++;
  }
  for (const [tag, sent] of ledger.acked) if (!found.has(tag)) result.lost.push(`${tag} ${sent.kind} on ${sent.root}`);
  return result;
}
