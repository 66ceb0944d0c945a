/**
 * The client-side workloads of the coordinator benchmark, each paired with its baseline. The
 * coordinator is driven through the SDK with standard RPCs only (CommandHandlerCoordinatorService
 * HandleCommand/HandleEvent, EventQueryService GetEventBook/GetEvents), so any coordinator with
 * the orders handler behind it can be measured. Every workload runs in rounds; within a round
 * the coordinator batch and the baseline batch run back to back, in alternating order.
 */
import { packAny } from "../../src/core/any.js";
import { newRoot } from "../../src/core/uuid.js";
import type { Client } from "../../src/client/index.js";
import { executeWithRefresh } from "../../src/client/refresh.js";
import { headerSequence } from "../../src/core/books.js";
import type { CommandResponse } from "../../src/gen/angzarr/command_handler.js";
import { EventPage, type EventBook } from "../../src/gen/angzarr/types.js";
import type { Any } from "../../src/gen/google/protobuf/any.js";
import { AddItem, Checkpoint, CreateOrder, ItemAdded } from "../../examples/gen/examples/orders.js";
import { Baseline, BaselineAggregate, KeyLocks, sequenceOf, timestampText } from "./baseline.js";
import type { RawClients } from "./raw-clients.js";
import type { RawStore } from "./storages.js";
import { median, Samples } from "./stats.js";

const DOMAIN = "orders";

/** How big each workload is. */
export interface Sizes {
  /** (a): rounds x commands per round. */
  create: [number, number];
  /** (b): rounds x commands per round, for each variant. */
  append: [number, number];
  /** (b) with snapshots: every n-th command is a Checkpoint (the orders aggregate snapshots on it). */
  snapshotEvery: number;
  /** (c): rounds x commands per writer per round. */
  wide: [number, number];
  /** (d): rounds x commands per writer per round. */
  shared: [number, number];
  /** Writers of (c) and (d), aggregates of (d). */
  writers: number;
  sharedAggregates: number;
  /** (e): GetEventBook rounds x calls, GetEvents rounds x calls, and the aggregates' sizes. */
  book: [number, number];
  stream: [number, number];
  bookEvents: number;
  streamEvents: number;
}

export const FULL: Sizes = {
  create: [12, 50],
  append: [20, 50],
  snapshotEvery: 50,
  wide: [4, 15],
  shared: [4, 10],
  writers: 16,
  sharedAggregates: 4,
  book: [10, 10],
  stream: [5, 2],
  bookEvents: 1_000,
  streamEvents: 10_000,
};

export const QUICK: Sizes = {
  ...FULL,
  create: [4, 50],
  append: [6, 50],
  wide: [2, 10],
  shared: [2, 8],
  book: [4, 5],
  stream: [2, 2],
};

/** Everything a workload needs. */
export interface Harness {
  client: Client;
  raw: RawClients;
  baseline: Baseline;
  /** The raw store, or undefined against an endpoint. */
  rawStore: RawStore | undefined;
  sizes: Sizes;
}

/** One workload's outcome. */
export interface Outcome {
  id: string;
  title: string;
  unit: string;
  ours: Samples;
  base: Samples;
  /** What else happened (retries, snapshots, …). */
  notes: string[];
}

const create = (): Any => packAny(CreateOrder, { customerId: "bench-customer" });
const addItem = (i: number): Any => packAny(AddItem, { sku: `sku-${i}`, quantity: 1 });
const checkpoint = (i: number): Any => packAny(Checkpoint, { note: `checkpoint-${i}` });

/** Sends `command` at `sequence` through the SDK; resolves with the aggregate's next sequence. */
async function send(client: Client, root: string, command: Any, sequence: number): Promise<number> {
  const response = await client.commands.command(DOMAIN, root).withCommandAny(command).withSequence(sequence).execute();
  return nextOf(response, sequence);
}

function nextOf(response: CommandResponse, fallback: number): number {
  const last = response.events?.pages.at(-1);
  const seq = last && headerSequence(last.header);
  return seq === undefined ? fallback : seq + 1;
}

