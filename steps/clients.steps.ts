/**
 * Steps of speculative_client.feature (commands, sagas, process managers, projectors),
 * domain_client.feature and connection.feature.
 */
import os from "node:os";
import path from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import * as sdk from "../src/index.js";
import { computeRoot, makeCover, makeEventBook, makeEventPage } from "../src/core/index.js";
import type { CommandResponse } from "../src/gen/angzarr/command_handler.js";
import type { ProcessManagerHandleResponse } from "../src/gen/angzarr/process_manager.js";
import type { SagaResponse } from "../src/gen/angzarr/saga.js";
import { CascadeErrorMode, SyncMode, type EventBook, type Projection } from "../src/gen/angzarr/types.js";
import { closedPortEndpoint, startFaultProxy, type FaultProxy } from "../src/testing/index.js";
import { codecFor, emptyMessage, pack, sampleMessage, shortName } from "./support/messages.js";
import { AngzarrWorld, CALL_TIMEOUT_MS, describeError, pageSequence, planFor } from "./support/world.js";
import { startCountingForwarder } from "./support/forwarder.js";
import { StateSlot } from "./support/state-slot.js";

/** What the speculative, domain client and connection steps keep between steps. */
interface ClientsState {
  /** Every successful command speculation of the scenario. */
  speculations: CommandResponse[];
  sagaSpeculation?: SagaResponse;
  pmSpeculation?: ProcessManagerHandleResponse;
  projectorSpeculation?: Projection;
  /** The client whose channel a domain client borrowed. */
  channelOwner?: sdk.QueryClient;
  proxy?: FaultProxy;
  /** A port nothing listened on when a client first tried it. */
  latePort?: number;
  elapsedMs?: number;
  client?: sdk.Client;
}

const CLIENTS = new StateSlot<ClientsState>(() => ({ speculations: [] }));

// ---- speculative ----------------------------------------------------------------------------

async function speculative(world: AngzarrWorld): Promise<sdk.SpeculativeClient> {
  world.speculativeClient ??= await world.connectSpeculative();
  return world.speculativeClient;
}

async function speculate(world: AngzarrWorld, domain: string, name: string, type: string, message: Record<string, unknown>, asOfSequence?: number) {
  const root = world.useAggregate(domain, name).root;
  const client = await speculative(world);
  const builder = (await world.seeder()).command(domain, root).withCommand(codecFor(type, domain), message);
  const at = asOfSequence === undefined ? (undefined as never) : { asOfSequence };
  const response = await world.attemptAsync(() => client.speculateCommand(builder, at, { timeoutMs: CALL_TIMEOUT_MS }));
  if (response) world.state(CLIENTS).speculations.push(response);
}

When(
  "I speculate a {string} command on {string} root {string} as of sequence {int}",
  async function (this: AngzarrWorld, type: string, domain: string, name: string, n: number) {
    await speculate(this, domain, name, type, sampleMessage(codecFor(type, domain)), n);
  },
);

When(
  "I speculate a {string} command on {string} root {string} without a point in history",
  async function (this: AngzarrWorld, type: string, domain: string, name: string) {
    await speculate(this, domain, name, type, sampleMessage(codecFor(type, domain)));
  },
);

When("I speculate a command without required fields on {string} root {string}", async function (this: AngzarrWorld, domain: string, name: string) {
  const type = planFor(domain).requiredFields!;
  await speculate(this, domain, name, type, emptyMessage(codecFor(type, domain)), 1_000_000);
});

When("I speculate through a SpeculativeClient connected to an unreachable endpoint", async function (this: AngzarrWorld) {
  this.speculativeClient = await this.connectSpeculative(await closedPortEndpoint());
  await speculate(this, "orders", "unreachable", "CreateOrder", sampleMessage(codecFor("CreateOrder", "orders")), 0);
});

Then("the speculation returns {int} event(s) starting at sequence {int}", function (this: AngzarrWorld, count: number, sequence: number) {
  if (this.lastError !== undefined) throw new Error(`the speculation failed: ${describeError(this.lastError)}`);
  const all = this.state(CLIENTS).speculations;
  expect(all.length).to.be.greaterThan(0);
  for (const response of all) {
    const pages = response.events?.pages ?? [];
    expect(pages.map(pageSequence)).to.deep.equal(Array.from({ length: count }, (_, i) => sequence + i));
  }
});

Then("the speculation fails with precondition error", function (this: AngzarrWorld) {
  const err = this.requireError();
  expect(err.isPreconditionFailed(), describeError(err)).to.equal(true);
});

