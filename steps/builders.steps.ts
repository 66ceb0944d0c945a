/**
 * Steps of command_builder.feature and query_builder.feature: the fluent builders, checked
 * through what they build and, where it matters, through calls to the test backend.
 */
import { Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { parseTimestamp, protoToUuid } from "../src/core/index.js";
import { isUuid } from "../src/core/uuid.js";
import type { QueryBuilder } from "../src/client/query-builder.js";
import { MergeStrategy, SyncMode, type CommandRequest, type EventPage, type Query } from "../src/gen/angzarr/types.js";
import { anyContainsText, codecFor, sampleMessage } from "./support/messages.js";
import { StateSlot } from "./support/state-slot.js";
import { AngzarrWorld, CALL_TIMEOUT_MS, pageSequence } from "./support/world.js";

/** What the builder steps built or fetched, for the Then steps. */
interface BuilderState {
  builtCommand?: CommandRequest;
  builtQuery?: Query;
  /** Roots of two commandNew builders. */
  newRoots?: string[];
  pages?: EventPage[];
}

const BUILDERS = new StateSlot<BuilderState>(() => ({}));

function built(world: AngzarrWorld): CommandRequest {
  const request = world.state(BUILDERS).builtCommand;
  if (!request) throw new Error(`no command was built: ${String(world.lastError)}`);
  return request;
}

function builtQuery(world: AngzarrWorld): Query {
  const query = world.state(BUILDERS).builtQuery;
  if (!query) throw new Error(`no query was built: ${String(world.lastError)}`);
  return query;
}

// ---- command builder ----------------------------------------------------------------------

When(
  "I build a {string} command for {string} root {string} with data {string}",
  async function (this: AngzarrWorld, type: string, domain: string, name: string, data: string) {
    const client = await this.commandClient();
    const codec = codecFor(type, domain);
    this.state(BUILDERS).builtCommand = this.attempt(() =>
      client.command(domain, this.rootFor(domain, name)).withCommand(codec, sampleMessage(codec, data)).build(),
    );
  },
);

When(
  "I build a {string} command for {string} root {string} at sequence {int} with correlation ID {string}, merge strategy {word} and sync mode {word}",
  async function (
    this: AngzarrWorld,
    type: string,
    domain: string,
    name: string,
    sequence: number,
    correlationId: string,
    merge: string,
    sync: string,
  ) {
    const client = await this.commandClient();
    const codec = codecFor(type, domain);
    this.state(BUILDERS).builtCommand = this.attempt(() =>
      client
        .command(domain, this.rootFor(domain, name))
        .withCommand(codec, sampleMessage(codec))
        .withSequence(sequence)
        .withCorrelationId(correlationId)
        .withMergeStrategy(MergeStrategy[merge as keyof typeof MergeStrategy])
        .withSyncMode(SyncMode[sync as keyof typeof SyncMode])
        .build(),
    );
  },
);

When("I start two commands for new {string} aggregates", async function (this: AngzarrWorld, domain: string) {
  const client = await this.commandClient();
  this.state(BUILDERS).newRoots = [client.commandNew(domain).root, client.commandNew(domain).root];
});

When(/^I build a command with (domain|root|correlation ID|edition) "([^"]*)"$/, async function (this: AngzarrWorld, part: string, value: string) {
  const client = await this.commandClient();
  const codec = codecFor("CreateOrder", "orders");
  this.attempt(() => {
    const domain = part === "domain" ? value : "orders";
    const root = part === "root" ? value : this.rootFor("orders", "malformed");
    let builder = client.command(domain, root).withCommand(codec, sampleMessage(codec));
    if (part === "correlation ID") builder = builder.withCorrelationId(value);
    if (part === "edition") builder = builder.withEdition(value);
    return builder.build();
  });
  expect(this.lastError, `a command with ${part} "${value}" was built`).to.not.equal(undefined);
});

When(
  "I execute a command at sequence {int} that retries on sequence mismatch up to {int} attempts",
  async function (this: AngzarrWorld, sequence: number, attempts: number) {
    const { domain, root } = this.requireCurrent();
    const head = await this.currentSequence(domain, root);
    const command = { ...this.commandFor(domain, { sequence: head }), root, sequence };
    const client = await this.commandClient();
    const codec = codecFor(command.type, domain);
    this.lastCommand = command;
    this.lastError = undefined;
    try {
      this.lastResponse = await client
        .command(domain, root)
        .withCommand(codec, command.message)
        .withSequence(sequence)
        .retryOnSequenceMismatch(attempts)
        .execute({ timeoutMs: CALL_TIMEOUT_MS });
    } catch (err) {
      this.lastError = err;
    }
  },
);

