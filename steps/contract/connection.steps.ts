/**
 * Phrasings of the shared connection.feature (step-vocabulary.txt section 2). Every connection
 * is real: the test backend (directly or through a counting forwarder), a closed port, an
 * unresolvable name, a missing Unix socket, the fault proxy holding bytes (slow server) or
 * resetting the connection (server disconnects).
 *
 * Endpoint strings in our scenarios may hold placeholders, replaced per scenario:
 *   <backend>      the backend's host:port          <host> / <port>  its parts
 *   <closed-port>  a port where nothing listens     <tmp>            the scenario's temp dir
 *
 * "Connect" is eager in the contract; our clients connect lazily, so the connect steps create
 * the client and make one query through it (a probe of an empty aggregate): its outcome is the
 * connection's.
 */
import { Given, Then, When } from "@cucumber/cucumber";
import { Channel, connectivityState, credentials, type ChannelInterface } from "@grpc/grpc-js";
import { expect } from "chai";
import * as sdk from "../../src/index.js";
import { parseEndpoint } from "../../src/client/endpoint.js";
import { InvalidArgumentError, TransportError, isClientError } from "../../src/errors.js";
import { closedPortEndpoint, startFaultProxy, type FaultProxy } from "../../src/testing/index.js";
import { codecFor, sampleMessage } from "../support/messages.js";
import { StateSlot } from "../support/state-slot.js";
import { AngzarrWorld, CALL_TIMEOUT_MS, describeError } from "../support/world.js";
import { scenarioTempDir, startCountingForwarder, type CountingForwarder } from "../support/forwarder.js";

type AnyClient = sdk.QueryClient | sdk.CommandHandlerClient | sdk.SpeculativeClient | sdk.DomainClient | sdk.Client;

interface ConnState {
  endpoint?: string;
  client?: AnyClient;
  kind?: string;
  /** Milliseconds the probe took (for the timeout check). */
  elapsedMs?: number;
  forwarder?: CountingForwarder;
  proxy?: FaultProxy;
  channel?: ChannelInterface;
  others: AnyClient[];
  /** The client of "a connection that failed". */
  failed?: sdk.QueryClient;
  timeoutMs?: number;
}

const CONNECTION = new StateSlot<ConnState>(() => ({ others: [] }));

function conn(world: AngzarrWorld): ConnState {
  return world.state(CONNECTION);
}

async function expand(world: AngzarrWorld, text: string): Promise<string> {
  let out = text.replace("<backend>", world.backend.endpoint);
  const i = world.backend.endpoint.lastIndexOf(":");
  out = out.replace("<host>", world.backend.endpoint.slice(0, i)).replace("<port>", world.backend.endpoint.slice(i + 1));
  if (out.includes("<closed-port>")) {
    const closed = await closedPortEndpoint();
    out = out.replace("<closed-port>", closed.slice(closed.lastIndexOf(":") + 1));
  }
  if (out.includes("<tmp>")) out = out.replace("<tmp>", await scenarioTempDir(world));
  return out;
}

/** The queries of any client kind. */
function queriesOf(client: AnyClient): sdk.QueryClient {
  if (client instanceof sdk.QueryClient) return client;
  if (client instanceof sdk.DomainClient || client instanceof sdk.Client) return client.queries;
  throw new Error(`a ${client.constructor.name} cannot query`);
}

/** One query of a never-written aggregate: an empty book when the connection works. */
async function probe(world: AngzarrWorld, client: sdk.QueryClient, timeoutMs?: number): Promise<sdk.EventBook> {
  return client.query("orders", world.rootFor("orders", "connection-probe")).getEventBook(timeoutMs ? { timeoutMs } : {});
}

/** Runs the probe, recording the error (a ClientError) instead of throwing it. */
async function probeInto(world: AngzarrWorld, s: ConnState, client: sdk.QueryClient, timeoutMs?: number): Promise<void> {
  world.lastError = undefined;
  const started = Date.now();
  try {
    await probe(world, client, timeoutMs);
  } catch (err) {
    expect(isClientError(err), `expected a ClientError, got ${String(err)}`).to.equal(true);
    world.lastError = err;
  }
  s.elapsedMs = Date.now() - started;
}

