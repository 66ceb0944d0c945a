/**
 * Contract phrasings of the shared command_builder.feature (step-vocabulary.txt section 2),
 * driving the SDK's real CommandBuilder (setters, build(), execute() against the test
 * backend's coordinator) and the client shortcuts command()/commandNew().
 *
 * Names of the other SDKs, mapped to ours:
 *   "a mock GatewayClient / CommandHandlerClient"  -> a real CommandHandlerClient on the test
 *        backend ("mock" because the other SDKs fake the gateway; building never calls it,
 *        executing calls the real coordinator). "a mock QueryClient" -> a real QueryClient.
 *   client.command_new(domain)  -> commandNew(domain): generates a v4 root (CONTRACTS.md part C #5,
 *        the parity decision), so it never yields a builder "with no root set".
 *   with_correlation_id / with_sequence / with_command / with_merge_strategy (doc strings) ->
 *        withCorrelationId / withSequence / withCommand / withMergeStrategy.
 *   named roots ("order-001") -> the scenario's UUID for that name (roots are UUIDs).
 * Type and payload: our builder takes both in one call, withCommand(typeName, bytes); a step
 * that sets only one passes what a caller would have for the other ("" / no bytes), and the
 * SDK refuses it at once.
 * State lives in world.notes under "b.cb" (the builder under test) and "b.shortcut".
 */
import { Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import * as sdk from "../../src/index.js";
import { headerSequence, isUuid, protoToUuid, typeNameFromUrl } from "../../src/core/index.js";
import { InvalidArgumentError } from "../../src/errors.js";
import type { CommandResponse } from "../../src/gen/angzarr/command_handler.js";
import { MergeStrategy, type CommandRequest } from "../../src/gen/angzarr/types.js";
import { CreateOrder } from "../../examples/gen/examples/orders.js";
import { codecFor, sampleMessage } from "../support/messages.js";
import { AngzarrWorld, CALL_TIMEOUT_MS, describeError } from "../support/world.js";

interface CbState {
  domain: string;
  /** Makes the builder (client.command / commandNew); called once, when the builder is first needed. */
  make: () => sdk.CommandBuilder;
  builder?: sdk.CommandBuilder;
  typeName?: string;
  payload?: Uint8Array;
  correlationId?: string;
  sequence?: number;
  merge?: MergeStrategy;
  built?: CommandRequest;
  error?: unknown;
  response?: CommandResponse;
  /** Method calls a doc-string chain made, in order. */
  calls: Array<[string, unknown[]]>;
}

function cb(world: AngzarrWorld): CbState {
  const s = world.notes.get("b.cb") as CbState | undefined;
  if (!s) throw new Error("no command was started by an earlier step");
  return s;
}

async function commandClient(world: AngzarrWorld): Promise<sdk.CommandHandlerClient> {
  return world.aggregateClient ?? (await world.commandClient());
}

function startCb(world: AngzarrWorld, domain: string, make: () => sdk.CommandBuilder): CbState {
  const s: CbState = { domain, make, calls: [] };
  world.notes.set("b.cb", s);
  return s;
}

/** Applies what the steps set and builds, once; keeps the SDK's error as the outcome. */
function build(world: AngzarrWorld): CbState {
  const s = cb(world);
  if (s.built || s.error !== undefined) return s;
  try {
    const b = (s.builder ??= s.make());
    if (s.typeName !== undefined || s.payload !== undefined) {
      b.withCommand(s.typeName === undefined ? "" : codecFor(s.typeName, s.domain).$type, s.payload as Uint8Array);
    }
    if (s.correlationId !== undefined) b.withCorrelationId(s.correlationId);
    if (s.sequence !== undefined) b.withSequence(s.sequence);
    if (s.merge !== undefined) b.withMergeStrategy(s.merge);
    s.built = b.build();
  } catch (err) {
    s.error = err;
  }
  return s;
}

function built(world: AngzarrWorld): CommandRequest {
  const s = build(world);
  if (!s.built) throw new Error(`building the command failed: ${describeError(s.error)}`);
  return s.built;
}

function sampleBytes(type: string, domain: string, data: string): Uint8Array {
  const codec = codecFor(type, domain);
  return codec.encode(sampleMessage(codec, data)).finish();
}

function strategy(word: string): MergeStrategy {
  const table = MergeStrategy as unknown as Record<string, number>;
  const value = table[word] ?? table[`MERGE_${word}`];
  if (value === undefined) throw new Error(`unknown merge strategy ${word}`);
  return value;
}

// ---- Givens -------------------------------------------------------------------------

Given("a mock {word} for testing", async function (this: AngzarrWorld, kind: string) {
  // Our clients are real: the "mock" is a client on the test backend.
  if (kind === "QueryClient") this.queryClient ??= await this.connectQuery();
  else if (["GatewayClient", "CommandHandlerClient", "AggregateClient"].includes(kind)) this.aggregateClient ??= await this.connectAggregate();
  else throw new Error(`no client named ${kind}`);
});

Given("a {word} implementation", async function (this: AngzarrWorld, kind: string) {
  if (kind === "QueryClient") this.queryClient ??= await this.connectQuery();
  else if (["GatewayClient", "CommandHandlerClient", "AggregateClient"].includes(kind)) this.aggregateClient ??= await this.connectAggregate();
  else throw new Error(`no client named ${kind}`);
});

Given("a builder configured for domain {string}", async function (this: AngzarrWorld, domain: string) {
  // Our builders are per command; what is configured for a domain and makes them is a DomainClient.
  this.notes.set("b.domainClient", await this.connectDomain(this.backend.endpoint, domain));
});

// ---- Whens --------------------------------------------------------------------------

When("I build a command for domain {string} root {string}", async function (this: AngzarrWorld, domain: string, name: string) {
  const client = await commandClient(this);
  const root = this.rootFor(domain, name);
  startCb(this, domain, () => client.command(domain, root));
});

When("I build a command for domain {string}", async function (this: AngzarrWorld, domain: string) {
  // No root given: our builder has root "" and build() refuses it.
  const client = await commandClient(this);
  const s = startCb(this, domain, () => client.command(domain, ""));
  s.builder = s.make();
  this.notes.set("b.shortcut", { builder: s.builder, domain, root: "" });
});

When("I build a command for new aggregate in domain {string}", async function (this: AngzarrWorld, domain: string) {
  const client = await commandClient(this);
  const s = startCb(this, domain, () => client.commandNew(domain));
  s.typeName = "CreateOrder";
  s.payload = sampleBytes("CreateOrder", domain, `customer-${this.nonce}`);
});

When("I set the command type to {string}", function (this: AngzarrWorld, type: string) {
  cb(this).typeName = type;
});

When("I set the command payload", function (this: AngzarrWorld) {
  const s = cb(this);
  s.payload = sampleBytes(s.typeName ?? "CreateOrder", s.domain, `customer-${this.nonce}`);
});

When("I set the command type and payload", function (this: AngzarrWorld) {
  const s = cb(this);
  s.typeName = "CreateOrder";
  s.payload = sampleBytes("CreateOrder", s.domain, `customer-${this.nonce}`);
});

When("I do NOT set the command type", function (this: AngzarrWorld) {
  const s = cb(this);
  s.typeName = undefined;
  s.payload ??= sampleBytes("CreateOrder", s.domain, `customer-${this.nonce}`);
});

When("I do NOT set the payload", function (this: AngzarrWorld) {
  const s = cb(this);
  s.typeName ??= "CreateOrder";
  s.payload = undefined;
});

When("I set correlation ID to {string}", function (this: AngzarrWorld, id: string) {
  cb(this).correlationId = id;
});

When("I set sequence to {int}", function (this: AngzarrWorld, sequence: number) {
  cb(this).sequence = sequence;
});

When("I build a command with merge strategy {word}", async function (this: AngzarrWorld, word: string) {
  const client = await commandClient(this);
  const s = startCb(this, "orders", () => client.commandNew("orders"));
  s.typeName = "CreateOrder";
  s.payload = sampleBytes("CreateOrder", "orders", `customer-${this.nonce}`);
  s.merge = strategy(word);
});

When("I build a command without specifying merge strategy", async function (this: AngzarrWorld) {
  const client = await commandClient(this);
  const s = startCb(this, "orders", () => client.commandNew("orders"));
  s.typeName = "CreateOrder";
  s.payload = sampleBytes("CreateOrder", "orders", `customer-${this.nonce}`);
});

When("I build and execute a command for domain {string}", async function (this: AngzarrWorld, domain: string) {
  const client = await commandClient(this);
  const s = startCb(this, domain, () => client.commandNew(domain));
  s.builder = s.make();
  s.builder.withCommand(CreateOrder, { customerId: `customer-${this.nonce}` });
  s.built = s.builder.build();
  try {
    s.response = await s.builder.execute({ timeoutMs: CALL_TIMEOUT_MS });
  } catch (err) {
    s.error = err;
  }
});

When("I create two commands with different roots", function (this: AngzarrWorld) {
  const client = this.notes.get("b.domainClient") as sdk.DomainClient | undefined;
  if (!client) throw new Error("no builder was configured by an earlier step");
  const first = client
    .command(this.rootFor(client.domain, "first"))
    .withCommand(CreateOrder, { customerId: "first-customer" })
    .withCorrelationId(this.correlation("first"))
    .withSequence(2);
  const second = client.command(this.rootFor(client.domain, "second")).withCommand(CreateOrder, { customerId: "second-customer" });
  const firstBuilt = first.build();
  const secondBuilt = second.build();
  this.notes.set("b.two", { first, second, firstBuilt, secondBuilt });
});

When("I call client.command\\({string}, root\\)", async function (this: AngzarrWorld, domain: string) {
  // "root" is the scenario's current aggregate (a new one when no earlier step named one).
  const root = (this.current ?? this.newAggregate(domain)).root;
  const client = await commandClient(this);
  this.notes.set("b.shortcut", { builder: client.command(domain, root), domain, root });
});

When("I call client.command_new\\({string}\\)", async function (this: AngzarrWorld, domain: string) {
  const client = await commandClient(this);
  const builder = client.commandNew(domain);
  // commandNew generates the root (v4 UUID); "that root" is the generated one.
  this.notes.set("b.shortcut", { builder, domain, root: builder.root, generated: true });
});

/** Runs a chain written in Python style, mapping each call to ours. */
async function runChain(world: AngzarrWorld, text: string): Promise<CbState> {
  const client = await commandClient(world);
  const calls = [...text.matchAll(/\.?(\w+)\(([^)]*)\)/g)].map((m) => [m[1]!, parseArgs(m[2]!)] as [string, unknown[]]);
  const [head, ...rest] = calls;
  if (!head || !["command", "command_new", "commandNew"].includes(head[0])) throw new Error(`chain must start with client.command(...): ${text}`);
  const domain = String(head[1][0]);
  let make: () => sdk.CommandBuilder;
  if (head[0] === "command") {
    const arg = head[1][1];
    const root = typeof arg === "string" ? world.rootFor(domain, arg) : (world.current ?? world.newAggregate(domain)).root;
    make = () => client.command(domain, root);
  } else {
    make = () => client.commandNew(domain);
  }
  const s = startCb(world, domain, make);
  s.calls.push(head);
  const b = (s.builder = make());
  for (const [method, args] of rest) {
    s.calls.push([method, args]);
    switch (method) {
      case "with_correlation_id":
      case "withCorrelationId":
        b.withCorrelationId(String(args[0]));
        break;
      case "with_sequence":
      case "withSequence":
        b.withSequence(Number(args[0]));
        break;
      case "with_merge_strategy":
      case "withMergeStrategy":
        b.withMergeStrategy(strategy(argText(args[0])));
        break;
      case "with_command":
      case "withCommand": {
        const type = String(args[0]);
        const codec = codecFor(type, domain);
        b.withCommand(codec as never, sampleMessage(codec, `customer-${world.nonce}`) as never);
        break;
      }
      case "build":
        s.built = b.build();
        break;
      case "execute":
        s.built = undefined;
        s.response = await b.execute({ timeoutMs: CALL_TIMEOUT_MS });
        break;
      default:
        throw new Error(`CommandBuilder has no counterpart for ${method}`);
    }
  }
  return s;
}

