/**
 * The query builder under test in the contract steps: started by query_builder.steps.ts
 * ("When I call client.query(...)") and also checked by command_builder.steps.ts ("I should
 * receive a QueryBuilder ..."), so both files share this slot. A failure of a setter, build()
 * or a run goes to the World's lastError.
 */
import type { QueryBuilder } from "../../../src/client/query-builder.js";
import type { EventBook, EventPage, Query } from "../../../src/gen/angzarr/types.js";
import { StateSlot } from "../../support/state-slot.js";

/** One builder under test, the calls made on it, and what building or running it gave. */
export interface QbState {
  builder?: QueryBuilder;
  domain: string;
  /** Setter calls in order, e.g. ["withEdition", "test-branch"], for the chained-values check. */
  calls: Array<[string, unknown[]]>;
  built?: Query;
  book?: EventBook;
  pages?: EventPage[];
  /** as_of_time's input, for the parsed-timestamp check. */
  asOfTime?: string;
}

/** The scenario's current query builder, replaced by every step that starts one. */
export const QUERY_BUILDER = new StateSlot<{ current?: QbState }>(() => ({}));
