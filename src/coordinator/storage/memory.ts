import { checkSequences, checkSnapshot, compareText as compare, copyBytes, idempotencyKey, prepareEvents } from "./rules.js";
import { normaliseTimestamp } from "./timestamp.js";
import {
  MAIN_EDITION,
  RETENTION_TRANSIENT,
  StorageError,
  type AggregateKey,
  type AppendRequest,
  type AppendResult,
  type EventStore,
  type SequenceRange,
  type StoredEvent,
  type StoredSnapshot,
} from "./types.js";

interface Stream {
  key: AggregateKey;
  /** Ascending by sequence; appends only ever add higher sequences. */
  events: StoredEvent[];
  snapshots: Map<number, StoredSnapshot>;
}

/** Copies bytes on the way in and out so callers can never mutate stored data. */
const copyEvent = (e: StoredEvent): StoredEvent => ({ ...e, data: copyBytes(e.data) });
const copySnapshot = (s: StoredSnapshot): StoredSnapshot => ({
  sequence: s.sequence,
  data: copyBytes(s.data),
  retention: s.retention,
});

/**
 * Process-local store backed by Maps. Each method body runs without awaiting, so an append's
 * check and write cannot interleave with another call: that is what makes it atomic.
 * @example
 * const store = new MemoryEventStore();
 * const key = { domain: "orders", edition: MAIN_EDITION, root };
 * await store.append({ key, correlationId: "", events: [{ sequence: 0, createdAt: "2024-01-15T10:30:00Z", data: pageBytes }] });
 * const [stored] = await store.read(key); // stored.createdAt === "2024-01-15T10:30:00.000000000Z"
 */
export class MemoryEventStore implements EventStore {
  readonly kind = "memory";
  private readonly streams = new Map<string, Stream>();
  private closed = false;

  async append(req: AppendRequest): Promise<AppendResult> {
    const events = prepareEvents(req);
    const stored = this.events(req.key);
    const externalId = idempotencyKey(req);
    if (externalId !== undefined) {
      const previous = stored.filter((e) => e.externalId === externalId);
      if (previous.length > 0) {
        return { kind: "duplicate", firstSequence: previous[0]!.sequence, lastSequence: previous.at(-1)!.sequence };
      }
    }
    checkSequences(stored.at(-1)?.sequence, events);
    if (events.length === 0) return { kind: "appended" };
    const stream = this.stream(req.key, true);
    for (const e of events) {
      stream.events.push({
        ...req.key,
        sequence: e.sequence,
        createdAt: e.createdAt,
        data: copyBytes(e.data),
        correlationId: req.correlationId,
        externalId: externalId ?? "",
      });
    }
    return { kind: "appended" };
  }

  async maxSequence(key: AggregateKey): Promise<number | undefined> {
    return this.stream(key, false)?.events.at(-1)?.sequence;
  }

  async read(key: AggregateKey, range: SequenceRange = {}): Promise<StoredEvent[]> {
    const { from = -Infinity, to = Infinity } = range;
    const events = this.events(key);
    // Events are ascending by sequence: start at the first one in range instead of scanning all.
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (events[mid]!.sequence < from) lo = mid + 1;
      else hi = mid;
    }
    const out: StoredEvent[] = [];
    for (let i = lo; i < events.length && events[i]!.sequence <= to; i++) out.push(copyEvent(events[i]!));
    return out;
  }

  async readUntilTime(key: AggregateKey, until: string): Promise<StoredEvent[]> {
    const limit = normaliseTimestamp(until);
    return this.events(key)
      .filter((e) => e.createdAt <= limit)
      .map(copyEvent);
  }

  async readByCorrelation(correlationId: string): Promise<StoredEvent[]> {
    this.ensureOpen();
    if (!correlationId) return [];
    return [...this.streams.values()]
      .flatMap((s) => s.events.filter((e) => e.correlationId === correlationId))
      .sort((a, b) => compare(a.domain, b.domain) || compare(a.edition, b.edition) || compare(a.root, b.root) || a.sequence - b.sequence)
      .map(copyEvent);
  }

  async listRoots(): Promise<Array<{ domain: string; root: string }>> {
    this.ensureOpen();
    return [...this.streams.values()]
      .filter((s) => s.key.edition === MAIN_EDITION && s.events.length > 0)
      .map((s) => ({ domain: s.key.domain, root: s.key.root }))
      .sort((a, b) => compare(a.domain, b.domain) || compare(a.root, b.root));
  }

  async putSnapshot(key: AggregateKey, snap: StoredSnapshot): Promise<void> {
    checkSnapshot(snap);
    const snapshots = this.stream(key, true).snapshots;
    for (const [sequence, existing] of snapshots) {
      if (sequence < snap.sequence && existing.retention === RETENTION_TRANSIENT) snapshots.delete(sequence);
    }
    snapshots.set(snap.sequence, copySnapshot(snap));
  }

  async latestSnapshot(key: AggregateKey): Promise<StoredSnapshot | undefined> {
    const snapshots = this.stream(key, false)?.snapshots;
    if (!snapshots || snapshots.size === 0) return undefined;
    return copySnapshot(snapshots.get(Math.max(...snapshots.keys()))!);
  }

  async listSnapshots(key: AggregateKey): Promise<StoredSnapshot[]> {
    const snapshots = this.stream(key, false)?.snapshots ?? new Map<number, StoredSnapshot>();
    return [...snapshots.values()].sort((a, b) => a.sequence - b.sequence).map(copySnapshot);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.streams.clear();
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError("Memory event store is closed");
  }

  private events(key: AggregateKey): StoredEvent[] {
    return this.stream(key, false)?.events ?? [];
  }

  private stream(key: AggregateKey, create: true): Stream;
  private stream(key: AggregateKey, create: false): Stream | undefined;
  private stream(key: AggregateKey, create: boolean): Stream | undefined {
    this.ensureOpen();
    // JSON of a tuple cannot collide the way a separator-joined string could.
    const id = JSON.stringify([key.domain, key.edition, key.root]);
    let stream = this.streams.get(id);
    if (!stream && create) {
      stream = { key: { domain: key.domain, edition: key.edition, root: key.root }, events: [], snapshots: new Map() };
      this.streams.set(id, stream);
    }
    return stream;
  }
}