/** A doc-string argument as text: a quoted string's content or a bare name. */
function argText(arg: unknown): string {
  return typeof arg === "object" && arg !== null && "name" in arg ? String((arg as { name: string }).name) : String(arg);
}

/** Arguments of a call in a doc string: "text", integers, bare names (payload, root, STRICT). */
function parseArgs(text: string): unknown[] {
  return text
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "")
    .map((a) => (/^".*"$/.test(a) ? a.slice(1, -1) : /^\d+$/.test(a) ? Number(a) : { name: a }));
}

When("I build a command using fluent chaining:", async function (this: AngzarrWorld, chain: string) {
  await runChain(this, chain);
});

When("I use the builder to execute directly:", async function (this: AngzarrWorld, chain: string) {
  await runChain(this, chain);
});

// ---- Thens --------------------------------------------------------------------------

Then("the build should succeed", function (this: AngzarrWorld) {
  const s = build(this);
  expect(s.error, describeError(s.error)).to.equal(undefined);
  expect(s.built?.command?.pages).to.have.length(1);
});

Then("building should fail", function (this: AngzarrWorld) {
  const s = build(this);
  expect(s.built, "a command was built").to.equal(undefined);
  expect(s.error).to.be.instanceOf(InvalidArgumentError);
});

Then("the error should indicate missing type URL", function (this: AngzarrWorld) {
  const err = build(this).error;
  expect(err).to.be.instanceOf(InvalidArgumentError);
  expect((err as Error).message).to.match(/type name is empty/);
});