Then("the speculation fails with invalid argument error", function (this: AngzarrWorld) {
  const err = this.requireError();
  expect(err.isInvalidArgument(), describeError(err)).to.equal(true);
});

Then("the speculation fails with not found error", function (this: AngzarrWorld) {
  const err = this.requireError();
  expect(err.isNotFound(), describeError(err)).to.equal(true);
});

// ---- speculative sagas, process managers and projectors -------------------------------------

/** The scenario's SKU for a name in the step text: unique per scenario, like roots. */
function skuFor(world: AngzarrWorld, name: string): string {
  return world.correlation(name);
}

/** A book that was never stored: ItemAdded events for the SKUs, correlated as the step says ("" = none). */
function itemsBook(world: AngzarrWorld, domain: string, skus: string[], correlation = ""): EventBook {
  const cover = makeCover({ domain, root: world.rootFor(domain, "speculated"), correlationId: correlation && world.correlation(correlation) });
  const codec = codecFor("ItemAdded", "orders");
  return makeEventBook(
    cover,
    skus.map((sku, i) => makeEventPage(i, pack(codec, codec.fromPartial({ sku: skuFor(world, sku), quantity: 1 })))),
  );
}

/** What a speculation answered; fails when it failed. */
function speculationOf<T>(world: AngzarrWorld, answer: (s: ClientsState) => T | undefined): T {
  if (world.lastError !== undefined) throw new Error(`the speculation failed: ${describeError(world.lastError)}`);
  const value = answer(world.state(CLIENTS));
  if (value === undefined) throw new Error("no speculation answered");
  return value;
}

When(
  "I speculate the saga on an {string} book ending in ItemAdded {string} correlated as {string}",
  async function (this: AngzarrWorld, domain: string, sku: string, correlation: string) {
    const client = await speculative(this);
    const source = itemsBook(this, domain, [sku], correlation);
    const request = {
      source,
      syncMode: SyncMode.SYNC_MODE_ASYNC,
      cascadeErrorMode: CascadeErrorMode.CASCADE_ERROR_FAIL_FAST,
      destinationSequences: {},
    };
    this.state(CLIENTS).sagaSpeculation = await this.attemptAsync(() => client.speculateSaga(request, { timeoutMs: CALL_TIMEOUT_MS }));
  },
);

Then(
  "the saga speculation returns {int} {string} command(s) for domain {string} correlated as {string}",
  function (this: AngzarrWorld, count: number, type: string, domain: string, correlation: string) {
    const { commands } = speculationOf(this, (s) => s.sagaSpeculation);
    expect(commands).to.have.length(count);
    for (const command of commands) {
      expect(command.cover?.domain).to.equal(domain);
      expect(command.cover?.correlationId).to.equal(this.correlation(correlation));
      expect(command.pages.map((p) => (p.payload?.$case === "command" ? shortName(p.payload.value.typeUrl) : undefined))).to.deep.equal([type]);
    }
  },
);

Then("no stock has been reserved for item {string}", async function (this: AngzarrWorld, sku: string) {
  const book = await this.readBook("inventory", computeRoot("inventory", skuFor(this, sku)));
  expect(book.pages, "events of the item's inventory aggregate").to.have.length(0);
});

When(
  "I speculate the process manager on an {string} trigger ending in ItemAdded {string} correlated as {string}",
  async function (this: AngzarrWorld, domain: string, sku: string, correlation: string) {
    const client = await speculative(this);
    const request = { trigger: itemsBook(this, domain, [sku], correlation), processState: undefined, destinationSequences: {} };
    this.state(CLIENTS).pmSpeculation = await this.attemptAsync(() => client.speculateProcessManager(request, { timeoutMs: CALL_TIMEOUT_MS }));
  },
);

Then(
  "the process manager speculation returns {int} process event(s) and {int} command(s)",
  function (this: AngzarrWorld, events: number, commands: number) {
    const response = speculationOf(this, (s) => s.pmSpeculation);
    expect(response.processEvents?.pages ?? [], "process events").to.have.length(events);
    expect(response.commands, "commands").to.have.length(commands);
  },
);

Then("no events correlated with {string} exist in domain {string}", async function (this: AngzarrWorld, id: string, domain: string) {
  const books = await (await this.reader()).queryByCorrelation(this.correlation(id)).getEvents({ timeoutMs: CALL_TIMEOUT_MS }).collect();
  expect(books.filter((b) => b.cover?.domain === domain).flatMap((b) => b.pages)).to.have.length(0);
});

