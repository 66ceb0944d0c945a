import { describe, it } from "node:test";
import { expect } from "chai";
import { OrderAggregate } from "../../examples/orders/order-aggregate.js";
import { CreateOrder, OrderCreated } from "../../examples/gen/examples/orders.js";
import { makeCover } from "../../src/core/books.js";
import { Status } from "../../src/errors.js";
import { Aggregate, applies, event, handles, commandBook } from "../../src/handlers/index.js";
import { ServingStatus, type HealthCheckResponse } from "../../src/server/health.js";
import { runAggregateServer, runMain, silentLogger } from "../../src/server/index.js";
import { contextualCommand, uuidFor } from "../../src/testing/builders.js";
import { call, callError, clients } from "./support.js";

/** An aggregate whose CreateOrder waits until the test opens the gate. */
function gated() {
  let enter!: () => void;
  let open!: () => void;
  const entered = new Promise<void>((r) => (enter = r));
  const gate = new Promise<void>((r) => (open = r));
  class Slow extends Aggregate<number> {
    static domain = "slow";
    createEmptyState() {
      return 0;
    }
    @handles(CreateOrder)
    async create(cmd: CreateOrder) {
      enter();
      await gate;
      return event(OrderCreated, { customerId: cmd.customerId });
    }
    @applies(OrderCreated)
    a() {}
  }
  return { Slow, entered, open };
}

const slowCommand = contextualCommand(
  undefined,
  commandBook(makeCover({ domain: "slow", root: uuidFor("s") }), event(CreateOrder, { customerId: "late" })),
);

describe("health", () => {
  it("answers Check for the server and each served service, NOT_FOUND for others", async () => {
    const server = await runAggregateServer(OrderAggregate, "127.0.0.1:0", { logger: silentLogger });
    const c = clients(server.address);
    try {
      expect((await call(c.health, c.health.check, { service: "" })).status).to.equal(ServingStatus.SERVING);
      expect((await call(c.health, c.health.check, { service: "angzarr.CommandHandlerService" })).status).to.equal(ServingStatus.SERVING);
      const err = await callError(c.health, c.health.check, { service: "angzarr.SagaService" });
      // The text tonic-health (Angzarr 0.5.1's health service) answers.
      expect([err.code, err.details]).to.deep.equal([Status.NOT_FOUND, "service not registered"]);
    } finally {
      c.close();
      await server.stop();
    }
  });

  it("streams Watch updates: SERVING, then NOT_SERVING and the end of the stream on stop", async () => {
    const server = await runAggregateServer(OrderAggregate, "127.0.0.1:0", { logger: silentLogger });
    const c = clients(server.address);
    const seen: ServingStatus[] = [];
    const stream = c.health.watch({ service: "angzarr.CommandHandlerService" });
    const ended = new Promise<void>((resolve) => {
      stream.on("status", () => resolve());
      stream.on("error", () => resolve());
    });
    await new Promise<void>((resolve) => stream.on("data", (r: HealthCheckResponse) => (seen.push(r.status), resolve())));
    const started = Date.now();
    await server.stop(5000);
    await ended;
    expect(Date.now() - started).to.be.lessThan(2000);
    expect(seen).to.deep.equal([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    c.close();
  });

  it("streams SERVICE_UNKNOWN for a service it does not serve", async () => {
    const server = await runAggregateServer(OrderAggregate, "127.0.0.1:0", { logger: silentLogger });
    const c = clients(server.address);
    const stream = c.health.watch({ service: "nope" });
    const first = await new Promise<HealthCheckResponse>((resolve) => stream.on("data", resolve));
    expect(first.status).to.equal(ServingStatus.SERVICE_UNKNOWN);
    stream.on("error", () => undefined);
    stream.cancel();
    c.close();
    await server.stop();
  });
});

describe("graceful stop", () => {
  it("lets an in-flight call finish and refuses new ones", async () => {
    const { Slow, entered, open } = gated();
    const server = await runAggregateServer(Slow, "127.0.0.1:0", { logger: silentLogger });
    const c = clients(server.address);
    const inFlight = call(c.commands, c.commands.handle, slowCommand);
    await entered;
    let stopped = false;
    const stopping = server.stop(5000).then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped, "stop waits for the in-flight call").to.equal(false);
    const late = clients(server.address);
    const refused = await callError(late.commands, late.commands.handle, slowCommand);
    expect(refused.code).to.equal(Status.UNAVAILABLE);
    open();
    const response = await inFlight;
    expect(response.result?.$case).to.equal("events");
    await stopping;
    expect(stopped).to.equal(true);
    c.close();
    late.close();
  });

  it("cancels calls still running after the grace period", async () => {
    const { Slow, entered, open } = gated();
    const server = await runAggregateServer(Slow, "127.0.0.1:0", { logger: silentLogger });
    const c = clients(server.address);
    const inFlight = callError(c.commands, c.commands.handle, slowCommand);
    await entered;
    const started = Date.now();
    await server.stop(100);
    expect(Date.now() - started).to.be.within(80, 2000);
    expect((await inFlight).code).to.be.oneOf([Status.CANCELLED, Status.UNAVAILABLE, Status.INTERNAL]);
    open();
    c.close();
  });

  it("is idempotent and works with await using", async () => {
    let address: string;
    {
      await using server = await runAggregateServer(OrderAggregate, "127.0.0.1:0", { logger: silentLogger });
      address = server.address;
      await Promise.all([server.stop(), server.stop()]);
    }
    const c = clients(address);
    const err = await callError(c.health, c.health.check, { service: "" });
    expect(err.code).to.equal(Status.UNAVAILABLE);
    c.close();
  });

  it("runMain stops the server on a signal and removes its listeners", async () => {
    const server = await runAggregateServer(OrderAggregate, "127.0.0.1:0", { logger: silentLogger });
    const before = process.listenerCount("SIGUSR2");
    const running = runMain(server, { signals: ["SIGUSR2"], graceMs: 1000 });
    expect(process.listenerCount("SIGUSR2")).to.equal(before + 1);
    process.emit("SIGUSR2", "SIGUSR2");
    await running;
    expect(process.listenerCount("SIGUSR2")).to.equal(before);
    const c = clients(server.address);
    expect((await callError(c.health, c.health.check, { service: "" })).code).to.equal(Status.UNAVAILABLE);
    c.close();
  });
});
