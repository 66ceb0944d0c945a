import { after, before, describe, it } from "node:test";
import { Channel, credentials } from "@grpc/grpc-js";
import { expect } from "chai";
import { AggregateClient, Client, CommandHandlerClient, DomainClient, QueryClient, SpeculativeClient } from "../../src/client/index.js";
import { packAny, unpackAny } from "../../src/core/any.js";
import { headerSequence, makeEventBook, makeEventPage } from "../../src/core/books.js";
import { newRoot } from "../../src/core/uuid.js";
import { ConnectionError, GrpcError, InvalidArgumentError, Status } from "../../src/errors.js";
import { Cover, Notification, SyncMode, type EventPage } from "../../src/gen/angzarr/types.js";
import { FailWith } from "../../examples/gen/examples/orders.js";
import { rejectsWith } from "../support/assertions.js";
import { rootOf, startTestCoordinator, type TestCoordinator } from "./support/coordinator.js";
import { CoordinatorTap } from "./support/coordinator-tap.js";
import { ECHO_PROJECTOR } from "./support/echo-business.js";

const cover = (domain: string): Cover => ({ domain, root: undefined, correlationId: "", edition: undefined });
const seqs = (pages: EventPage[]) => pages.map((p) => headerSequence(p.header));

describe("CommandHandlerClient against the embedded coordinator", () => {
  let coordinator: TestCoordinator;
  let tap: CoordinatorTap;
  let commands: CommandHandlerClient;

  before(async () => {
    coordinator = await startTestCoordinator();
    tap = await CoordinatorTap.start(coordinator.address);
    commands = CommandHandlerClient.connect(tap.address, { timeoutMs: 5000 });
  });
  after(async () => {
    await commands.close();
    tap.stop();
    await coordinator.stop();
  });

  it("is also exported as AggregateClient", () => {
    expect(AggregateClient).to.equal(CommandHandlerClient);
    expect(commands).to.be.instanceOf(AggregateClient);
  });

  it("executes a built command and sends exactly the built request", async () => {
    const builder = commands.commandNew("orders").withCommand(Cover, cover("first")).withCorrelationId("c-1");
    const response = await builder.execute();
    expect(rootOf(response.events!)).to.equal(builder.root);
    expect(seqs(response.events!.pages)).to.deep.equal([0]);
    expect(response.events!.nextSequence).to.equal(1);
    const payload = response.events!.pages[0]!.payload;
    expect(unpackAny(Cover, payload?.$case === "event" ? payload.value : undefined)?.domain).to.equal("first");
    expect(tap.callsOf("HandleCommand").at(-1)!.request).to.deep.include({ syncMode: SyncMode.SYNC_MODE_ASYNC });

    const second = await commands.command("orders", builder.root).withCommand(Cover, cover("second")).withSequence(1).execute();
    expect(seqs(second.events!.pages)).to.deep.equal([1]);
  });

  it("handleCommand takes a raw request", async () => {
    const request = commands.commandNew("orders").withCommand(Cover, cover("raw")).build();
    const response = await commands.handleCommand(request);
    expect(response.events!.pages).to.have.length(1);
  });

  it("reports a rejection as GrpcError with the server's code", async () => {
    const refused = commands.commandNew("orders").withCommand(FailWith, { code: Status.FAILED_PRECONDITION, message: "order already shipped" });
    const err = await rejectsWith(refused.execute(), GrpcError);
    expect(err.isPreconditionFailed()).to.equal(true);
    expect(err.isSequenceMismatch()).to.equal(false);
    expect(err.details).to.equal("order already shipped");
  });

  it("injects facts idempotently by external id", async () => {
    const root = newRoot();
    await commands.command("inventory", root).withCommand(Cover, cover("c0")).execute();
    const init = {
      domain: "inventory",
      root,
      externalId: "erp-1",
      events: [{ type: Cover, message: cover("f1") }, packAny(Cover, cover("f2"))],
    };
    const first = await commands.injectFact(init);
    expect(first.alreadyProcessed).to.equal(false);
    expect(seqs(first.events!.pages)).to.deep.equal([1, 2]);
    const again = await commands.injectFact(init);
    expect(again.alreadyProcessed).to.equal(true);
    expect(seqs(again.events!.pages)).to.deep.equal([1, 2]);
    const sent = tap.callsOf("HandleEvent").at(-1)!.request as { routeToHandler: boolean };
    expect(sent.routeToHandler).to.equal(false);
  });

  it("injectFacts passes the coordinator's refusal through", async () => {
    const err = await rejectsWith(
      commands.injectFacts({
        events: makeEventBook({ domain: "inventory", root: newRoot() }, [makeEventPage(0, packAny(Cover, cover("x")))]),
        syncMode: 0,
        routeToHandler: false,
      }),
      GrpcError,
    );
    expect(err.code).to.equal(Status.INVALID_ARGUMENT);
    expect(err.details).to.match(/ExternalDeferredSequence/);
  });

  it("delivers compensation and speculates without persisting", async () => {
    const builder = commands.commandNew("orders").withCommand(Cover, cover("c"));
    const rejection = commands.command("orders", builder.root).withCommand(Notification, { metadata: { reason: "rejected" } });
    const compensation = await commands.handleCompensation(rejection.build());
    expect(compensation.result?.$case).to.equal("notification");
    const speculated = await commands.speculate(builder, { asOfSequence: 0 });
    expect(speculated.events!.pages).to.have.length(1);
    const book = await QueryClient.fromChannel(commands.channel).query("orders", builder.root).getEventBook();
    expect(book.pages).to.have.length(0);
  });
});