When("I speculate the projector on an {string} book with items {string}", async function (this: AngzarrWorld, domain: string, skus: string) {
  const client = await speculative(this);
  const book = itemsBook(this, domain, skus.split(","));
  this.state(CLIENTS).projectorSpeculation = await this.attemptAsync(() => client.speculateProjector(book, { timeoutMs: CALL_TIMEOUT_MS }));
});

Then("the speculative projection counts {int} items in {int} events", function (this: AngzarrWorld, items: number, events: number) {
  const { projection } = speculationOf(this, (s) => s.projectorSpeculation);
  expect(shortName(projection?.typeUrl ?? "")).to.equal("OrderSummary");
  const codec = codecFor("OrderSummary", "orders");
  expect(codec.decode(projection!.value)).to.include({ items, eventsSeen: events });
});

// ---- domain client --------------------------------------------------------------------------

function domainClient(world: AngzarrWorld): sdk.DomainClient {
  if (!world.domainClient) throw new Error("no DomainClient was connected");
  return world.domainClient;
}

async function writeAndRead(world: AngzarrWorld, client: sdk.DomainClient) {
  const builder = client.commandNew();
  const codec = codecFor(planFor(client.domain).create, client.domain);
  const response = await builder.withCommand(codec, sampleMessage(codec)).execute({ timeoutMs: CALL_TIMEOUT_MS });
  const book = await client.getEventBook(builder.root, { timeoutMs: CALL_TIMEOUT_MS });
  return { response, book, root: builder.root };
}

When("the domain client sends a {string} command to a new aggregate", async function (this: AngzarrWorld, type: string) {
  const client = domainClient(this);
  const builder = client.commandNew();
  this.current = { domain: client.domain, name: builder.root, root: builder.root };
  const codec = codecFor(type, client.domain);
  this.lastResponse = await this.attemptAsync(() => builder.withCommand(codec, sampleMessage(codec)).execute({ timeoutMs: CALL_TIMEOUT_MS }));
  this.lastCommandSucceeded = this.lastResponse !== undefined;
});

When("the domain client reads that aggregate", async function (this: AngzarrWorld) {
  const client = domainClient(this);
  this.lastBook = await this.attemptAsync(() => client.getEventBook(this.requireCurrent().root, { timeoutMs: CALL_TIMEOUT_MS }));
});

When("the domain client reads {string} through its query builder", async function (this: AngzarrWorld, name: string) {
  const client = domainClient(this);
  const pages = await this.attemptAsync(() => client.query(this.rootFor(client.domain, name)).getPages({ timeoutMs: CALL_TIMEOUT_MS }));
  this.lastBook = pages ? { pages, nextSequence: 0, cover: undefined, snapshot: undefined } : undefined;
});

Then("its command, query and speculative clients share the domain client's channel", function (this: AngzarrWorld) {
  const client = domainClient(this);
  expect(client.commands.channel).to.equal(client.channel);
  expect(client.queries.channel).to.equal(client.channel);
  expect(client.speculative.channel).to.equal(client.channel);
});

When("the domain client is closed", async function (this: AngzarrWorld) {
  const client = domainClient(this);
  await writeAndRead(this, client);
  await client.close();
});

Then("commands and queries through it fail with a connection error", async function (this: AngzarrWorld) {
  const client = domainClient(this);
  const codec = codecFor(planFor(client.domain).create, client.domain);
  for (const operation of [
    () => client.commandNew().withCommand(codec, sampleMessage(codec)).execute({ timeoutMs: 2_000 }),
    () => client.getEventBook(this.rootFor(client.domain, "after-close"), { timeoutMs: 2_000 }),
  ]) {
    let failure: unknown;
    try {
      await operation();
    } catch (err) {
      failure = err;
    }
    expect(failure, "a call after close() must fail").to.not.equal(undefined);
    expect(failure).to.be.instanceOf(sdk.ConnectionError);
  }
});

Given("the environment variable {string} holds the backend endpoint", function (this: AngzarrWorld, name: string) {
  setEnv(this, name, this.backend.endpoint);
});

Given("the environment variable {string} is empty", function (this: AngzarrWorld, name: string) {
  setEnv(this, name, "");
});

Given("the environment variable {string} is unset", function (this: AngzarrWorld, name: string) {
  setEnv(this, name, undefined);
});