/** Runs `rounds` rounds of (ours, baseline), flipping the order each round. */
async function paired(
  rounds: number,
  ours: (round: number) => Promise<number>,
  base: (round: number) => Promise<number>,
  o: Samples,
  b: Samples,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const order =
      round % 2 === 0
        ? ([
            [ours, o],
            [base, b],
          ] as const)
        : ([
            [base, b],
            [ours, o],
          ] as const);
    for (const [run, samples] of order) samples.rounds.push(await run(round));
  }
}

/** Runs `fn` for `count` sequential commands, recording latencies; resolves with the wall time. */
async function sequential(count: number, samples: Samples, fn: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await fn(i);
    samples.latencies.push(performance.now() - t);
  }
  samples.count += count;
  return performance.now() - started;
}

/** A sample command answer for the stub: what a coordinator returns for one new page. */
async function primeStub(h: Harness, command: Any, then?: Any): Promise<void> {
  const agg = new BaselineAggregate(DOMAIN, newRoot());
  const response = await h.raw.handle({ events: agg.book(), command: h.baseline.request(agg, command).command });
  let page: EventPage | undefined = response.result?.$case === "events" ? response.result.value.pages[0] : undefined;
  if (then && page) {
    agg.pages.push(page);
    agg.next = sequenceOf(page) + 1;
    const second = await h.raw.handle({ events: agg.book(), command: h.baseline.request(agg, then).command });
    page = second.result?.$case === "events" ? second.result.value.pages[0] : page;
  }
  if (!page) throw new Error("the orders handler produced no event");
  await h.raw.setCommandResponse(Baseline.responseFor(agg, page));
}

/** Warms up both paths (JIT, connections, statement caches); nothing is recorded. */
export async function warmUp(h: Harness, commands = 60): Promise<void> {
  await primeStub(h, create(), addItem(0));
  const root = newRoot();
  let seq = await send(h.client, root, create(), 0);
  const agg = new BaselineAggregate(DOMAIN, newRoot());
  await h.baseline.command(agg, create());
  for (let i = 0; i < commands; i++) {
    seq = await send(h.client, root, addItem(i), seq);
    await h.baseline.command(agg, addItem(i));
    await send(h.client, newRoot(), create(), 0);
    await h.baseline.command(new BaselineAggregate(DOMAIN, newRoot()), create());
  }
}

/** (a) Sequential commands, each creating a new aggregate. */
export async function createEach(h: Harness): Promise<Outcome> {
  const [rounds, perRound] = h.sizes.create;
  await primeStub(h, create());
  const ours = new Samples();
  const base = new Samples();
  await paired(
    rounds,
    () => sequential(perRound, ours, () => send(h.client, newRoot(), create(), 0)),
    () => sequential(perRound, base, () => h.baseline.command(new BaselineAggregate(DOMAIN, newRoot()), create())),
    ours,
    base,
  );
  return { id: "a", title: "create, sequential", unit: "cmd", ours, base, notes: [] };
}

/** (b) Sequential appends to one aggregate; with `snapshots`, every n-th command is a Checkpoint. */
export async function appendOne(h: Harness, snapshots: boolean): Promise<Outcome> {
  const [rounds, perRound] = h.sizes.append;
  const every = h.sizes.snapshotEvery;
  await primeStub(h, create(), addItem(0));
  const command = (i: number) => (snapshots && i % every === every - 1 ? checkpoint(i) : addItem(i));
  const root = newRoot();
  let seq = await send(h.client, root, create(), 0);
  const agg = new BaselineAggregate(DOMAIN, newRoot());
  await h.baseline.command(agg, create());
  const ours = new Samples();
  const base = new Samples();
  let oursDone = 0;
  let baseDone = 0;
  await paired(
    rounds,
    () => sequential(perRound, ours, async () => (seq = await send(h.client, root, command(oursDone++), seq))),
    () => sequential(perRound, base, () => h.baseline.command(agg, command(baseDone++))),
    ours,
    base,
  );
  // Whether snapshots shortened the history is visible from outside as flat latency.
  const tenth = Math.max(1, Math.floor(ours.latencies.length / 10));
  const early = median(ours.latencies.slice(0, tenth));
  const late = median(ours.latencies.slice(-tenth));
  const notes = [
    `history 1 -> ${seq} events; p50 of the first tenth ${early.toFixed(2)} ms, of the last tenth ${late.toFixed(2)} ms (x${(late / early).toFixed(2)})`,
  ];
  if (snapshots)
    notes.push(`every ${every}th command a Checkpoint (the handler attaches a snapshot); flat latency = the coordinator loads from the snapshot`);
  return {
    id: snapshots ? "b+s" : "b",
    title: snapshots ? "append one aggregate, snapshots" : "append one aggregate, no snapshots",
    unit: "cmd",
    ours,
    base,
    notes,
  };
}