describe("sharing, closing and factories", () => {
  let coordinator: TestCoordinator;
  before(async () => {
    coordinator = await startTestCoordinator();
  });
  after(() => coordinator.stop());

  it("Client shares one channel between commands, queries, speculation and domains", async () => {
    const client = Client.connect(coordinator.address);
    expect(client.aggregate).to.equal(client.commands);
    expect(client.queries.channel).to.equal(client.channel);
    expect(client.speculative.channel).to.equal(client.channel);
    const orders = client.domain("orders");
    expect(orders.channel).to.equal(client.channel);
    expect(client.domain("orders")).to.equal(orders);
    expect(client.domain("inventory")).to.not.equal(orders);
    const create = orders.commandNew().withCommand(Cover, cover("a"));
    await orders.execute(create);
    await orders.execute(orders.command(create.root).withCommand(Cover, cover("b")).withSequence(1).build());
    expect(seqs((await orders.getEventBook(create.root)).pages)).to.deep.equal([0, 1]);
    expect((await orders.getEvents(create.root).collect())[0]!.pages).to.have.length(2);
    expect(seqs(await orders.query(create.root).range(1).getPages())).to.deep.equal([1]);
    await client.close();
    expect(orders.closed).to.equal(true);
    const err = await rejectsWith(client.queries.query("orders", create.root).getEventBook(), ConnectionError);
    expect(err.message).to.match(/closed/);
    await rejectsWith(orders.getEventBook(create.root), ConnectionError);
    expect(() => client.domain("orders")).to.throw(ConnectionError);
  });

  it("Client.domain refuses a malformed domain", async () => {
    const client = Client.connect(coordinator.address);
    try {
      expect(() => client.domain("Orders")).to.throw(InvalidArgumentError);
      expect(() => DomainClient.connect(coordinator.address, { domain: "" })).to.throw(InvalidArgumentError);
    } finally {
      await client.close();
    }
  });

  it("calls after close() reject with a clear ConnectionError; close is idempotent", async () => {
    const queries = QueryClient.connect(coordinator.address);
    await queries.close();
    await queries.close();
    const err = await rejectsWith(queries.getEventBook({ cover: undefined, selection: undefined }), ConnectionError);
    expect(err.message).to.equal(`QueryClient for ${coordinator.address} is closed; calls after close() are refused`);
    expect(err.isConnectionError()).to.equal(true);
    expect(() => queries.getEvents({ cover: undefined, selection: undefined })).to.throw(ConnectionError);
    await rejectsWith(queries.waitForReady(), ConnectionError);
  });

  it("close() racing a call that has not started yet rejects it with the closed error", async () => {
    const queries = QueryClient.connect(coordinator.address);
    const pending = queries.query("orders", newRoot()).getEventBook();
    await queries.close();
    const err = await rejectsWith(pending, ConnectionError);
    expect(err.message).to.match(/is closed/);
  });

  it("await using closes the client", async () => {
    let escaped: CommandHandlerClient;
    {
      await using commands = CommandHandlerClient.connect(coordinator.address);
      escaped = commands;
      await commands.commandNew("orders").withCommand(Cover, cover("x")).execute();
    }
    expect(escaped.closed).to.equal(true);
  });

  it("fromChannel borrows: close() leaves the channel usable by its owner", async () => {
    const channel = new Channel(coordinator.address, credentials.createInsecure(), {});
    try {
      const borrowed = CommandHandlerClient.fromChannel(channel);
      await borrowed.commandNew("orders").withCommand(Cover, cover("x")).execute();
      await borrowed.close();
      const again = QueryClient.fromChannel(channel);
      const book = await again.query("orders", newRoot()).getEventBook();
      expect(book.pages).to.deep.equal([]);
      await again.close();
    } finally {
      channel.close();
    }
    const afterOwnerClosed = QueryClient.fromChannel(channel);
    const err = await rejectsWith(afterOwnerClosed.query("orders", newRoot()).getEventBook(), ConnectionError);
    expect(err.message).to.match(/channel .* is closed/);
  });

  it("fromEnv reads the variable and falls back when unset or empty", async () => {
    const name = "ANGZARR_TEST_ENDPOINT_" + process.pid;
    try {
      delete process.env[name];
      const a = QueryClient.fromEnv({ envVar: name, fallback: coordinator.address });
      expect(a.endpoint).to.equal(coordinator.address);
      await a.waitForReady({ timeoutMs: 2000 });
      await a.close();
      process.env[name] = "";
      const b = DomainClient.fromEnv({ envVar: name, fallback: coordinator.address, domain: "orders" });
      expect(b.endpoint).to.equal(coordinator.address);
      await b.close();
      process.env[name] = "127.0.0.1:9";
      const c = Client.fromEnv({ envVar: name, fallback: coordinator.address });
      expect(c.endpoint).to.equal("127.0.0.1:9");
      await c.close();
      const fromEnv = { envVar: name, fallback: coordinator.address };
      for (const d of [CommandHandlerClient.fromEnv(fromEnv), SpeculativeClient.fromEnv(fromEnv)]) {
        expect(d.endpoint).to.equal("127.0.0.1:9");
        await d.close();
      }
    } finally {
      delete process.env[name];
    }
  });

  it("waitForReady fails with ConnectionError when nothing listens", async () => {
    const client = QueryClient.connect("127.0.0.1:9");
    try {
      const err = await rejectsWith(client.waitForReady({ timeoutMs: 300 }), ConnectionError);
      expect(err.message).to.match(/within 300 ms/);
    } finally {
      await client.close();
    }
  });

  it("all factories refuse invalid endpoints and contradicting TLS settings", () => {
    expect(() => QueryClient.connect("nope")).to.throw(InvalidArgumentError);
    expect(() => CommandHandlerClient.connect("http://h:1", { tls: true })).to.throw(InvalidArgumentError, /http:\/\//);
    expect(() => SpeculativeClient.connect("https://h:1", { tls: false })).to.throw(InvalidArgumentError, /https:\/\//);
    expect(() => Client.connect("h:1", { timeoutMs: -1 })).to.throw(InvalidArgumentError);
    expect(() => DomainClient.connect("unix:", { domain: "orders" })).to.throw(InvalidArgumentError);
  });
});

describe("SpeculativeClient", () => {
  let coordinator: TestCoordinator;
  // Two taps in front of one coordinator: the main endpoint and a separate saga endpoint.
  let tap: CoordinatorTap;
  let sagaTap: CoordinatorTap;
  before(async () => {
    coordinator = await startTestCoordinator({ components: true });
    [tap, sagaTap] = await Promise.all([CoordinatorTap.start(coordinator.address), CoordinatorTap.start(coordinator.address)]);
  });
  after(async () => {
    tap.stop();
    sagaTap.stop();
    await coordinator.stop();
  });

  const source = () => makeEventBook({ domain: "orders", root: newRoot() }, [makeEventPage(0, packAny(Cover, cover("placed")))]);

  it("speculates commands, sagas, process managers and projectors on one channel", async () => {
    await using speculative = SpeculativeClient.connect(tap.address);
    const commands = CommandHandlerClient.fromChannel(speculative.channel);
    const cmd = await speculative.speculateCommand(commands.commandNew("orders").withCommand(Cover, cover("x")), { asOfTime: new Date() });
    expect(cmd.events!.pages).to.have.length(1);
    const book = source();
    const saga = await speculative.speculateSaga({ source: book, syncMode: 0, cascadeErrorMode: 0, destinationSequences: {} });
    expect(saga.events).to.have.length(1);
    const trigger = { ...book, cover: { ...book.cover!, correlationId: "flow-1" } };
    const pm = await speculative.speculateProcessManager({ trigger, destinationSequences: { fulfillment: 2 } });
    expect(pm.processEvents?.pages).to.have.length(1);
    const projection = await speculative.speculateProjector(book);
    expect(projection.projector).to.equal(ECHO_PROJECTOR);
    expect(projection.sequence).to.equal(0);
    expect(tap.callsOf("ExecuteSpeculative")).to.have.length(1);
    await commands.close();
  });

  it("refuses a process-manager speculation whose trigger has no correlation ID before sending", async () => {
    await using speculative = SpeculativeClient.connect(tap.address);
    const calls = tap.calls.length;
    const err = await rejectsWith(speculative.speculateProcessManager({ trigger: source(), destinationSequences: {} }), InvalidArgumentError);
    expect(err.message).to.include("correlation ID");
    expect(tap.calls, "nothing reached the coordinator").to.have.length(calls);
  });

  it("sends to another coordinator when configured, and closes that channel too", async () => {
    const speculative = SpeculativeClient.connect(tap.address, { sagaEndpoint: sagaTap.address, timeoutMs: 2000 });
    await speculative.speculateSaga({ source: source(), syncMode: 0, cascadeErrorMode: 0, destinationSequences: {} });
    expect(sagaTap.callsOf("ExecuteSpeculative")).to.have.length(1);
    await speculative.close();
    await rejectsWith(speculative.speculateSaga({ source: source(), syncMode: 0, cascadeErrorMode: 0, destinationSequences: {} }), ConnectionError);
  });
});