function setEnv(world: AngzarrWorld, name: string, value: string | undefined) {
  const previous = process.env[name];
  world.track({ close: () => (previous === undefined ? delete process.env[name] : (process.env[name] = previous)) });
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

When(
  "I create a domain client for {string} from {string} with an unreachable fallback",
  async function (this: AngzarrWorld, domain: string, variable: string) {
    this.domainClient = this.track(sdk.DomainClient.fromEnv({ envVar: variable, fallback: await closedPortEndpoint(), domain }));
  },
);

When(
  "I create a domain client for {string} from {string} with the backend as fallback",
  function (this: AngzarrWorld, domain: string, variable: string) {
    this.domainClient = this.track(sdk.DomainClient.fromEnv({ envVar: variable, fallback: this.backend.endpoint, domain }));
  },
);

When("I create a domain client for {string} on a channel of another client", async function (this: AngzarrWorld, domain: string) {
  const owner = await this.connectQuery();
  this.state(CLIENTS).channelOwner = owner;
  this.domainClient = this.track(sdk.DomainClient.fromChannel(owner.channel, { domain }));
});

Then("the domain client can write and read an aggregate", async function (this: AngzarrWorld) {
  const { response, book } = await writeAndRead(this, domainClient(this));
  expect(response.events?.pages.length ?? 0).to.be.greaterThan(0);
  expect(book.pages.length).to.equal(response.events!.pages.length);
});

Then("closing the domain client leaves the other client's channel open", async function (this: AngzarrWorld) {
  const client = domainClient(this);
  const owner = this.state(CLIENTS).channelOwner;
  if (!owner) throw new Error("no client lent its channel");
  expect(client.channel).to.equal(owner.channel);
  await client.close();
  const book = await owner.query(client.domain, this.rootFor(client.domain, "owner-still-open")).getEventBook({ timeoutMs: CALL_TIMEOUT_MS });
  expect(book.pages).to.have.length(0);
});

// ---- connection -----------------------------------------------------------------------------

function hostPort(endpoint: string): { host: string; port: number } {
  const i = endpoint.lastIndexOf(":");
  return { host: endpoint.slice(0, i), port: Number(endpoint.slice(i + 1)) };
}

function endpointForm(world: AngzarrWorld, form: string): string {
  const { host, port } = hostPort(world.backend.endpoint);
  return form.replace("<host>", host).replace("<port>", String(port));
}

async function queryThrough(world: AngzarrWorld, client: sdk.QueryClient, timeoutMs = CALL_TIMEOUT_MS) {
  world.lastBook = await world.attemptAsync(() => client.query("orders", world.rootFor("orders", "connection-probe")).getEventBook({ timeoutMs }));
}

When("I connect a QueryClient to the backend written as {string}", async function (this: AngzarrWorld, form: string) {
  const client = await this.attemptAsync(() => this.connectQuery(endpointForm(this, form)));
  if (client) this.queryClient = client;
});

When("I connect a QueryClient to {string}", async function (this: AngzarrWorld, endpoint: string) {
  const client = await this.attemptAsync(() => this.connectQuery(endpoint));
  if (client) this.queryClient = client;
});

When("I connect a QueryClient to a closed port", async function (this: AngzarrWorld) {
  this.queryClient = await this.connectQuery(await closedPortEndpoint());
});

When("I connect a QueryClient over a Unix socket forwarding to the backend", async function (this: AngzarrWorld) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "angzarr-uds-"));
  this.track({ close: () => rm(dir, { recursive: true, force: true }) });
  const socket = path.join(dir, "coordinator.sock");
  await startCountingForwarder(this, { path: socket });
  this.queryClient = await this.connectQuery(`unix://${socket}`);
});

When("I query through it", async function (this: AngzarrWorld) {
  if (!this.queryClient) throw new Error(`no client was created: ${describeError(this.lastError)}`);
  await queryThrough(this, this.queryClient, 5_000);
});

Then("the query through it succeeds", function (this: AngzarrWorld) {
  expect(this.requireBook().pages).to.have.length(0);
});

When("I connect a QueryClient from {string} with fallback {string}", async function (this: AngzarrWorld, variable: string, fallback: string) {
  this.queryClient = this.track(sdk.QueryClient.fromEnv({ envVar: variable, fallback }));
});

When("I connect a QueryClient from {string} with the backend as fallback", async function (this: AngzarrWorld, variable: string) {
  this.queryClient = this.track(sdk.QueryClient.fromEnv({ envVar: variable, fallback: this.backend.endpoint }));
});

Then("the client talks to the backend", async function (this: AngzarrWorld) {
  expect(this.queryClient!.endpoint).to.include(String(hostPort(this.backend.endpoint).port));
  await queryThrough(this, this.queryClient!);
  this.requireBook();
});

Then("the client talks to {string}", function (this: AngzarrWorld, endpoint: string) {
  expect(this.queryClient!.endpoint).to.include(endpoint);
});

