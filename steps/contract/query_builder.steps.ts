/**
 * Phrasings of the shared query_builder.feature (step-vocabulary.txt section 2), driving the
 * SDK's real QueryBuilder: setters, build(), and getEventBook()/getPages() against the test
 * backend. The shared file speaks Python (snake_case setters, get_events/get_pages,
 * client.query_domain); each step maps the name to ours and says so.
 *
 * State lives in the QUERY_BUILDER slot (see {@link QbState}); failures go to world.lastError.
 */
import { Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import type * as sdk from "../../src/index.js";
import { parseTimestamp, protoToUuid } from "../../src/core/index.js";
import { InvalidTimestampError, isClientError } from "../../src/errors.js";
import type { EventBook, Query, TimeInput } from "../../src/index.js";
import { AngzarrWorld, CALL_TIMEOUT_MS, describeError } from "../support/world.js";
import { QUERY_BUILDER, type QbState } from "./support/query-builder-state.js";

function state(world: AngzarrWorld): QbState {
  const s = world.state(QUERY_BUILDER).current;
  if (!s) throw new Error("no query was started by an earlier step");
  return s;
}

/** Starts a new builder under test: a new query, so no failure yet. */
function begin(world: AngzarrWorld, s: QbState): QbState {
  world.state(QUERY_BUILDER).current = s;
  world.lastError = undefined;
  return s;
}

async function start(world: AngzarrWorld, domain: string, rootName?: string): Promise<QbState> {
  const client = await world.queryClientOrDefault();
  const root = rootName === undefined ? "" : world.useAggregate(domain, rootName).root;
  // Our QueryClient.query(domain, root) takes the root as a UUID string; "" means none (checked by build()).
  return begin(world, { builder: client.query(domain, root), domain, calls: [] });
}

/**
 * The setters the steps call, by our method name. Arguments come unchecked from step text and
 * doc strings: the builder itself must refuse bad ones.
 */
const SETTERS: Record<string, (builder: sdk.QueryBuilder, args: unknown[]) => unknown> = {
  range: (b, [lower]) => b.range(lower as number),
  rangeTo: (b, [lower, upper]) => b.rangeTo(lower as number, upper as number),
  sequences: (b, [values]) => b.sequences(values as number[]),
  asOfSequence: (b, [n]) => b.asOfSequence(n as number),
  asOfTime: (b, [time]) => b.asOfTime(time as TimeInput),
  withEdition: (b, [name]) => b.withEdition(name as string),
  byCorrelationId: (b, [id]) => b.byCorrelationId(id as string),
};

/** Calls one setter (our camelCase name), recording the first ClientError instead of failing the step. */
function apply(world: AngzarrWorld, method: string, args: unknown[]): void {
  const s = state(world);
  s.calls.push([method, args]);
  try {
    const setter = SETTERS[method];
    if (!setter) throw new Error(`QueryBuilder has no method ${method}`);
    setter(s.builder!, args);
  } catch (err) {
    if (!isClientError(err)) throw err;
    world.lastError ??= err;
  }
}

/** The built Query (build() runs once, on first use). */
function built(world: AngzarrWorld): Query {
  const s = state(world);
  if (world.lastError !== undefined) throw new Error(`query building failed: ${describeError(world.lastError)}`);
  if (!s.built) {
    try {
      s.built = s.builder!.build();
    } catch (err) {
      world.lastError = err;
      throw new Error(`query building failed: ${describeError(err)}`, { cause: err });
    }
  }
  return s.built;
}

/** Builds, keeping a ClientError as the outcome (for "query building should fail"). */
function tryBuild(world: AngzarrWorld): void {
  const s = state(world);
  if (world.lastError !== undefined || s.built) return;
  try {
    s.built = s.builder!.build();
  } catch (err) {
    if (!isClientError(err)) throw err;
    world.lastError = err;
  }
}

// Python snake_case method names of the contract -> ours.
const METHOD_NAMES: Record<string, string> = {
  range: "range",
  as_of_sequence: "asOfSequence",
  as_of_time: "asOfTime",
  by_correlation_id: "byCorrelationId",
  edition: "withEdition",
  sequences: "sequences",
};

/**
 * Runs a chain written in the doc string, e.g. `client.query("orders", "order-1").edition("b").range(10).build()`:
 * the query(...) call starts the builder (the root is a named root, like everywhere in the steps),
 * each further call is applied to the real builder; `range(a, b)` is our `rangeTo(a, b)`.
 */
async function runChain(world: AngzarrWorld, text: string): Promise<void> {
  const calls = [...text.matchAll(/\.?(\w+)\(([^)]*)\)/g)].map((m) => ({
    name: m[1]!,
    args: m[2]!.trim() === "" ? [] : (JSON.parse(`[${m[2]}]`) as unknown[]),
  }));
  const first = calls.shift();
  if (!first || first.name !== "query") throw new Error(`the chain must start with query(domain, root): ${text}`);
  const [domain, root] = first.args as [string, string | undefined];
  await start(world, domain, root);
  for (const call of calls) {
    if (call.name === "build") {
      tryBuild(world);
      continue;
    }
    const ours = call.name === "range" && call.args.length === 2 ? "rangeTo" : METHOD_NAMES[call.name];
    if (!ours) throw new Error(`no QueryBuilder method for ${call.name}`);
    apply(world, ours, call.args);
  }
}