/** Runs `writers` concurrent loops of `perWriter` commands; resolves with the wall time. */
async function wide(writers: number, perWriter: number, samples: Samples, fn: (writer: number, i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        const t = performance.now();
        await fn(w, i);
        samples.latencies.push(performance.now() - t);
      }
    }),
  );
  samples.count += writers * perWriter;
  return performance.now() - started;
}

/** (c) Concurrent writers, each on its own aggregate. */
export async function concurrentOwn(h: Harness): Promise<Outcome> {
  const [rounds, perRound] = h.sizes.wide;
  const n = h.sizes.writers;
  await primeStub(h, create(), addItem(0));
  const roots = Array.from({ length: n }, () => newRoot());
  const seqs = await Promise.all(roots.map((root) => send(h.client, root, create(), 0)));
  const aggs = Array.from({ length: n }, () => new BaselineAggregate(DOMAIN, newRoot()));
  await Promise.all(aggs.map((agg) => h.baseline.command(agg, create())));
  const ours = new Samples();
  const base = new Samples();
  await paired(
    rounds,
    () => wide(n, perRound, ours, async (w, i) => (seqs[w] = await send(h.client, roots[w]!, addItem(i), seqs[w]!))),
    () => wide(n, perRound, base, (w, i) => h.baseline.command(aggs[w]!, addItem(i))),
    ours,
    base,
  );
  const what = h.rawStore ? "raw hops and inserts" : "raw hops";
  return { id: "c", title: `${n} writers, own aggregates`, unit: "cmd", ours, base, notes: [`baseline: the same ${what}, ${n} wide`] };
}

/** (d) Concurrent writers on a few shared aggregates, recovering from sequence mismatches with executeWithRefresh. */
export async function concurrentShared(h: Harness): Promise<Outcome> {
  const [rounds, perRound] = h.sizes.shared;
  const n = h.sizes.writers;
  const m = h.sizes.sharedAggregates;
  await primeStub(h, create(), addItem(0));
  const roots = Array.from({ length: m }, () => newRoot());
  await Promise.all(roots.map((root) => send(h.client, root, create(), 0)));
  const aggs = Array.from({ length: m }, () => new BaselineAggregate(DOMAIN, newRoot()));
  await Promise.all(aggs.map((agg) => h.baseline.command(agg, create())));
  const known = Array.from({ length: n }, () => roots.map(() => 1));
  const locks = new KeyLocks();
  let attempts = 0;
  let mostAttempts = 0;
  const ours = new Samples();
  const base = new Samples();
  const oursCommand = async (w: number, i: number) => {
    const target = (w + i) % m;
    const request = h.client.commands
      .command(DOMAIN, roots[target]!)
      .withCommand(AddItem, { sku: `w${w}-${i}`, quantity: 1 })
      .withSequence(known[w]![target]!)
      .build();
    let tries = 0;
    const response = await executeWithRefresh(
      request,
      { maxAttempts: 100 },
      (r, o) => {
        tries++;
        return h.client.commands.handleCommand(r, o);
      },
      async (cover, o) => (await h.client.queries.getEventBook({ cover, selection: undefined }, o)).nextSequence,
    );
    attempts += tries;
    mostAttempts = Math.max(mostAttempts, tries);
    known[w]![target] = nextOf(response, known[w]![target]!);
  };
  const baseCommand = async (w: number, i: number) => {
    const agg = aggs[(w + i) % m]!;
    const command = addItem(i);
    await h.baseline.hop1(agg, command);
    await locks.run(agg.root, () => h.baseline.hop2AndInsert(agg, command));
  };
  await paired(
    rounds,
    () => wide(n, perRound, ours, oursCommand),
    () => wide(n, perRound, base, baseCommand),
    ours,
    base,
  );
  return {
    id: "d",
    title: `${n} writers, ${m} shared aggregates`,
    unit: "cmd",
    ours,
    base,
    notes: [
      `${attempts - ours.count} sequence-mismatch retries through executeWithRefresh (at most ${mostAttempts - 1} for one command)`,
      `baseline: ${n} wide, serialised per aggregate (no retries needed)`,
    ],
  };
}