When("an AggregateClient and a QueryClient are built on one channel", async function (this: AngzarrWorld) {
  const owner = await this.connectQuery();
  this.queryClient = owner;
  this.aggregateClient = this.track(sdk.CommandHandlerClient.fromChannel(owner.channel));
});

Then("both work through that channel", async function (this: AngzarrWorld) {
  expect(this.aggregateClient!.channel).to.equal(this.queryClient!.channel);
  const { domain, root } = this.newAggregate("orders");
  await this.send({ ...this.commandFor(domain, { sequence: 0 }), root }, this.aggregateClient);
  this.requireResponse();
  await this.runQuery({ domain, root }, this.queryClient);
  expect(this.requireBook().pages.length).to.equal(this.lastResponse!.events!.pages.length);
});

Then("closing the borrowing client leaves the channel usable", async function (this: AngzarrWorld) {
  await this.aggregateClient!.close();
  await queryThrough(this, this.queryClient!);
  this.requireBook();
});

When("a QueryClient has queried the backend through a proxy", async function (this: AngzarrWorld) {
  const proxy = this.track(await startFaultProxy(this.backend.endpoint));
  this.state(CLIENTS).proxy = proxy;
  this.queryClient = await this.connectQuery(proxy.endpoint);
  await queryThrough(this, this.queryClient);
  this.requireBook();
});

When("the proxy goes away", async function (this: AngzarrWorld) {
  const proxy = this.state(CLIENTS).proxy;
  if (!proxy) throw new Error("no proxy was started");
  await proxy.close();
});

Then("the next query fails with a connection error", async function (this: AngzarrWorld) {
  await queryThrough(this, this.queryClient!, 5_000);
  const err = this.requireError();
  expect(err.isConnectionError(), describeError(err)).to.equal(true);
});

function latePort(world: AngzarrWorld): number {
  const port = world.state(CLIENTS).latePort;
  if (port === undefined) throw new Error("no client to a closed port was tried");
  return port;
}

When("a client to a closed port has failed", async function (this: AngzarrWorld) {
  const endpoint = await closedPortEndpoint();
  this.state(CLIENTS).latePort = hostPort(endpoint).port;
  const client = await this.connectQuery(endpoint);
  await queryThrough(this, client, 5_000);
  expect(this.requireError().isConnectionError()).to.equal(true);
});

When("a server starts listening on that port", async function (this: AngzarrWorld) {
  await startCountingForwarder(this, { port: latePort(this) });
});

Then("a new client to that port succeeds", async function (this: AngzarrWorld) {
  const client = await this.connectQuery(`127.0.0.1:${latePort(this)}`);
  await queryThrough(this, client);
  this.requireBook();
});

When("I wait for a client to a closed port to be ready within {int}ms", async function (this: AngzarrWorld, timeoutMs: number) {
  const client = await this.connectQuery(await closedPortEndpoint());
  const started = Date.now();
  await this.attemptAsync(() => client.waitForReady({ timeoutMs }));
  this.state(CLIENTS).elapsedMs = Date.now() - started;
});

Then("waiting fails with a connection error within {int}ms", function (this: AngzarrWorld, limit: number) {
  const err = this.requireError();
  expect(err.isConnectionError(), describeError(err)).to.equal(true);
  expect(this.state(CLIENTS).elapsedMs).to.be.lessThan(limit);
});

// ---- umbrella client ------------------------------------------------------------------------

When("I connect a Client to the backend", function (this: AngzarrWorld) {
  this.state(CLIENTS).client = this.track(sdk.Client.connect(this.backend.endpoint));
});

function umbrellaClient(world: AngzarrWorld): sdk.Client {
  const client = world.state(CLIENTS).client;
  if (!client) throw new Error("no Client was connected");
  return client;
}

Then("the Client's command, query and speculative clients share its channel", function (this: AngzarrWorld) {
  const client = umbrellaClient(this);
  expect(client.commands.channel).to.equal(client.channel);
  expect(client.queries.channel).to.equal(client.channel);
  expect(client.speculative.channel).to.equal(client.channel);
});

Then("a domain client from the Client can write and read an {string} aggregate", async function (this: AngzarrWorld, domain: string) {
  const client = umbrellaClient(this);
  const domainClient = client.domain(domain);
  expect(domainClient.channel).to.equal(client.channel);
  const { response, book } = await writeAndRead(this, domainClient);
  expect(book.pages.length).to.equal(response.events!.pages.length);
  expect(book.pages.length).to.be.greaterThan(0);
});
