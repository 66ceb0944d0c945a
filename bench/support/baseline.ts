/**
 * The baseline of a command: what it costs with no coordinator overhead at all. A command is
 * one raw grpc-js round trip per hop (client -> coordinator, answered by the stub server with a
 * canned response; coordinator -> handler, the real business call with the prior state kept in
 * memory here) plus one raw insert transaction of the same rows on the same kind of store.
 */
import { makeCommandPage } from "../../src/core/books.js";
import { uuidToProto } from "../../src/core/uuid.js";
import type { CommandResponse } from "../../src/gen/angzarr/command_handler.js";
import {
  EventPage,
  MergeStrategy,
  Snapshot,
  SnapshotRetention,
  type CommandBook,
  type CommandRequest,
  type Cover,
  type EventBook,
} from "../../src/gen/angzarr/types.js";
import type { Any } from "../../src/gen/google/protobuf/any.js";
import type { Timestamp } from "../../src/gen/google/protobuf/timestamp.js";
import type { RawClients } from "./raw-clients.js";
import type { RawKey, RawRow, RawStore } from "./storages.js";

const MAIN = "angzarr";

/** One aggregate of a baseline: the state a zero-overhead coordinator would keep in memory. */
export class BaselineAggregate {
  readonly key: RawKey;
  readonly cover: Cover;
  readonly storedCover: Cover;
  pages: EventPage[] = [];
  snapshot: Snapshot | undefined;
  next = 0;

  constructor(
    readonly domain: string,
    readonly root: string,
  ) {
    this.key = { domain, edition: MAIN, root };
    this.cover = { domain, root: uuidToProto(root), correlationId: "", edition: undefined };
    this.storedCover = { domain, root: uuidToProto(root), correlationId: "", edition: { name: MAIN, divergences: [] } };
  }

  /** The prior state as the coordinator hands it to the business: snapshot plus the pages after it. */
  book(): EventBook {
    return { cover: this.storedCover, pages: this.pages, snapshot: this.snapshot, nextSequence: this.next };
  }
}

/** Runs baseline commands. Without a store (against an endpoint) the insert is left out. */
export class Baseline {
  constructor(
    private readonly raw: RawClients,
    private readonly store: RawStore | undefined,
  ) {}

  /** The CommandRequest the SDK's builder sends for `command` at the aggregate's next sequence. */
  request(agg: BaselineAggregate, command: Any): CommandRequest {
    const book: CommandBook = { cover: agg.cover, pages: [makeCommandPage(agg.next, command, MergeStrategy.MERGE_COMMUTATIVE)] };
    return { command: book, syncMode: 0, cascadeErrorMode: 0, cascadeId: undefined };
  }

  /** One command: both hops and the insert, one after the other. */
  async command(agg: BaselineAggregate, command: Any): Promise<void> {
    await this.hop1(agg, command);
    await this.hop2AndInsert(agg, command);
  }

  /** Client -> coordinator: a round trip of the same request to the stub. */
  async hop1(agg: BaselineAggregate, command: Any): Promise<void> {
    await this.raw.command(this.request(agg, command));
  }

  /** Coordinator -> handler with the prior state, then the insert of what it produced. */
  async hop2AndInsert(agg: BaselineAggregate, command: Any): Promise<void> {
    const request = this.request(agg, command);
    const response = await this.raw.handle({ events: agg.book(), command: request.command });
    if (response.result?.$case !== "events") throw new Error(`baseline: the handler answered ${response.result?.$case ?? "nothing"}`);
    const produced = response.result.value;
    const newPages = produced.pages.filter((p) => sequenceOf(p) >= agg.next);
    if (newPages.length === 0) return;
    const last = sequenceOf(newPages.at(-1)!);
    const state = produced.snapshot?.state;
    const snapshot: Snapshot | undefined = state ? { sequence: last, state, retention: SnapshotRetention.RETENTION_DEFAULT } : undefined;
    if (this.store) {
      const rows: RawRow[] = newPages.map((p) => ({
        sequence: sequenceOf(p),
        createdAt: timestampText(p.createdAt),
        data: EventPage.encode(p).finish(),
      }));
      await this.store.insert(agg.key, "", rows, snapshot && { sequence: last, data: Snapshot.encode(snapshot).finish() });
    }
    if (snapshot) {
      agg.snapshot = snapshot;
      agg.pages = [];
    } else {
      agg.pages.push(...newPages);
    }
    agg.next = last + 1;
  }

  /** The answer a coordinator gives for one produced page: set on the stub before a workload. */
  static responseFor(agg: BaselineAggregate, page: EventPage): CommandResponse {
    return {
      events: { cover: agg.cover, pages: [page], snapshot: undefined, nextSequence: sequenceOf(page) + 1 },
      projections: [],
      cascadeErrors: [],
    };
  }
}

/** A page's explicit sequence (0 without one). */
export function sequenceOf(page: EventPage): number {
  return page.header?.sequenceType?.$case === "sequence" ? page.header.sequenceType.value : 0;
}

/** RFC 3339 text with nine fractional digits, as the coordinator stores `created_at`. */
export function timestampText(ts: Timestamp | undefined): string {
  const t = ts ?? { seconds: Math.floor(Date.now() / 1000), nanos: 0 };
  return `${new Date(t.seconds * 1000).toISOString().slice(0, 19)}.${String(t.nanos).padStart(9, "0")}Z`;
}

/** One async lock per key (the baseline of shared aggregates serialises per aggregate, nothing more). */
export class KeyLocks {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.#tails.set(
      key,
      previous.then(() => mine),
    );
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