function create(world: AngzarrWorld, kind: string, endpoint: string, opts: sdk.ClientOptions = {}): AnyClient {
  switch (kind) {
    case "QueryClient":
      return world.track(sdk.QueryClient.connect(endpoint, opts));
    case "AggregateClient":
    case "CommandHandlerClient":
      return world.track(sdk.CommandHandlerClient.connect(endpoint, opts));
    case "SpeculativeClient":
      return world.track(sdk.SpeculativeClient.connect(endpoint, opts));
    case "DomainClient":
      return world.track(sdk.DomainClient.connect(endpoint, { ...opts, domain: "orders" }));
    case "Client":
      return world.track(sdk.Client.connect(endpoint, opts));
    default:
      throw new Error(`no client type named ${kind}`);
  }
}

/** Creates a QueryClient for the endpoint and probes it: the contract's eager connect. */
async function connectTo(world: AngzarrWorld, endpoint: string, opts: sdk.ClientOptions = {}): Promise<void> {
  const s = conn(world);
  s.endpoint = endpoint;
  s.client = world.attempt(() => create(world, "QueryClient", endpoint, opts));
  if (!s.client) return;
  await probeInto(world, s, s.client as sdk.QueryClient, opts.timeoutMs ? undefined : 5_000);
}

function requireClient(world: AngzarrWorld): AnyClient {
  const client = conn(world).client;
  if (!client) throw new Error(`no client was created: ${describeError(world.lastError)}`);
  return client;
}

function requireConnError(world: AngzarrWorld): sdk.ClientError {
  const err = world.lastError;
  if (err === undefined) throw new Error("expected the connection to fail, but it worked");
  expect(isClientError(err), describeError(err)).to.equal(true);
  return err as sdk.ClientError;
}