Then("the built command targets domain {string} and root {string}", function (this: AngzarrWorld, domain: string, name: string) {
  const cover = built(this).command?.cover;
  expect(cover?.domain).to.equal(domain);
  expect(protoToUuid(cover?.root)).to.equal(this.rootFor(domain, name));
});

Then("the built command's type URL names {string}", function (this: AngzarrWorld, fullName: string) {
  const page = built(this).command!.pages[0]!;
  expect(page.payload?.$case).to.equal("command");
  const url = page.payload?.$case === "command" ? page.payload.value.typeUrl : "";
  expect(url.slice(url.lastIndexOf("/") + 1)).to.equal(fullName);
});

Then("the built command's payload contains {string}", function (this: AngzarrWorld, data: string) {
  const page = built(this).command!.pages[0]!;
  expect(anyContainsText(page.payload?.$case === "command" ? page.payload.value : undefined, data)).to.equal(true);
});

Then("the built command expects sequence {int}", function (this: AngzarrWorld, sequence: number) {
  const header = built(this).command!.pages[0]!.header?.sequenceType;
  expect(header).to.deep.equal({ $case: "sequence", value: sequence });
});

Then("the built command uses merge strategy {word}", function (this: AngzarrWorld, name: string) {
  expect(built(this).command!.pages[0]!.mergeStrategy).to.equal(MergeStrategy[name as keyof typeof MergeStrategy]);
});

Then("the built command uses sync mode {word}", function (this: AngzarrWorld, name: string) {
  expect(built(this).syncMode).to.equal(SyncMode[name as keyof typeof SyncMode]);
});

Then("the built command has no correlation ID", function (this: AngzarrWorld) {
  expect(built(this).command!.cover!.correlationId).to.equal("");
});

Then("the built command has correlation ID {string}", function (this: AngzarrWorld, id: string) {
  expect(built(this).command!.cover!.correlationId).to.equal(id);
});

Then("each builder has a version 4 UUID root", function (this: AngzarrWorld) {
  for (const root of this.state(BUILDERS).newRoots ?? []) {
    expect(isUuid(root), root).to.equal(true);
    expect(root[14], `version nibble of ${root}`).to.equal("4");
  }
});

Then("the two roots differ", function (this: AngzarrWorld) {
  const [a, b] = this.state(BUILDERS).newRoots ?? [];
  expect(a).to.not.equal(b);
});

Then("the error message mentions {string}", function (this: AngzarrWorld, text: string) {
  expect((this.lastError as Error).message).to.include(text);
});

// ---- query builder ------------------------------------------------------------------------

async function buildQuery(world: AngzarrWorld, domain: string, name: string, shape: (b: QueryBuilder) => QueryBuilder) {
  const client = await world.queryClientOrDefault();
  world.state(BUILDERS).builtQuery = world.attempt(() => shape(client.query(domain, world.rootFor(domain, name))).build());
}

When("I build a query for {string} root {string}", async function (this: AngzarrWorld, domain: string, name: string) {
  await buildQuery(this, domain, name, (b) => b);
});

When(
  "I build a query for {string} root {string} from sequence {int}",
  async function (this: AngzarrWorld, domain: string, name: string, from: number) {
    await buildQuery(this, domain, name, (b) => b.range(from));
  },
);

When(
  "I build a query for {string} root {string} from sequence {int} to {int}",
  async function (this: AngzarrWorld, domain: string, name: string, from: number, to: number) {
    await buildQuery(this, domain, name, (b) => b.rangeTo(from, to));
  },
);

When("I build a query for {string} root {string} as of sequence {int}", async function (this: AngzarrWorld, domain: string, name: string, n: number) {
  await buildQuery(this, domain, name, (b) => b.asOfSequence(n));
});

When(
  "I build a query for {string} root {string} as of time {string}",
  async function (this: AngzarrWorld, domain: string, name: string, time: string) {
    await buildQuery(this, domain, name, (b) => b.asOfTime(time));
  },
);