/** Stores `count` ItemAdded facts on a new aggregate through HandleEvent; resolves with its root. */
async function factAggregate(h: Harness, count: number): Promise<string> {
  const root = newRoot();
  let batch = 1_000;
  for (let done = 0; done < count;) {
    const size = Math.min(batch, count - done);
    const events = Array.from({ length: size }, (_, i) => ({ type: ItemAdded, message: { sku: `sku-${done + i}`, quantity: 1 } }));
    try {
      await h.client.commands.injectFact({ domain: DOMAIN, root, externalId: `bench-${root}-${done}`, events });
      done += size;
    } catch (err) {
      // A coordinator limiting pages per request: smaller batches.
      if (batch === 100) throw err;
      batch = 100;
    }
  }
  return root;
}

/** Copies the aggregate's rows into the raw store and sets the stub's answer to its book. */
async function mirror(h: Harness, book: EventBook, root: string): Promise<void> {
  await h.raw.setEventBook(book);
  if (!h.rawStore) return;
  const key = { domain: DOMAIN, edition: "angzarr", root };
  for (let i = 0; i < book.pages.length; i += 1_000) {
    const rows = book.pages
      .slice(i, i + 1_000)
      .map((p) => ({ sequence: sequenceOf(p), createdAt: timestampText(p.createdAt), data: EventPage.encode(p).finish() }));
    await h.rawStore.insert(key, "", rows);
  }
}

/** (e) GetEventBook of a large aggregate, and GetEvents streaming a larger one. */
export async function reads(h: Harness): Promise<Outcome[]> {
  const { bookEvents, streamEvents } = h.sizes;
  const out: Outcome[] = [];
  const cases = [
    { id: "e1", title: `GetEventBook, ${bookEvents.toLocaleString("en-US")} events`, events: bookEvents, sizes: h.sizes.book, stream: false },
    { id: "e2", title: `GetEvents, ${streamEvents.toLocaleString("en-US")} events`, events: streamEvents, sizes: h.sizes.stream, stream: true },
  ];
  for (const c of cases) {
    const root = await factAggregate(h, c.events);
    const book = await h.client.queries.query(DOMAIN, root).getEventBook();
    if (book.pages.length !== c.events) throw new Error(`${c.id}: the aggregate has ${book.pages.length} events, expected ${c.events}`);
    await mirror(h, book, root);
    const key = { domain: DOMAIN, edition: "angzarr", root };
    const query = { cover: { domain: DOMAIN, root: book.cover!.root, correlationId: "", edition: undefined }, selection: undefined };
    const check = (pages: number) => {
      if (pages !== c.events) throw new Error(`${c.id}: read ${pages} events, expected ${c.events}`);
    };
    const oursCall = c.stream
      ? async () => check((await h.client.queries.query(DOMAIN, root).getEvents().collect()).reduce((n, b) => n + b.pages.length, 0))
      : async () => check((await h.client.queries.query(DOMAIN, root).getEventBook()).pages.length);
    const baseCall = async () => {
      if (h.rawStore) check(await h.rawStore.read(key));
      check(c.stream ? await h.raw.getEvents(query) : (await h.raw.getEventBook(query)).pages.length);
    };
    await oursCall();
    await baseCall();
    const ours = new Samples();
    const base = new Samples();
    const [rounds, perRound] = c.sizes;
    await paired(
      rounds,
      () => sequential(perRound, ours, oursCall),
      () => sequential(perRound, base, baseCall),
      ours,
      base,
    );
    out.push({ id: c.id, title: c.title, unit: "call", ours, base, notes: [] });
  }
  return out;
}