function setEnv(world: AngzarrWorld, name: string, value: string | undefined): void {
  const before = process.env[name];
  world.track({
    close: () => {
      if (before === undefined) delete process.env[name];
      else process.env[name] = before;
    },
  });
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

// ---- Given ----------------------------------------------------------------------------------

// The socket is a forwarder to the backend listening on the path (use <tmp>/name.sock).
Given("a Unix socket at {string}", async function (this: AngzarrWorld, socketPath: string) {
  const s = conn(this);
  s.forwarder = await startCountingForwarder(this, { path: await expand(this, socketPath) });
});

Given("environment variable {string} set to {string}", async function (this: AngzarrWorld, name: string, value: string) {
  setEnv(this, name, await expand(this, value));
});

Given("environment variable {string} is not set", function (this: AngzarrWorld, name: string) {
  setEnv(this, name, undefined);
});

// A grpc-js channel of our own, through a counting forwarder so connections can be counted.
Given("an existing gRPC channel", async function (this: AngzarrWorld) {
  const s = conn(this);
  s.forwarder = await startCountingForwarder(this);
  const channel = new Channel(s.forwarder.endpoint, credentials.createInsecure(), {});
  this.track({ close: () => channel.close() });
  s.channel = channel;
});

// A client that has queried the backend through the fault proxy.
Given("an established connection", async function (this: AngzarrWorld) {
  const s = conn(this);
  s.proxy = this.track(await startFaultProxy(this.backend.endpoint));
  s.endpoint = s.proxy.endpoint;
  s.client = this.track(sdk.QueryClient.connect(s.proxy.endpoint));
  await probe(this, s.client, CALL_TIMEOUT_MS);
});

// A client to a closed port whose first call failed.
Given("a connection that failed", async function (this: AngzarrWorld) {
  const s = conn(this);
  s.endpoint = await closedPortEndpoint();
  s.failed = this.track(sdk.QueryClient.connect(s.endpoint));
  await probeInto(this, s, s.failed, 5_000);
  expect(requireConnError(this).isConnectionError(), describeError(this.lastError)).to.equal(true);
});

// ---- When -----------------------------------------------------------------------------------

When("I connect to {string}", async function (this: AngzarrWorld, endpoint: string) {
  await connectTo(this, await expand(this, endpoint));
});

// A slow server: the fault proxy holds every byte; the client's timeout is the given one.
When("I connect with timeout of {int} seconds", async function (this: AngzarrWorld, seconds: number) {
  const s = conn(this);
  s.proxy = this.track(await startFaultProxy(this.backend.endpoint));
  s.proxy.setMode("hold");
  s.timeoutMs = seconds * 1000;
  await connectTo(this, s.proxy.endpoint, { timeoutMs: s.timeoutMs });
});

// keepaliveMs is our keep-alive option; pings are also allowed while no call is active, and the
// client talks through a forwarder that counts the PING frames it sends.
When("I connect with keep-alive enabled", async function (this: AngzarrWorld) {
  const s = conn(this);
  s.forwarder = await startCountingForwarder(this);
  await connectTo(this, s.forwarder.endpoint, {
    keepaliveMs: 1_000,
    channelOptions: { "grpc.keepalive_permit_without_calls": 1 },
  });
  if (this.lastError !== undefined) throw new Error(`connecting failed: ${describeError(this.lastError)}`);
  // Stay idle long enough for a few keep-alive intervals.
  await new Promise((resolve) => setTimeout(resolve, 3_500));
});

When("I call from_env\\({string}, {string}\\)", async function (this: AngzarrWorld, name: string, fallback: string) {
  const s = conn(this);
  // from_env is our QueryClient.fromEnv({ envVar, fallback }).
  s.client = this.track(sdk.QueryClient.fromEnv({ envVar: name, fallback: await expand(this, fallback) }));
  s.endpoint = s.client.endpoint;
});

// from_channel(channel) is our QueryClient.fromChannel(channel).
When("I call from_channel\\(channel\\)", function (this: AngzarrWorld) {
  const s = conn(this);
  if (!s.channel) throw new Error("no channel was set up");
  s.client = this.track(sdk.QueryClient.fromChannel(s.channel));
});

When("I create QueryClient from the channel", function (this: AngzarrWorld) {
  const s = conn(this);
  if (!s.channel) throw new Error("no channel was set up");
  s.client = this.track(sdk.QueryClient.fromChannel(s.channel));
});

// AggregateClient is our CommandHandlerClient.
When("I create AggregateClient from the same channel", function (this: AngzarrWorld) {
  const s = conn(this);
  if (!s.channel) throw new Error("no channel was set up");
  s.others.push(this.track(sdk.CommandHandlerClient.fromChannel(s.channel)));
});

When("I create a {word} connected to {string}", async function (this: AngzarrWorld, kind: string, endpoint: string) {
  const s = conn(this);
  s.kind = kind;
  s.endpoint = await expand(this, endpoint);
  s.client = create(this, kind, s.endpoint);
});

When("I create an AggregateClient connected to {string}", async function (this: AngzarrWorld, endpoint: string) {
  const s = conn(this);
  s.kind = "AggregateClient";
  s.endpoint = await expand(this, endpoint);
  s.client = create(this, "AggregateClient", s.endpoint);
});

// The fault proxy answers the next request frame on the open connection with a TCP RST.
When("the server disconnects", function (this: AngzarrWorld) {
  const s = conn(this);
  if (!s.proxy) throw new Error("no established connection");
  s.proxy.setMode("reset");
});

When("I attempt an operation", async function (this: AngzarrWorld) {
  const s = conn(this);
  await probeInto(this, s, queriesOf(requireClient(this)), 5_000);
});

When("I create a new client with the same endpoint", function (this: AngzarrWorld) {
  const s = conn(this);
  s.client = this.track(sdk.QueryClient.connect(s.endpoint!));
});

// ---- Then: outcome --------------------------------------------------------------------------

Then("the connection should succeed", function (this: AngzarrWorld) {
  const s = conn(this);
  if (this.lastError !== undefined) throw new Error(`the connection failed: ${describeError(this.lastError)}`);
  expect(s.client, "no client").to.not.equal(undefined);
});

Then("the client should be ready for operations", function (this: AngzarrWorld) {
  const client = requireClient(this);
  expect(client.closed).to.equal(false);
  expect(client.channel.getConnectivityState(false)).to.equal(connectivityState.READY);
});

Then("the connection should fail", function (this: AngzarrWorld) {
  requireConnError(this);
});

Then("the operation should fail", function (this: AngzarrWorld) {
  const err = requireConnError(this);
  expect(err).to.be.instanceOf(sdk.ClientError);
});

Then("the error should indicate DNS or connection failure", function (this: AngzarrWorld) {
  const err = requireConnError(this);
  expect(err.isConnectionError(), describeError(err)).to.equal(true);
  expect(err.message).to.match(/name resolution|ENOTFOUND|EAI_AGAIN|ECONNREFUSED/i);
});

Then("the error should indicate connection refused", function (this: AngzarrWorld) {
  const err = requireConnError(this);
  expect(err.isConnectionError(), describeError(err)).to.equal(true);
  expect(err.message).to.match(/ECONNREFUSED/);
});

Then("the error should indicate socket not found", function (this: AngzarrWorld) {
  const err = requireConnError(this);
  expect(err.isConnectionError(), describeError(err)).to.equal(true);
  expect(err.message).to.match(/ENOENT/);
});

Then("the error should indicate invalid format", function (this: AngzarrWorld) {
  const err = requireConnError(this);
  expect(err).to.be.instanceOf(InvalidArgumentError);
  expect(err.message).to.match(/invalid endpoint/);
});

Then("the error should indicate connection lost", function (this: AngzarrWorld) {
  const err = requireConnError(this);
  // TransportError: the SDK's "an established connection broke during a call".
  expect(err, describeError(err)).to.be.instanceOf(TransportError);
  expect(err.isConnectionError()).to.equal(true);
});

// ---- Then: transport and security -----------------------------------------------------------

// http:// is plaintext: the endpoint parses as such and the probe worked against the plaintext backend.
Then("the scheme should be treated as insecure", function (this: AngzarrWorld) {
  const s = conn(this);
  expect(parseEndpoint(s.endpoint!).security).to.equal("plaintext");
  if (this.lastError !== undefined) throw new Error(`the plaintext connection failed: ${describeError(this.lastError)}`);
});

// https:// is TLS: the endpoint parses as such, and the backend (plaintext only) could not be
// reached, because the client insisted on a TLS handshake instead of falling back.
Then("the connection should use TLS", function (this: AngzarrWorld) {
  const s = conn(this);
  expect(parseEndpoint(s.endpoint!).security).to.equal("tls");
  const err = requireConnError(this);
  expect(err.isConnectionError(), describeError(err)).to.equal(true);
});

Then("the client should use UDS transport", function (this: AngzarrWorld) {
  const s = conn(this);
  const client = requireClient(this);
  expect(parseEndpoint(client.endpoint).transport).to.equal("unix");
  expect(s.forwarder?.connections, "nothing connected to the socket").to.be.greaterThan(0);
});

Then("the connection should use {string}", async function (this: AngzarrWorld, endpoint: string) {
  const s = conn(this);
  const expected = await expand(this, endpoint);
  const client = requireClient(this);
  expect(client.endpoint).to.equal(expected);
  if (expected === this.backend.endpoint) {
    await probeInto(this, s, queriesOf(client), CALL_TIMEOUT_MS);
    if (this.lastError !== undefined) throw new Error(`the client could not reach ${expected}: ${describeError(this.lastError)}`);
  }
});

// ---- Then: channel sharing ------------------------------------------------------------------

Then("the client should reuse that channel", async function (this: AngzarrWorld) {
  const s = conn(this);
  expect(requireClient(this).channel).to.equal(s.channel);
  await probeInto(this, s, queriesOf(s.client!), CALL_TIMEOUT_MS);
  if (this.lastError !== undefined) throw new Error(describeError(this.lastError));
});

Then("no new connection should be created", async function (this: AngzarrWorld) {
  const s = conn(this);
  await probe(this, queriesOf(requireClient(this)), CALL_TIMEOUT_MS);
  expect(s.forwarder!.connections).to.equal(1);
});

async function useBoth(world: AngzarrWorld, s: ConnState): Promise<void> {
  await probe(world, queriesOf(requireClient(world)), CALL_TIMEOUT_MS);
  const commands = s.others[0] as sdk.CommandHandlerClient;
  const { domain, root } = world.newAggregate("orders");
  await world.execute({ ...world.commandFor(domain, { sequence: 0 }), root }, commands);
}

Then("both clients should share the connection", async function (this: AngzarrWorld) {
  const s = conn(this);
  expect(s.others, "no second client").to.have.length(1);
  expect(s.others[0]!.channel).to.equal(s.channel);
  expect(requireClient(this).channel).to.equal(s.channel);
  await useBoth(this, s);
});

Then("the connection should only be established once", async function (this: AngzarrWorld) {
  const s = conn(this);
  await useBoth(this, s);
  expect(s.forwarder!.connections).to.equal(1);
});

// ---- Then: what a client can do -------------------------------------------------------------

Then("the client should be able to query events", async function (this: AngzarrWorld) {
  const client = queriesOf(requireClient(this));
  const { domain, root } = this.newAggregate("orders");
  await this.seedCount(domain, root, 2);
  const book = await client.query(domain, root).getEventBook({ timeoutMs: CALL_TIMEOUT_MS });
  expect(book.pages).to.have.length(2);
});

Then("the client should be able to execute commands", async function (this: AngzarrWorld) {
  const client = requireClient(this);
  const commands = client instanceof sdk.CommandHandlerClient ? client : (client as sdk.DomainClient).commands;
  const { domain, root } = this.newAggregate("orders");
  const response = await this.execute({ ...this.commandFor(domain, { sequence: 0 }), root }, commands);
  expect(response.events?.pages.length).to.be.greaterThan(0);
  expect(await this.currentSequence(domain, root)).to.equal(response.events!.pages.length);
});

Then("the client should be able to perform speculative operations", async function (this: AngzarrWorld) {
  const client = requireClient(this);
  const speculative = client instanceof sdk.SpeculativeClient ? client : (client as sdk.Client).speculative;
  const { domain, root } = this.newAggregate("orders");
  const codec = codecFor("CreateOrder", domain);
  const builder = (await this.seeder()).command(domain, root).withCommand(codec, sampleMessage(codec));
  const response = await speculative.speculateCommand(builder, { asOfSequence: 0 }, { timeoutMs: CALL_TIMEOUT_MS });
  expect(response.events?.pages.length).to.be.greaterThan(0);
  // Speculation stores nothing.
  expect(await this.currentSequence(domain, root)).to.equal(0);
});

Then("the client should have aggregate and query sub-clients", function (this: AngzarrWorld) {
  const client = requireClient(this) as sdk.DomainClient;
  expect(client).to.be.instanceOf(sdk.DomainClient);
  expect(client.commands).to.be.instanceOf(sdk.CommandHandlerClient);
  expect(client.queries).to.be.instanceOf(sdk.QueryClient);
});

Then("both should share the same connection", function (this: AngzarrWorld) {
  const client = requireClient(this) as sdk.DomainClient | sdk.Client;
  expect(client.commands.channel).to.equal(client.channel);
  expect(client.queries.channel).to.equal(client.channel);
});

// Client.aggregate is the command client (CommandHandlerClient) under the Angzarr docs' name.
Then("the client should have aggregate, query, and speculative sub-clients", function (this: AngzarrWorld) {
  const client = requireClient(this) as sdk.Client;
  expect(client).to.be.instanceOf(sdk.Client);
  expect(client.aggregate).to.be.instanceOf(sdk.CommandHandlerClient);
  expect(client.queries).to.be.instanceOf(sdk.QueryClient);
  expect(client.speculative).to.be.instanceOf(sdk.SpeculativeClient);
  for (const sub of [client.aggregate, client.queries, client.speculative]) expect(sub.channel).to.equal(client.channel);
});

// ---- Then: timeouts and keep-alive ----------------------------------------------------------

// A deadline never fires early: the call lasted at least the configured timeout and ended in
// DEADLINE_EXCEEDED (only a lower bound; no upper timing bound on a shared machine).
Then("the connection should respect the timeout", function (this: AngzarrWorld) {
  const s = conn(this);
  const err = requireConnError(this);
  expect(err.isDeadlineExceeded(), describeError(err)).to.equal(true);
  expect(s.elapsedMs!).to.be.at.least(s.timeoutMs! - 50);
});

// The failure was the slowness: once the proxy passes bytes again, the same client works.
Then("slow connections should fail after timeout", async function (this: AngzarrWorld) {
  const s = conn(this);
  expect(requireConnError(this).code).to.equal(sdk.Status.DEADLINE_EXCEEDED);
  s.proxy!.setMode("pass");
  await probeInto(this, s, queriesOf(requireClient(this)), CALL_TIMEOUT_MS);
  if (this.lastError !== undefined) throw new Error(`after the server sped up, the call still failed: ${describeError(this.lastError)}`);
});

Then("the connection should send keep-alive probes", function (this: AngzarrWorld) {
  expect(conn(this).forwarder!.pings, "no HTTP/2 PING frame seen").to.be.greaterThan(0);
});

Then("idle connections should remain open", async function (this: AngzarrWorld) {
  const s = conn(this);
  expect(s.forwarder!.open, "the idle connection was closed").to.equal(1);
  await probe(this, queriesOf(requireClient(this)), CALL_TIMEOUT_MS);
  expect(s.forwarder!.connections, "a new connection was opened").to.equal(1);
});

// ---- Then: a new client after a failure -----------------------------------------------------

Then("the new connection should be independent", function (this: AngzarrWorld) {
  const s = conn(this);
  const client = requireClient(this);
  expect(client).to.not.equal(s.failed);
  expect(client.channel).to.not.equal(s.failed!.channel);
  expect(s.failed!.closed).to.equal(false);
});

// Makes the server available on the failed endpoint's port, then uses the new client.
Then("the new connection should succeed if server is available", async function (this: AngzarrWorld) {
  const s = conn(this);
  const port = Number(s.endpoint!.slice(s.endpoint!.lastIndexOf(":") + 1));
  await startCountingForwarder(this, { port });
  await probeInto(this, s, queriesOf(requireClient(this)), CALL_TIMEOUT_MS);
  if (this.lastError !== undefined) throw new Error(`the new client failed: ${describeError(this.lastError)}`);
});