Then("the error should indicate missing payload", function (this: AngzarrWorld) {
  const err = build(this).error;
  expect(err).to.be.instanceOf(InvalidArgumentError);
  expect((err as Error).message).to.match(/bytes must be a Uint8Array/);
});

Then("the built command should have domain {string}", function (this: AngzarrWorld, domain: string) {
  expect(built(this).command?.cover?.domain).to.equal(domain);
});

Then("the built command should have root {string}", function (this: AngzarrWorld, name: string) {
  const s = cb(this);
  expect(protoToUuid(built(this).command?.cover?.root)).to.equal(this.rootFor(s.domain, name));
});

Then("the built command should have no root", function (this: AngzarrWorld) {
  // Our builder never produces a command without a root: build() refuses it, naming the root.
  const s = build(this);
  expect(s.built, "a command was built").to.equal(undefined);
  expect((s.error as Error).message).to.match(/root is required/);
});

Then("the built command should have type URL containing {string}", function (this: AngzarrWorld, text: string) {
  const page = built(this).command!.pages[0]!;
  const url = page.payload?.$case === "command" ? page.payload.value.typeUrl : "";
  expect(url).to.include(text);
});

Then("the built command should have correlation ID {string}", function (this: AngzarrWorld, id: string) {
  expect(built(this).command?.cover?.correlationId).to.equal(id);
});

Then("the built command should have a non-empty correlation ID", function (this: AngzarrWorld) {
  expect(built(this).command?.cover?.correlationId).to.be.a("string").and.not.equal("");
});

Then("the correlation ID should be a valid UUID", function (this: AngzarrWorld) {
  const id = built(this).command?.cover?.correlationId ?? "";
  expect(isUuid(id), id).to.equal(true);
});

Then("the built command should have sequence {int}", function (this: AngzarrWorld, sequence: number) {
  expect(headerSequence(built(this).command!.pages[0]!.header)).to.equal(sequence);
});

Then("the command page should have {word} strategy", function (this: AngzarrWorld, word: string) {
  expect(MergeStrategy[built(this).command!.pages[0]!.mergeStrategy]).to.equal(MergeStrategy[strategy(word)]);
});

Then("all chained values should be preserved", function (this: AngzarrWorld) {
  const s = cb(this);
  const request = built(this);
  const cover = request.command!.cover!;
  const page = request.command!.pages[0]!;
  expect(s.calls.length, "the chain made calls").to.be.greaterThan(2);
  for (const [method, args] of s.calls) {
    if (method === "command") {
      expect(cover.domain).to.equal(args[0]);
      if (typeof args[1] === "string") expect(protoToUuid(cover.root)).to.equal(this.rootFor(String(args[0]), args[1]));
    } else if (method === "with_correlation_id") expect(cover.correlationId).to.equal(args[0]);
    else if (method === "with_sequence") expect(headerSequence(page.header)).to.equal(args[0]);
    else if (method === "with_merge_strategy") expect(page.mergeStrategy).to.equal(strategy(argText(args[0])));
    else if (method === "with_command") {
      const url = page.payload?.$case === "command" ? page.payload.value.typeUrl : "";
      expect(typeNameFromUrl(url)).to.equal(codecFor(String(args[0]), s.domain).$type);
    }
  }
});

Then("the command should be built and executed in one call", function (this: AngzarrWorld) {
  const s = cb(this);
  expect(s.calls.map(([m]) => m)).to.not.include("build");
  expect(s.calls.at(-1)?.[0]).to.equal("execute");
  const events = s.response?.events;
  expect(events?.pages, "stored events").to.have.length(1);
  expect(protoToUuid(events?.cover?.root)).to.equal(s.builder!.root);
});

