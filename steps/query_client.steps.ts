/**
 * Steps of query_client.feature (section 1 of step-vocabulary.txt): reading histories
 * through a QueryClient. Histories are written for real (facts and commands) first.
 */
import { Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { closedPortEndpoint } from "../src/testing/index.js";
import type { GrpcError } from "../src/errors.js";
import { parseTimestamp } from "../src/core/index.js";
import { timestampToRfc3339 } from "../src/core/time.js";
import { anyContainsText, codecFor, sampleMessage } from "./support/messages.js";
import { StateSlot } from "./support/state-slot.js";
import { AngzarrWorld, describeError, pageSequence, pageTypeName, planFor } from "./support/world.js";

/** What the query client steps keep between steps. */
interface QueryClientState {
  /** Roots written under one correlation ID. */
  correlatedRoots: string[];
}

const QUERY_CLIENT = new StateSlot<QueryClientState>(() => ({ correlatedRoots: [] }));

// ---- Given --------------------------------------------------------------------------------

Given("a {word} connected to the test backend", async function (this: AngzarrWorld, kind: string) {
  switch (kind) {
    case "QueryClient":
      this.queryClient = await this.connectQuery();
      break;
    case "SpeculativeClient":
      this.speculativeClient = await this.connectSpeculative();
      break;
    case "AggregateClient":
    case "CommandHandlerClient":
      this.aggregateClient = await this.connectAggregate();
      break;
    case "DomainClient":
      this.domainClient = await this.connectDomain();
      break;
    default:
      throw new Error(`no client type named ${kind}`);
  }
});

Given("an aggregate {string} with root {string} has {int} events", async function (this: AngzarrWorld, domain: string, name: string, count: number) {
  const { root } = this.useAggregate(domain, name);
  await this.seedCount(domain, root, count);
});

Given(
  "an aggregate {string} with root {string} has {int} events in main",
  async function (this: AngzarrWorld, domain: string, name: string, count: number) {
    const { root } = this.useAggregate(domain, name);
    await this.seedCount(domain, root, count);
  },
);

/** Events seeded into an edition carry the edition's name in their data, so a reader can tell them apart. */
async function seedEdition(world: AngzarrWorld, domain: string, root: string, edition: string, count: number) {
  const base = await world.currentSequence(domain, root, edition);
  const plan = world.seedPlan(domain, count, base).map((e) => ({ ...e, data: `${edition}:${e.data}` }));
  await world.seedFacts(domain, root, plan, { edition });
}

Given(
  "an aggregate {string} with root {string} has {int} events in edition {string}",
  async function (this: AngzarrWorld, domain: string, name: string, count: number, edition: string) {
    const { root } = this.useAggregate(domain, name);
    await seedEdition(this, domain, root, edition, count);
  },
);

Given(
  "an aggregate {string} with root {string} in edition {string}",
  async function (this: AngzarrWorld, domain: string, name: string, edition: string) {
    const { root } = this.useAggregate(domain, name);
    await seedEdition(this, domain, root, edition, 2);
  },
);

Given(
  "an aggregate {string} with root {string} has event {string} with data {string}",
  async function (this: AngzarrWorld, domain: string, name: string, type: string, data: string) {
    const { root } = this.useAggregate(domain, name);
    await this.seedFacts(domain, root, [{ type, data }]);
  },
);

/** The known timestamps: every quarter hour from 10:00 to 11:00 UTC on 2024-01-15. */
const KNOWN_TIMES = ["10:00:00", "10:15:00", "10:30:00", "10:45:00", "11:00:00"].map((t) => parseTimestamp(`2024-01-15T${t}Z`));

Given("an aggregate {string} with root {string} has events at known timestamps", async function (this: AngzarrWorld, domain: string, name: string) {
  const { root } = this.useAggregate(domain, name);
  const plan = this.seedPlan(domain, KNOWN_TIMES.length).map((e, i) => ({ ...e, createdAt: KNOWN_TIMES[i] }));
  await this.seedFacts(domain, root, plan);
});

Given(
  "an aggregate {string} with root {string} has a snapshot at sequence {int} and {int} events",
  async function (this: AngzarrWorld, domain: string, name: string, snapshotAt: number, total: number) {
    expect(total, "the snapshot is taken by one of the events").to.be.greaterThan(snapshotAt);
    const { root } = this.useAggregate(domain, name);
    await this.seedCount(domain, root, snapshotAt);
    // The handler records a snapshot together with the event of its checkpoint command.
    const type = planFor(domain).checkpoint;
    if (!type) throw new Error(`the ${domain} test domain has no command that records a snapshot`);
    const response = await this.execute({
      domain,
      root,
      type,
      message: sampleMessage(codecFor(type, domain), "snapshot"),
      sequence: snapshotAt,
    });
    expect(response.events?.snapshot, "the checkpoint response carries the snapshot").to.not.equal(undefined);
    await this.seedCount(domain, root, total - snapshotAt - 1);
  },
);

Given("events with correlation ID {string} exist in multiple aggregates", async function (this: AngzarrWorld, id: string) {
  const correlationId = this.correlation(id);
  const roots: string[] = [];
  for (const name of ["correlated-a", "correlated-b", "correlated-c"]) {
    const root = this.rootFor("orders", name);
    await this.seedFacts("orders", root, this.seedPlan("orders", 2), { correlationId });
    roots.push(root);
  }
  this.state(QUERY_CLIENT).correlatedRoots = roots;
});

Given("the query service is unavailable", async function (this: AngzarrWorld) {
  const endpoint = await closedPortEndpoint();
  this.pendingOperation = async () => {
    const client = await this.connectQuery(endpoint);
    const root = this.rootFor("orders", "unreachable");
    return client.query("orders", root).getEventBook({ timeoutMs: 5_000 });
  };
});

// ---- When ---------------------------------------------------------------------------------

When(
  "I query events for {string} root {string} from sequence {int}",
  async function (this: AngzarrWorld, domain: string, name: string, from: number) {
    await this.runQuery({ domain, root: this.rootFor(domain, name), from });
  },
);

When(
  "I query events for {string} root {string} from sequence {int} to {int}",
  async function (this: AngzarrWorld, domain: string, name: string, from: number, to: number) {
    await this.runQuery({ domain, root: this.rootFor(domain, name), from, to });
  },
);

When(
  "I query events for {string} root {string} as of sequence {int}",
  async function (this: AngzarrWorld, domain: string, name: string, asOfSequence: number) {
    await this.runQuery({ domain, root: this.rootFor(domain, name), asOfSequence });
  },
);

When(
  "I query events for {string} root {string} as of time {string}",
  async function (this: AngzarrWorld, domain: string, name: string, asOfTime: string) {
    await this.runQuery({ domain, root: this.rootFor(domain, name), asOfTime });
  },
);

When(
  "I query events for {string} root {string} in edition {string}",
  async function (this: AngzarrWorld, domain: string, name: string, edition: string) {
    await this.runQuery({ domain, root: this.rootFor(domain, name), edition });
  },
);

// GetEvents answers one book per correlated aggregate (GetEventBook would pick one of them).
When("I query events by correlation ID {string}", async function (this: AngzarrWorld, id: string) {
  await this.runQuery({ domain: "orders", correlationId: this.correlation(id), stream: true });
});

When("I query events with empty domain", async function (this: AngzarrWorld) {
  await this.runQuery({ domain: "", root: this.rootFor("orders", "empty-domain") });
});

When("I attempt to query events", async function (this: AngzarrWorld) {
  this.lastBook = undefined;
  this.lastError = undefined;
  try {
    if (this.pendingOperation) this.lastBook = (await this.pendingOperation()) as never;
    else await this.runQuery({ domain: "orders", root: this.rootFor("orders", "attempt") });
  } catch (err) {
    this.lastError = err;
  }
});

// ---- Then ---------------------------------------------------------------------------------

Then("I should receive an EventBook with {int} events", function (this: AngzarrWorld, count: number) {
  const book = this.requireBook();
  expect(book.pages.map(pageSequence), "received sequences").to.have.length(count);
});

Then("I should receive no events", function (this: AngzarrWorld) {
  expect(this.receivedPages()).to.have.length(0);
});

Then("events should be in sequence order {int} to {int}", function (this: AngzarrWorld, from: number, to: number) {
  const expected = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  expect(this.receivedPages().map(pageSequence)).to.deep.equal(expected);
});

Then("the first event should have sequence {int}", function (this: AngzarrWorld, sequence: number) {
  const pages = this.receivedPages();
  expect(pages.length).to.be.greaterThan(0);
  expect(pageSequence(pages[0]!)).to.equal(sequence);
});

Then("the last event should have sequence {int}", function (this: AngzarrWorld, sequence: number) {
  const pages = this.receivedPages();
  expect(pages.length).to.be.greaterThan(0);
  expect(pageSequence(pages[pages.length - 1]!)).to.equal(sequence);
});

Then("the first event should have type {string}", function (this: AngzarrWorld, type: string) {
  const pages = this.receivedPages();
  expect(pages.length).to.be.greaterThan(0);
  const name = pageTypeName(pages[0]!);
  expect(name === type || name.endsWith(`.${type}`), `event type ${name}`).to.equal(true);
});

Then("the first event should have payload {string}", function (this: AngzarrWorld, data: string) {
  const pages = this.receivedPages();
  expect(pages.length).to.be.greaterThan(0);
  const page = pages[0]!;
  expect(page.payload?.$case).to.equal("event");
  expect(anyContainsText(page.payload?.$case === "event" ? page.payload.value : undefined, data), `payload contains "${data}"`).to.equal(true);
});

Then("the next_sequence should be {int}", function (this: AngzarrWorld, next: number) {
  expect(this.requireBook().nextSequence).to.equal(next);
});

Then("I should receive events up to that timestamp", function (this: AngzarrWorld) {
  const query = this.lastQuery!;
  const limit = parseTimestamp(query.asOfTime!);
  const limitText = timestampToRfc3339(limit);
  const seeded = this.seededEvents(query.root!);
  const expected = seeded.filter((e) => e.createdAt && timestampToRfc3339(e.createdAt) <= limitText).length;
  expect(expected, "seeded events at or before the time").to.be.greaterThan(0);
  expect(expected, "seeded events after the time").to.be.lessThan(seeded.length);
  const pages = this.receivedPages();
  expect(pages, "events recorded until then").to.have.length(expected);
  for (const page of pages) {
    expect(page.createdAt, "created_at of a returned event").to.not.equal(undefined);
    expect(timestampToRfc3339(page.createdAt!) <= limitText, `event at ${timestampToRfc3339(page.createdAt!)}`).to.equal(true);
  }
});

Then("I should receive events from that edition only", function (this: AngzarrWorld) {
  const query = this.lastQuery!;
  const edition = query.edition!;
  const book = this.requireBook();
  expect(book.cover?.edition?.name, "edition of the result").to.equal(edition);
  const seeded = this.seededEvents(query.root!, edition);
  expect(seeded.length, "events seeded in the edition").to.be.greaterThan(0);
  expect(book.pages).to.have.length(seeded.length);
  for (const page of book.pages) {
    const any = page.payload?.$case === "event" ? page.payload.value : undefined;
    expect(anyContainsText(any, `${edition}:`), `event ${pageSequence(page)} belongs to ${edition}`).to.equal(true);
  }
});

Then("I should receive events from all correlated aggregates", function (this: AngzarrWorld) {
  const books = this.lastBooks;
  if (!books) throw new Error(`the correlation query failed: ${describeError(this.lastError)}`);
  const expected = this.state(QUERY_CLIENT).correlatedRoots.map((r) => r.replace(/-/g, ""));
  const seen = books.map((b) => Buffer.from(b.cover?.root?.value ?? []).toString("hex"));
  // Every aggregate the scenario wrote is there; downstream work (e.g. a saga reacting to
  // the seeded events under the same correlation ID) may add more correlated aggregates.
  expect(seen).to.include.members(expected);
  expect(new Set(seen).size, "one book per aggregate").to.equal(seen.length);
  for (const book of books) expect(book.pages.length, "events per correlated aggregate").to.be.greaterThan(0);
});

Then("the EventBook should include the snapshot", function (this: AngzarrWorld) {
  expect(this.requireBook().snapshot, "snapshot in the result").to.not.equal(undefined);
});

Then("the EventBook should not include a snapshot", function (this: AngzarrWorld) {
  expect(this.requireBook().snapshot, "snapshot in the result").to.equal(undefined);
});

Then("the returned snapshot should be at sequence {int}", function (this: AngzarrWorld, sequence: number) {
  const snapshot = this.requireBook().snapshot;
  expect(snapshot, "snapshot in the result").to.not.equal(undefined);
  expect(snapshot!.sequence).to.equal(sequence);
});

Then("the operation should fail with connection error", function (this: AngzarrWorld) {
  const err = this.requireError();
  expect(err.isConnectionError(), describeError(err)).to.equal(true);
});

Then("the operation should fail with invalid argument error", function (this: AngzarrWorld) {
  const err = this.requireError();
  expect(err.isInvalidArgument(), describeError(err)).to.equal(true);
});

// The coordinator loads an aggregate from its newest snapshot; a sequence refusal reports that
// state (snapshot plus later pages) in its status details, which shows the snapshot is stored.
Then(
  "a command refused for a stale sequence reports the snapshot at sequence {int} and the events after it",
  async function (this: AngzarrWorld, sequence: number) {
    const { domain, root } = this.requireCurrent();
    const head = await this.currentSequence(domain, root);
    let refusal: unknown;
    try {
      await this.execute({ ...this.commandFor(domain, { sequence: head }), root, sequence: 0 });
    } catch (err) {
      refusal = err;
    }
    const err = refusal as GrpcError | undefined;
    expect(err, "the stale command must be refused").to.not.equal(undefined);
    expect(err!.isPreconditionFailed(), describeError(err)).to.equal(true);
    const state = err!.currentState;
    expect(state?.snapshot?.sequence, "snapshot in the reported state").to.equal(sequence);
    expect(state!.pages.map(pageSequence)).to.deep.equal(Array.from({ length: head - sequence - 1 }, (_, i) => sequence + 1 + i));
    expect(state!.nextSequence).to.equal(head);
  },
);