// ---- When -----------------------------------------------------------------------------------

When("I build a query for domain {string}", async function (this: AngzarrWorld, domain: string) {
  await start(this, domain);
});

When("I build a query for domain {string} root {string}", async function (this: AngzarrWorld, domain: string, name: string) {
  await start(this, domain, name);
});

When("I build a query for domain {string} without root", async function (this: AngzarrWorld, domain: string) {
  await start(this, domain);
  tryBuild(this);
});

When("I build a query using fluent chaining:", async function (this: AngzarrWorld, doc: string) {
  await runChain(this, doc);
});

When("I build a query with:", async function (this: AngzarrWorld, doc: string) {
  await runChain(this, doc);
});

// get_events in the Python client returns the EventBook: our getEventBook().
When("I build and get_events for domain {string} root {string}", async function (this: AngzarrWorld, domain: string, name: string) {
  const s = await start(this, domain, name);
  try {
    s.book = await s.builder!.getEventBook({ timeoutMs: CALL_TIMEOUT_MS });
  } catch (err) {
    this.lastError = err;
  }
});

// get_pages: our getPages().
When("I build and get_pages for domain {string} root {string}", async function (this: AngzarrWorld, domain: string, name: string) {
  const s = await start(this, domain, name);
  try {
    s.pages = await s.builder!.getPages({ timeoutMs: CALL_TIMEOUT_MS });
  } catch (err) {
    this.lastError = err;
  }
});

// "root" in the step is the scenario's current aggregate (set by an earlier Given).
When("I call client.query\\({string}, root\\)", async function (this: AngzarrWorld, domain: string) {
  const { root } = this.requireCurrent();
  const client = await this.queryClientOrDefault();
  begin(this, { builder: client.query(domain, root), domain, calls: [] });
});

// Python's client.query_domain(domain) is our client.query(domain, "") — a builder without a
// root, which build() accepts once byCorrelationId is set.
When("I call client.query_domain\\({string}\\)", async function (this: AngzarrWorld, domain: string) {
  await start(this, domain);
});

When("I set as_of_sequence to {int}", function (this: AngzarrWorld, n: number) {
  apply(this, "asOfSequence", [n]);
});

When("I set as_of_time to {string}", function (this: AngzarrWorld, time: string) {
  state(this).asOfTime = time;
  apply(this, "asOfTime", [time]);
});

When("I set by_correlation_id to {string}", function (this: AngzarrWorld, id: string) {
  apply(this, "byCorrelationId", [id]);
});

When("I set edition to {string}", function (this: AngzarrWorld, name: string) {
  apply(this, "withEdition", [name]);
});

When("I set range from {int}", function (this: AngzarrWorld, lower: number) {
  apply(this, "range", [lower]);
});

// range(lower, upper) in the contract is our rangeTo(lower, upper) (both bounds inclusive).
When("I set range from {int} to {int}", function (this: AngzarrWorld, lower: number, upper: number) {
  apply(this, "rangeTo", [lower, upper]);
});

