/**
 * Steps of aggregate_client.feature (section 1 of step-vocabulary.txt): commands through a
 * CommandHandlerClient (AggregateClient) against the test backend.
 */
import { Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { Status } from "../src/errors.js";
import { SyncMode } from "../src/gen/angzarr/types.js";
import { closedPortEndpoint, startFaultProxy } from "../src/testing/index.js";
import { recordSkip } from "./support/hooks.js";
import { codecFor, emptyMessage, fieldSpellings, fieldsOf } from "./support/messages.js";
import {
  AngzarrWorld,
  CALL_TIMEOUT_MS,
  describeError,
  pageSequence,
  pageTypeName,
  planFor,
  summarizeResponse,
  type SentCommand,
} from "./support/world.js";
import { StateSlot } from "./support/state-slot.js";

/** What the aggregate client steps keep between steps. */
interface AggregateState {
  /** The sequence "I query the current sequence" read, for the retry. */
  currentSequence?: number;
}

const AGGREGATE = new StateSlot<AggregateState>(() => ({}));

// ---- Given --------------------------------------------------------------------------------

Given("an AggregateClient connected to the test backend", async function (this: AngzarrWorld) {
  this.aggregateClient = await this.connectAggregate();
});

Given("a new aggregate root in domain {string}", function (this: AngzarrWorld, domain: string) {
  this.newAggregate(domain);
});

// Names an aggregate without writing to it: the contracts use it both for an aggregate
// that a later command creates and for one that is queried while still empty.
Given("an aggregate {string} with root {string}", function (this: AngzarrWorld, domain: string, name: string) {
  this.useAggregate(domain, name);
});

Given(
  "an aggregate {string} with root {string} at sequence {int}",
  async function (this: AngzarrWorld, domain: string, name: string, sequence: number) {
    const { root } = this.useAggregate(domain, name);
    await this.seedCount(domain, root, sequence);
    expect(await this.currentSequence(domain, root), "seeded aggregate sequence").to.equal(sequence);
  },
);

Given("no aggregate exists for domain {string} root {string}", async function (this: AngzarrWorld, domain: string, name: string) {
  const { root } = this.useAggregate(domain, name);
  const book = await this.readBook(domain, root);
  expect(book.pages, "a fresh root must have no events").to.have.length(0);
});

Given("projectors are configured for {string} domain", function (this: AngzarrWorld, domain: string) {
  if (!this.backend.capabilities.has("projectors")) {
    return recordSkip(this, `the ${this.backend.kind} backend runs no projectors for ${domain}`);
  }
  return undefined;
});

Given("sagas are configured for {string} domain", function (this: AngzarrWorld, domain: string) {
  if (!this.backend.capabilities.has("sagas")) {
    return recordSkip(this, `the ${this.backend.kind} backend runs no sagas for ${domain}`);
  }
  return undefined;
});

Given("the aggregate service is unavailable", async function (this: AngzarrWorld) {
  const endpoint = await closedPortEndpoint();
  this.pendingOperation = async () => {
    const client = await this.connectAggregate(endpoint);
    const { domain, root } = this.current ?? this.newAggregate("orders");
    return this.execute({ ...this.commandFor(domain, { sequence: 0 }), root, timeoutMs: 5_000 }, client);
  };
});

Given("the aggregate service is slow to respond", async function (this: AngzarrWorld) {
  const proxy = this.track(await startFaultProxy(this.backend.endpoint));
  this.aggregateClient = await this.connectAggregate(proxy.endpoint);
  proxy.setMode("hold");
});

// ---- When ---------------------------------------------------------------------------------

/** Expected sequence of the current aggregate, read from the backend. */
async function headOf(world: AngzarrWorld): Promise<{ domain: string; root: string; sequence: number }> {
  const { domain, root } = world.current ?? world.newAggregate("orders");
  return { domain, root, sequence: await world.currentSequence(domain, root) };
}

async function sendDefault(world: AngzarrWorld, patch: Partial<SentCommand> = {}): Promise<void> {
  const { domain, root, sequence } = await headOf(world);
  const command = { ...world.commandFor(domain, { sequence }), root, sequence, ...patch };
  await world.send(command);
}

When("I execute a {string} command with data {string}", async function (this: AngzarrWorld, type: string, data: string) {
  const { domain, root, sequence } = await headOf(this);
  await this.send({ ...this.commandFor(domain, { type, data, sequence }), root });
});

When("I execute a {string} command at sequence {int}", async function (this: AngzarrWorld, type: string, sequence: number) {
  const { domain, root } = this.current ?? this.newAggregate("orders");
  await this.send({ ...this.commandFor(domain, { type, sequence }), root });
});

When(
  "I execute a {string} command for root {string} at sequence {int}",
  async function (this: AngzarrWorld, type: string, name: string, sequence: number) {
    const { domain, root } = this.useAggregate(this.current?.domain ?? "orders", name);
    await this.send({ ...this.commandFor(domain, { type, sequence }), root });
  },
);

When("I execute a command at sequence {int}", async function (this: AngzarrWorld, sequence: number) {
  const { domain, root, sequence: head } = await headOf(this);
  // The command type follows the aggregate's real state; the sequence is the step's.
  await this.send({ ...this.commandFor(domain, { sequence: head }), root, sequence });
});

When("I execute a command with correlation ID {string}", async function (this: AngzarrWorld, id: string) {
  await sendDefault(this, { correlationId: this.correlation(id) });
});

When("I execute a command asynchronously", async function (this: AngzarrWorld) {
  await sendDefault(this, { syncMode: SyncMode.SYNC_MODE_ASYNC });
});

When("I execute a command with sync mode {word}", async function (this: AngzarrWorld, mode: string) {
  const syncMode = SyncMode[`SYNC_MODE_${mode}` as keyof typeof SyncMode];
  expect(syncMode, `unknown sync mode ${mode}`).to.be.a("number");
  // A correlation ID makes downstream work (saga commands, their events) findable afterwards.
  await sendDefault(this, { syncMode, correlationId: this.correlation("sync") });
});

When("I execute a command with timeout {int}ms", async function (this: AngzarrWorld, timeoutMs: number) {
  const { domain, root } = this.current ?? this.newAggregate("orders");
  // No read before the call: the service may be the slow part under test.
  await this.send({ ...this.commandFor(domain, { sequence: 0 }), root, timeoutMs });
});

When("I execute a command with malformed payload", async function (this: AngzarrWorld) {
  const { domain, root, sequence } = await headOf(this);
  const type = codecFor(planFor(domain).append, domain);
  // Field 1 declared as 127 bytes long with one byte present: no decoder can read it.
  const any = { typeUrl: `type.googleapis.com/${type.$type}`, value: Buffer.from([0x0a, 0x7f, 0x61]) };
  this.lastResponse = undefined;
  this.lastError = undefined;
  try {
    this.lastResponse = await this.executeAny(domain, root, any, sequence);
  } catch (err) {
    this.lastError = err;
  }
});

When("I execute a command without required fields", async function (this: AngzarrWorld) {
  const { domain, root, sequence } = await headOf(this);
  const type = planFor(domain).requiredFields;
  if (!type) throw new Error(`the ${domain} test domain has no command with required fields`);
  await this.send({ domain, root, type, message: emptyMessage(codecFor(type, domain)), sequence });
});

When("I execute a command to domain {string}", async function (this: AngzarrWorld, domain: string) {
  const { root } = this.newAggregate(domain);
  await this.send({ ...this.commandFor(domain, { sequence: 0 }), root });
});

When("I execute a command that produces {int} events", async function (this: AngzarrWorld, count: number) {
  const { domain, root, sequence } = await headOf(this);
  const type = planFor(domain).multi[count];
  if (!type) throw new Error(`the ${domain} test domain has no command that produces ${count} events`);
  await this.send({ ...this.commandFor(domain, { type, sequence }), root });
});

When("I query events for {string} root {string}", async function (this: AngzarrWorld, domain: string, name: string) {
  const { root } = this.useAggregate(domain, name);
  await this.runQuery({ domain, root });
});

When("I query the current sequence for {string} root {string}", async function (this: AngzarrWorld, domain: string, name: string) {
  const root = this.rootFor(domain, name);
  this.state(AGGREGATE).currentSequence = await this.currentSequence(domain, root);
});

When("I retry the command at the correct sequence", async function (this: AngzarrWorld) {
  const last = this.lastCommand;
  if (!last) throw new Error("no command was sent before the retry");
  const sequence = this.state(AGGREGATE).currentSequence ?? (await this.currentSequence(last.domain, last.root));
  await this.send({ ...last, sequence });
});

When("two commands are sent concurrently at sequence {int}", async function (this: AngzarrWorld, sequence: number) {
  const { domain, root, sequence: head } = await headOf(this);
  const command = { ...this.commandFor(domain, { sequence: head }), root, sequence };
  const client = await this.commandClient();
  const settled = await Promise.allSettled([this.execute(command, client), this.execute(command, client)]);
  this.outcomes = settled.map((s) => (s.status === "fulfilled" ? { ok: true, value: s.value } : { ok: false, error: s.reason as unknown }));
});

When("I attempt to execute a command", async function (this: AngzarrWorld) {
  this.lastResponse = undefined;
  this.lastError = undefined;
  try {
    if (this.pendingOperation) this.lastResponse = (await this.pendingOperation()) as never;
    else await sendDefault(this);
  } catch (err) {
    this.lastError = err;
  }
});

// ---- Then ---------------------------------------------------------------------------------

Then("the command should succeed", function (this: AngzarrWorld) {
  this.requireResponse();
});

Then("the command should fail", function (this: AngzarrWorld) {
  this.requireError();
});

Then("the command should fail with precondition error", function (this: AngzarrWorld) {
  const err = this.requireError();
  expect(err.isPreconditionFailed(), describeError(err)).to.equal(true);
  expect(err.code).to.equal(Status.FAILED_PRECONDITION);
});

Then("the command should fail with invalid argument error", function (this: AngzarrWorld) {
  const err = this.requireError();
  expect(err.isInvalidArgument(), describeError(err)).to.equal(true);
});

Then("the error should indicate sequence mismatch", function (this: AngzarrWorld) {
  const err = this.requireError();
  expect(err.isPreconditionFailed(), describeError(err)).to.equal(true);
  expect(err.message).to.match(/sequence/i);
  expect(err.message).to.match(/mismatch|conflict|expect/i);
});

Then("the error message should describe the missing field", function (this: AngzarrWorld) {
  const err = this.requireError();
  const command = this.lastCommand!;
  const codec = codecFor(command.type, command.domain);
  const missing = fieldsOf(codec)
    .filter(([key]) => {
      const value = command.message[key];
      return value === "" || value === 0 || value === undefined;
    })
    .map(([key]) => key);
  const named = missing.filter((key) => fieldSpellings(key).some((s) => err.message.includes(s)));
  // eslint-disable-next-line @typescript-eslint/no-unused-expressions -- chai property assertion
  expect(named, `"${err.message}" should name one of ${missing.join(", ")}`).to.not.be.empty;
  expect(err.message).to.match(/missing|required|empty|must/i);
});

Then("the error should indicate unknown domain", function (this: AngzarrWorld) {
  const err = this.requireError();
  const domain = this.lastCommand!.domain;
  expect(err.message, "the refusal names the domain").to.include(domain);
  expect(err.isNotFound() || /unknown|not found|no route|not registered|no aggregate/i.test(err.message), describeError(err)).to.equal(true);
});

Then(/^the response should contain (\d+) events?$/, function (this: AngzarrWorld, count: string) {
  const pages = this.responsePages();
  expect(pages, JSON.stringify(summarizeResponse(this.lastResponse))).to.have.length(Number(count));
});

Then("the event should have type {string}", function (this: AngzarrWorld, type: string) {
  const pages = this.responsePages();
  expect(pages.length, "events in the response").to.be.greaterThan(0);
  const name = pageTypeName(pages[0]!);
  expect(name === type || name.endsWith(`.${type}`), `event type ${name}`).to.equal(true);
});

Then("the response should contain events starting at sequence {int}", function (this: AngzarrWorld, sequence: number) {
  const pages = this.responsePages();
  expect(pages.length).to.be.greaterThan(0);
  expect(pageSequence(pages[0]!)).to.equal(sequence);
});

Then("the response events should have correlation ID {string}", function (this: AngzarrWorld, id: string) {
  const response = this.requireResponse();
  expect(response.events?.pages.length ?? 0, "events in the response").to.be.greaterThan(0);
  expect(response.events?.cover?.correlationId).to.equal(this.correlation(id));
});

Then("events should have sequences {int}, {int}, {int}", function (this: AngzarrWorld, a: number, b: number, c: number) {
  const pages = this.lastResponse ? this.responsePages() : this.requireBook().pages;
  expect(pages.map(pageSequence)).to.deep.equal([a, b, c]);
});

Then("I should see all {int} events or none", function (this: AngzarrWorld, count: number) {
  const book = this.requireBook();
  // Events stored after the history the command expected: all of the command's, or none.
  const before = this.lastCommand?.sequence ?? 0;
  const added = book.pages.map(pageSequence).filter((s) => s >= before);
  expect([0, count], `stored ${added.length} of the command's events`).to.include(added.length);
  expect(added.length).to.equal(this.lastCommandSucceeded ? count : 0);
});

Then("one should succeed", function (this: AngzarrWorld) {
  const ok = this.outcomes.filter((o) => o.ok);
  expect(ok, this.outcomes.map((o) => (o.ok ? "ok" : describeError(o.error))).join("; ")).to.have.length(1);
});

Then("one should fail with precondition error", function (this: AngzarrWorld) {
  const failed = this.outcomes.filter((o): o is { ok: false; error: unknown } => !o.ok);
  expect(failed).to.have.length(1);
  const err = failed[0]!.error as { isPreconditionFailed?: () => boolean; code?: number };
  expect(err.isPreconditionFailed?.(), describeError(err)).to.equal(true);
});

Then("the aggregate operation should fail with connection error", function (this: AngzarrWorld) {
  const err = this.requireError();
  expect(err.isConnectionError(), describeError(err)).to.equal(true);
});

Then("the operation should fail with timeout or deadline error", function (this: AngzarrWorld) {
  const err = this.requireError();
  expect(err.code === Status.DEADLINE_EXCEEDED || /deadline|timeout|timed out/i.test(err.message), describeError(err)).to.equal(true);
});

Then("the aggregate should now exist with {int} event", async function (this: AngzarrWorld, count: number) {
  const { domain, root } = this.requireCurrent();
  const book = await this.readBook(domain, root);
  expect(book.pages).to.have.length(count);
});

Then("the response should return without waiting for projectors", function (this: AngzarrWorld) {
  const response = this.requireResponse();
  expect(response.projections, "an asynchronous command carries no projections").to.have.length(0);
});

Then("the response should include projector results", function (this: AngzarrWorld) {
  const response = this.requireResponse();
  expect(response.projections.length, "projections in the response").to.be.greaterThan(0);
  const { root } = this.lastCommand!;
  const ours = response.projections.filter((p) => p.cover?.root && Buffer.from(p.cover.root.value).toString("hex") === root.replace(/-/g, ""));
  expect(ours.length, "a projection of the commanded aggregate").to.be.greaterThan(0);
  for (const p of ours) {
    expect(p.projector, "projector name").to.not.equal("");
    expect(p.projection, "projection payload").to.not.equal(undefined);
  }
});

Then("the response should include downstream saga results", async function (this: AngzarrWorld) {
  const response = this.requireResponse();
  const command = this.lastCommand!;
  // CASCADE returns after the sagas ran: their commands' events are already stored, found
  // through the correlation ID the source command carried.
  const books = await (
    await this.reader()
  )
    .query(command.domain, command.root)
    .byCorrelationId(command.correlationId!)
    .getEvents({ timeoutMs: CALL_TIMEOUT_MS })
    .collect();
  const downstream = books.filter((b) => b.cover?.domain !== command.domain && b.pages.length > 0);
  expect(downstream.length, `downstream books in ${JSON.stringify(books.map((b) => b.cover?.domain))}`).to.be.greaterThan(0);
  expect(response.events?.pages.length ?? 0).to.be.greaterThan(0);
});