When(
  "I build a query for {string} root {string} in edition {string}",
  async function (this: AngzarrWorld, domain: string, name: string, edition: string) {
    await buildQuery(this, domain, name, (b) => b.withEdition(edition));
  },
);

When(
  "I build a query for {string} root {string} from sequence {int} and then as of sequence {int}",
  async function (this: AngzarrWorld, domain: string, name: string, from: number, n: number) {
    await buildQuery(this, domain, name, (b) => b.range(from).asOfSequence(n));
  },
);

When("I build a query by correlation ID {string}", async function (this: AngzarrWorld, id: string) {
  const client = await this.queryClientOrDefault();
  this.state(BUILDERS).builtQuery = this.attempt(() => client.queryByCorrelation(id).build());
});

When(
  "I query sequences {int}, {int} and {int} of {string} root {string}",
  async function (this: AngzarrWorld, a: number, b: number, c: number, domain: string, name: string) {
    await this.runQuery({ domain, root: this.rootFor(domain, name), sequences: [a, b, c] });
  },
);

When("I fetch the pages of {string} root {string}", async function (this: AngzarrWorld, domain: string, name: string) {
  const client = await this.queryClientOrDefault();
  this.state(BUILDERS).pages = await client.query(domain, this.rootFor(domain, name)).getPages({ timeoutMs: CALL_TIMEOUT_MS });
});

When("I stream the events of {string} root {string}", async function (this: AngzarrWorld, domain: string, name: string) {
  await this.runQuery({ domain, root: this.rootFor(domain, name), stream: true });
});

Then("the built query targets domain {string} and root {string}", function (this: AngzarrWorld, domain: string, name: string) {
  const cover = builtQuery(this).cover;
  expect(cover?.domain).to.equal(domain);
  expect(protoToUuid(cover?.root)).to.equal(this.rootFor(domain, name));
});

Then("the built query has no selection", function (this: AngzarrWorld) {
  expect(builtQuery(this).selection).to.equal(undefined);
});

Then("the built query reads the main timeline", function (this: AngzarrWorld) {
  expect(builtQuery(this).cover?.edition?.name ?? "").to.equal("");
});

Then("the built query reads edition {string}", function (this: AngzarrWorld, name: string) {
  expect(builtQuery(this).cover?.edition?.name).to.equal(name);
});

Then("the built query selects sequences {int} to the end", function (this: AngzarrWorld, lower: number) {
  expect(builtQuery(this).selection).to.deep.equal({ $case: "range", value: { lower, upper: undefined } });
});

Then("the built query selects sequences {int} to {int}", function (this: AngzarrWorld, lower: number, upper: number) {
  expect(builtQuery(this).selection).to.deep.equal({ $case: "range", value: { lower, upper } });
});

Then("the built query is as of sequence {int}", function (this: AngzarrWorld, n: number) {
  expect(builtQuery(this).selection).to.deep.equal({
    $case: "temporal",
    value: { pointInTime: { $case: "asOfSequence", value: n } },
  });
});

Then("the built query is as of time {string}", function (this: AngzarrWorld, time: string) {
  expect(builtQuery(this).selection).to.deep.equal({
    $case: "temporal",
    value: { pointInTime: { $case: "asOfTime", value: parseTimestamp(time) } },
  });
});

Then("the built query has correlation ID {string}", function (this: AngzarrWorld, id: string) {
  expect(builtQuery(this).cover?.correlationId).to.equal(id);
});

Then("the built query has no root", function (this: AngzarrWorld) {
  expect(builtQuery(this).cover?.root).to.equal(undefined);
});

Then("the received sequences are {int}, {int}, {int}", function (this: AngzarrWorld, a: number, b: number, c: number) {
  expect(this.receivedPages().map(pageSequence)).to.deep.equal([a, b, c]);
});

Then("{int} pages come back in sequence order", function (this: AngzarrWorld, count: number) {
  const pages = this.state(BUILDERS).pages;
  expect(pages, "pages were fetched").to.not.equal(undefined);
  expect(pages!.map(pageSequence)).to.deep.equal(Array.from({ length: count }, (_, i) => i));
});

Then("{int} book with {int} events arrives", function (this: AngzarrWorld, books: number, events: number) {
  expect(this.lastBooks, String(this.lastError)).to.have.length(books);
  expect(this.lastBooks![0]!.pages).to.have.length(events);
});