// ---- Then: the built query ------------------------------------------------------------------

Then("the query build should succeed", function (this: AngzarrWorld) {
  const query = built(this);
  expect(query.cover?.domain).to.equal(state(this).domain);
});

Then("query building should fail", function (this: AngzarrWorld) {
  tryBuild(this);
  const s = state(this);
  expect(s.built, "expected building the query to fail").to.equal(undefined);
  expect(isClientError(this.lastError), `expected a ClientError, got ${String(this.lastError)}`).to.equal(true);
  expect((this.lastError as sdk.ClientError).isInvalidArgument(), describeError(this.lastError)).to.equal(true);
});

Then("the error should indicate invalid timestamp", function (this: AngzarrWorld) {
  state(this); // a query was started
  expect(this.lastError, "expected an invalid timestamp error").to.be.instanceOf(InvalidTimestampError);
  expect((this.lastError as Error).message).to.match(/timestamp/i);
});

Then("the built query should have domain {string}", function (this: AngzarrWorld, domain: string) {
  expect(built(this).cover?.domain).to.equal(domain);
});

Then("the built query should have root {string}", function (this: AngzarrWorld, name: string) {
  const query = built(this);
  expect(protoToUuid(query.cover?.root)).to.equal(this.rootFor(query.cover!.domain, name));
});

Then("the built query should have no root", function (this: AngzarrWorld) {
  expect(built(this).cover?.root).to.equal(undefined);
});

Then("the built query should have correlation ID {string}", function (this: AngzarrWorld, id: string) {
  expect(built(this).cover?.correlationId).to.equal(id);
});

Then("the built query should have edition {string}", function (this: AngzarrWorld, name: string) {
  expect(built(this).cover?.edition?.name).to.equal(name);
});

Then("the built query should have no edition", function (this: AngzarrWorld) {
  expect(built(this).cover?.edition).to.equal(undefined);
});

// No edition on the cover is how a Query names the main timeline.
Then("the query should target main timeline", function (this: AngzarrWorld) {
  const query = built(this);
  expect(query.cover?.edition?.name ?? "").to.equal("");
});

Then("the built query should have range selection", function (this: AngzarrWorld) {
  expect(built(this).selection?.$case).to.equal("range");
});

Then("the built query should have temporal selection", function (this: AngzarrWorld) {
  expect(built(this).selection?.$case).to.equal("temporal");
});

function rangeOf(world: AngzarrWorld) {
  const selection = built(world).selection;
  if (selection?.$case !== "range") throw new Error(`expected a range selection, got ${selection?.$case}`);
  return selection.value;
}

function pointInTime(world: AngzarrWorld) {
  const selection = built(world).selection;
  if (selection?.$case !== "temporal") throw new Error(`expected a temporal selection, got ${selection?.$case}`);
  return selection.value.pointInTime;
}

Then("the range lower bound should be {int}", function (this: AngzarrWorld, lower: number) {
  expect(rangeOf(this).lower).to.equal(lower);
});

Then("the range upper bound should be {int}", function (this: AngzarrWorld, upper: number) {
  expect(rangeOf(this).upper).to.equal(upper);
});

Then("the range upper bound should be empty", function (this: AngzarrWorld) {
  expect(rangeOf(this).upper).to.equal(undefined);
});

Then("the point_in_time should be sequence {int}", function (this: AngzarrWorld, n: number) {
  expect(pointInTime(this)).to.deep.equal({ $case: "asOfSequence", value: n });
});

Then("the point_in_time should be the parsed timestamp", function (this: AngzarrWorld) {
  const input = state(this).asOfTime;
  if (input === undefined) throw new Error("no as_of_time was set");
  const point = pointInTime(this);
  expect(point?.$case).to.equal("asOfTime");
  // Independent check of the parse: the same instant as JavaScript's own reading of the text.
  const expectedMs = Date.parse(input);
  const got = point!.$case === "asOfTime" ? point!.value : undefined;
  expect(got!.seconds * 1000 + got!.nanos / 1e6).to.equal(expectedMs);
  expect(got).to.deep.equal(parseTimestamp(input));
});

