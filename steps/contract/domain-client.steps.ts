/**
 * Contract phrasings of the shared domain-client.feature (step-vocabulary.txt section 2),
 * driving the SDK's real DomainClient (connect, fromEnv, command/commandNew/query builders,
 * close) against the test backend's coordinator.
 *
 * "a running aggregate coordinator for domain X" is the test backend (a real coordinator);
 * the step checks that it answers for X. "a registered aggregate handler for domain X" is
 * checked with a real command. The shared file's domain "test" is our "orders" domain (the one
 * every backend serves a handler for).
 * State lives in world.domainClient and the DOMAIN_CLIENT slot; a failed call is world.lastError.
 */
import { Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import * as sdk from "../../src/index.js";
import { headerSequence, newRoot, protoToUuid } from "../../src/core/index.js";
import { ConnectionError } from "../../src/errors.js";
import type { CommandResponse } from "../../src/gen/angzarr/command_handler.js";
import type { EventBook, EventPage } from "../../src/gen/angzarr/types.js";
import { CreateOrder } from "../../examples/gen/examples/orders.js";
import { StateSlot } from "../support/state-slot.js";
import { AngzarrWorld, CALL_TIMEOUT_MS, describeError } from "../support/world.js";

const CALL = { timeoutMs: CALL_TIMEOUT_MS };

/** What the domain client steps sent and read. */
interface DomainClientState {
  /** The domain of "a running aggregate coordinator for domain ...". */
  domain?: string;
  /** Root of the aggregate the last command went to. */
  root?: string;
  response?: CommandResponse;
  book?: EventBook;
  pages?: EventPage[];
}

const DOMAIN_CLIENT = new StateSlot<DomainClientState>(() => ({}));

function domainOf(world: AngzarrWorld): string {
  return world.state(DOMAIN_CLIENT).domain ?? "orders";
}

function client(world: AngzarrWorld): sdk.DomainClient {
  if (!world.domainClient) throw new Error("no DomainClient was created by an earlier step");
  return world.domainClient;
}

async function create(world: AngzarrWorld, domain: string): Promise<sdk.DomainClient> {
  world.domainClient = await world.connectDomain(world.backend.endpoint, domain);
  return world.domainClient;
}

/** Sends CreateOrder to a new aggregate through the client's builder; records the response. */
async function sendCreate(world: AngzarrWorld, builder: sdk.CommandBuilder): Promise<void> {
  const s = world.state(DOMAIN_CLIENT);
  s.root = builder.root;
  s.response = undefined;
  world.lastError = undefined;
  try {
    s.response = await builder.withCommand(CreateOrder, { customerId: `customer-${world.nonce}` }).execute(CALL);
  } catch (err) {
    world.lastError = err;
  }
}

function response(world: AngzarrWorld): CommandResponse {
  const err = world.lastError;
  if (err !== undefined) throw new Error(`the command failed: ${describeError(err)}`);
  const r = world.state(DOMAIN_CLIENT).response;
  if (!r) throw new Error("no command was sent by an earlier step");
  return r;
}

// ---- Givens -------------------------------------------------------------------------

Given("a running aggregate coordinator for domain {string}", async function (this: AngzarrWorld, domain: string) {
  this.state(DOMAIN_CLIENT).domain = domain;
  // The backend answers a query for the domain: a never-written root reads as an empty book.
  const book = await this.readBook(domain, newRoot());
  expect(book.pages).to.have.length(0);
});

Given("a registered aggregate handler for domain {string}", async function (this: AngzarrWorld, domain: string) {
  // A command reaches the domain's handler, which answers with its event.
  const { root } = this.newAggregate(domain);
  const stored = await this.execute({ ...this.commandFor(domain, { sequence: 0 }), root });
  expect(stored.events?.pages, "the handler's events").to.have.length.greaterThan(0);
  this.current = undefined;
});

Given("a connected DomainClient", async function (this: AngzarrWorld) {
  const dc = await create(this, domainOf(this));
  await dc.waitForReady(CALL);
});

Given("environment variable {string} is set to the coordinator endpoint", function (this: AngzarrWorld, name: string) {
  const previous = process.env[name];
  process.env[name] = this.backend.endpoint;
  // Restored after the scenario (world.closeables run in reverse order).
  this.track({
    close: () => {
      if (previous === undefined) delete process.env[name];
      else process.env[name] = previous;
    },
  });
});

// ---- Whens --------------------------------------------------------------------------

When("I create a DomainClient for domain {string}", async function (this: AngzarrWorld, domain: string) {
  await create(this, domain);
});

When("I create a DomainClient for the coordinator endpoint", async function (this: AngzarrWorld) {
  await create(this, domainOf(this));
});

When("I create a DomainClient from environment variable {string}", function (this: AngzarrWorld, name: string) {
  // The fallback is a port where nothing listens, so only the variable's endpoint can connect.
  this.domainClient = this.track(sdk.DomainClient.fromEnv({ envVar: name, fallback: "127.0.0.1:9", domain: domainOf(this) }));
});

When("I send a command", async function (this: AngzarrWorld) {
  await sendCreate(this, client(this).commandNew());
});

When("I use the command builder to send a command", async function (this: AngzarrWorld) {
  const dc = client(this);
  await sendCreate(this, dc.command(this.newAggregate(dc.domain).root));
});

When("I query for the resulting events", async function (this: AngzarrWorld) {
  const s = this.state(DOMAIN_CLIENT);
  if (s.root === undefined) throw new Error("no command was sent by an earlier step");
  try {
    s.book = await client(this).getEventBook(s.root, CALL);
  } catch (err) {
    this.lastError = err;
  }
});

When("I use the query builder to fetch events for that root", async function (this: AngzarrWorld) {
  const dc = client(this);
  const { root } = this.requireCurrent();
  try {
    this.state(DOMAIN_CLIENT).pages = await dc.query(root).getPages(CALL);
  } catch (err) {
    this.lastError = err;
  }
});

When("I close the DomainClient", async function (this: AngzarrWorld) {
  await client(this).close();
});

// ---- Thens --------------------------------------------------------------------------

Then("I should be able to query events", async function (this: AngzarrWorld) {
  const book = await client(this).getEventBook(newRoot(), CALL);
  expect(book.pages, "a new root's history").to.have.length(0);
});

Then("I should be able to send commands", async function (this: AngzarrWorld) {
  await sendCreate(this, client(this).commandNew());
  expect(response(this).events?.pages).to.have.length(1);
});

Then("I should receive a CommandResponse", function (this: AngzarrWorld) {
  const events = response(this).events;
  expect(protoToUuid(events?.cover?.root)).to.equal(this.state(DOMAIN_CLIENT).root);
  expect(events?.pages.map((p) => headerSequence(p.header))).to.deep.equal([0]);
});

Then("I should receive {int} EventPages", function (this: AngzarrWorld, count: number) {
  const err = this.lastError;
  if (err !== undefined) throw new Error(`the query failed: ${describeError(err)}`);
  const pages = this.state(DOMAIN_CLIENT).pages;
  expect(pages, "pages were fetched").to.not.equal(undefined);
  expect(pages!.map((p) => headerSequence(p.header))).to.deep.equal(Array.from({ length: count }, (_, i) => i));
});

Then("both operations should succeed on the same connection", function (this: AngzarrWorld) {
  const dc = client(this);
  const sent = response(this).events!;
  const book = this.state(DOMAIN_CLIENT).book;
  expect(book, `the query: ${describeError(this.lastError)}`).to.not.equal(undefined);
  expect(book!.pages).to.deep.equal(sent.pages);
  expect(dc.commands.channel, "commands and queries share one channel").to.equal(dc.queries.channel);
  expect(dc.channel).to.equal(dc.commands.channel);
});

Then("subsequent commands should fail with ConnectionError", async function (this: AngzarrWorld) {
  const dc = client(this);
  const attempt = dc.commandNew().withCommand(CreateOrder, { customerId: "after-close" }).execute(CALL);
  const err = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the command after close").to.be.instanceOf(ConnectionError);
});

Then("subsequent queries should fail with ConnectionError", async function (this: AngzarrWorld) {
  const err = await client(this)
    .getEventBook(newRoot(), CALL)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err, "the query after close").to.be.instanceOf(ConnectionError);
});

Then("the DomainClient should be connected", async function (this: AngzarrWorld) {
  const dc = client(this);
  expect(dc.closed).to.equal(false);
  expect(dc.endpoint).to.equal(this.backend.endpoint);
  await dc.waitForReady(CALL);
  const book = await dc.getEventBook(newRoot(), CALL);
  expect(book.pages).to.have.length(0);
});