Then("the command should be sent to the gateway", async function (this: AngzarrWorld) {
  const s = cb(this);
  expect(s.error, describeError(s.error)).to.equal(undefined);
  const book = await this.readBook(s.domain, s.builder!.root);
  expect(book.pages.map((p) => (p.payload?.$case === "event" ? typeNameFromUrl(p.payload.value.typeUrl) : ""))).to.deep.equal([
    "examples.orders.OrderCreated",
  ]);
});

Then("the response should be returned", function (this: AngzarrWorld) {
  const s = cb(this);
  const events = s.response?.events;
  expect(events, "the response's events").to.not.equal(undefined);
  expect(protoToUuid(events!.cover?.root)).to.equal(s.builder!.root);
  expect(events!.pages.map((p) => headerSequence(p.header))).to.deep.equal([0]);
});

Then("each command should have its own root", function (this: AngzarrWorld) {
  const { firstBuilt, secondBuilt } = this.notes.get("b.two") as { firstBuilt: CommandRequest; secondBuilt: CommandRequest };
  const client = this.notes.get("b.domainClient") as sdk.DomainClient;
  expect(protoToUuid(firstBuilt.command?.cover?.root)).to.equal(this.rootFor(client.domain, "first"));
  expect(protoToUuid(secondBuilt.command?.cover?.root)).to.equal(this.rootFor(client.domain, "second"));
});

Then("builder reuse should not cause cross-contamination", function (this: AngzarrWorld) {
  const { first, firstBuilt, secondBuilt } = this.notes.get("b.two") as {
    first: sdk.CommandBuilder;
    firstBuilt: CommandRequest;
    secondBuilt: CommandRequest;
  };
  expect(secondBuilt.command?.cover?.correlationId, "second command's correlation ID").to.equal("");
  expect(headerSequence(secondBuilt.command!.pages[0]!.header), "second command's sequence").to.equal(0);
  const payload = secondBuilt.command!.pages[0]!.payload;
  expect(payload?.$case === "command" ? CreateOrder.decode(payload.value.value).customerId : undefined).to.equal("second-customer");
  expect(first.build(), "the first command, built again").to.deep.equal(firstBuilt);
});

Then("I should receive a {word} for that domain and root", function (this: AngzarrWorld, kind: string) {
  if (kind === "QueryBuilder") {
    // Made by "When I call client.query(...)" (query_builder steps, world.notes "qb").
    const qb = this.notes.get("qb") as { builder?: sdk.QueryBuilder; domain: string } | undefined;
    expect(qb?.builder).to.be.instanceOf(sdk.QueryBuilder);
    const query = qb!.builder!.build();
    expect(query.cover?.domain).to.equal(qb!.domain);
    expect(protoToUuid(query.cover?.root)).to.equal(this.requireCurrent().root);
    return;
  }
  expect(kind).to.equal("CommandBuilder");
  const { builder, domain, root, generated } = this.notes.get("b.shortcut") as {
    builder: sdk.CommandBuilder;
    domain: string;
    root: string;
    generated?: boolean;
  };
  expect(builder).to.be.instanceOf(sdk.CommandBuilder);
  expect(builder.domain).to.equal(domain);
  expect(builder.root).to.equal(root);
  if (generated) expect(builder.root, "a generated v4 UUID").to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

Then("I should receive a {word} with no root set", function (this: AngzarrWorld, kind: string) {
  if (kind === "QueryBuilder") {
    const qb = this.notes.get("qb") as { builder?: sdk.QueryBuilder } | undefined;
    expect(qb?.builder).to.be.instanceOf(sdk.QueryBuilder);
    // Built with a correlation ID, the query carries no root; without one, build() names the missing root.
    let query: ReturnType<sdk.QueryBuilder["build"]> | undefined;
    try {
      query = qb!.builder!.build();
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidArgumentError);
      expect((err as Error).message).to.match(/root is required/);
      return;
    }
    expect(query.cover?.root).to.equal(undefined);
    return;
  }
  expect(kind).to.equal("CommandBuilder");
  const { builder } = this.notes.get("b.shortcut") as { builder: sdk.CommandBuilder };
  expect(builder).to.be.instanceOf(sdk.CommandBuilder);
  expect(builder.root).to.equal("");
});