Then("the query should have temporal selection \\(last set\\)", function (this: AngzarrWorld) {
  const s = state(this);
  const last = [...s.calls].reverse().find(([m]) => ["range", "rangeTo", "sequences", "asOfSequence", "asOfTime"].includes(m));
  expect(last?.[0], "the last selection set was not a temporal one").to.match(/^asOf/);
  expect(built(this).selection?.$case).to.equal("temporal");
});

Then("the range selection should be replaced", function (this: AngzarrWorld) {
  const s = state(this);
  expect(
    s.calls.some(([m]) => m === "range" || m === "rangeTo"),
    "no range was set before",
  ).to.equal(true);
  expect(built(this).selection?.$case).to.not.equal("range");
});

Then("all chained query values should be preserved", function (this: AngzarrWorld) {
  const s = state(this);
  const query = built(this);
  expect(s.calls.length, "nothing was chained").to.be.greaterThan(0);
  for (const [method, args] of s.calls) {
    switch (method) {
      case "withEdition":
        expect(query.cover?.edition?.name).to.equal(args[0]);
        break;
      case "byCorrelationId":
        expect(query.cover?.correlationId).to.equal(args[0]);
        break;
      case "range":
        expect(query.selection).to.deep.equal({ $case: "range", value: { lower: args[0], upper: undefined } });
        break;
      case "rangeTo":
        expect(query.selection).to.deep.equal({ $case: "range", value: { lower: args[0], upper: args[1] } });
        break;
      case "asOfSequence":
        expect(query.selection).to.deep.equal({ $case: "temporal", value: { pointInTime: { $case: "asOfSequence", value: args[0] } } });
        break;
      default:
        throw new Error(`no check for chained ${method}`);
    }
  }
});

// ---- Then: running the query ----------------------------------------------------------------

function ranBook(world: AngzarrWorld): EventBook {
  const s = state(world);
  if (world.lastError !== undefined) throw new Error(`the query failed: ${describeError(world.lastError)}`);
  if (!s.book) throw new Error("no EventBook was returned");
  return s.book;
}

Then("an EventBook should be returned", function (this: AngzarrWorld) {
  const book = ranBook(this);
  expect(book.cover?.domain).to.equal(state(this).domain);
  expect(book.nextSequence).to.equal(book.pages.length);
});

// The backend's query service answered: the book names our aggregate and holds exactly the
// events the scenario stored there (which only the service can know).
Then("the query should be sent to the query service", function (this: AngzarrWorld) {
  const book = ranBook(this);
  const { root } = this.requireCurrent();
  expect(protoToUuid(book.cover?.root)).to.equal(root);
  expect(book.pages.length).to.equal(this.seededEvents(root).length);
});

Then("only the event pages should be returned", function (this: AngzarrWorld) {
  const s = state(this);
  if (this.lastError !== undefined) throw new Error(`the query failed: ${describeError(this.lastError)}`);
  expect(Array.isArray(s.pages), "expected an array of pages").to.equal(true);
  const { root } = this.requireCurrent();
  expect(s.pages!.length).to.equal(this.seededEvents(root).length);
  for (const page of s.pages!) expect(page.payload?.$case).to.equal("event");
});

// get_pages gives the book's pages and nothing else: the same pages the full book carries,
// as a plain array without the book's cover, snapshot or next_sequence.
Then("the EventBook metadata should be stripped", async function (this: AngzarrWorld) {
  const s = state(this);
  const pages = s.pages;
  if (!pages) throw new Error("no pages were returned");
  for (const key of ["cover", "nextSequence", "snapshot"]) expect(pages).to.not.have.property(key);
  const { root } = this.requireCurrent();
  const book = await this.readBook(s.domain, root);
  expect(book.cover?.domain).to.equal(s.domain);
  expect(pages).to.deep.equal(book.pages);
});

// ---- Then: client shortcuts -----------------------------------------------------------------

Then("I can chain by_correlation_id", function (this: AngzarrWorld) {
  const id = this.correlation("chained");
  apply(this, "byCorrelationId", [id]);
  const query = built(this);
  expect(query.cover?.correlationId).to.equal(id);
  expect(query.cover?.root).to.equal(undefined);
});
