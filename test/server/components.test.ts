import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { orderSummary } from "../../examples/orders/order-summary.js";
import { OrderUpcaster } from "../../examples/orders/order-upcaster.js";
import { ordersToInventory } from "../../examples/orders/orders-to-inventory.js";
import { inventory } from "../../examples/inventory/inventory.js";
import { ReserveStock, StockReserved } from "../../examples/gen/examples/inventory.js";
import { CheckpointTaken, ItemAdded, OrderCreated, OrderCreatedV1, OrderSummary } from "../../examples/gen/examples/orders.js";
import { typeNameFromUrl, unpackAny } from "../../src/core/any.js";
import { makeCover, pageCommand, pageEvent } from "../../src/core/books.js";
import { Status } from "../../src/errors.js";
import {
  ProcessManagerHandlers,
  ProcessManagerRouter,
  ProjectorRouter,
  SagaHandlers,
  SagaRouter,
  StateRouter,
  commandBook,
  event,
  eventBook,
} from "../../src/handlers/index.js";
import { addressFromEnv, serveComponents, silentLogger, type ServerHandle } from "../../src/server/index.js";
import { uuidFor } from "../../src/testing/builders.js";
import { call, callError, clients } from "./support.js";
import { rejectionOf } from "../support/assertions.js";

const auditSaga = new SagaRouter(
  "orders-audit",
  "orders",
  new SagaHandlers().on(ItemAdded, (item) => ({
    commands: [commandBook({ domain: "audit", root: uuidFor("audit") }, event(CheckpointTaken, { note: item.sku }))],
  })),
);

const flow = new ProcessManagerRouter("flow", "flow", new StateRouter(() => ({}))).domain(
  "inventory",
  new ProcessManagerHandlers<object>().on(
    StockReserved,
    (e) => ({ processEvents: event(CheckpointTaken, { note: e.sku }) }),
    () => [{ domain: "orders", root: uuidFor("o") }],
  ),
);

describe("serveComponents over gRPC", () => {
  let server: ServerHandle;
  let c: ReturnType<typeof clients>;
  const orders = makeCover({ domain: "orders", root: uuidFor("o-1"), correlationId: uuidFor("corr") });

  before(async () => {
    server = await serveComponents(
      {
        aggregates: [inventory],
        sagas: [ordersToInventory, auditSaga],
        processManagers: [flow],
        projectors: [orderSummary],
        upcasters: [OrderUpcaster],
      },
      "127.0.0.1:0",
      { logger: silentLogger },
    );
    c = clients(server.address);
  });
  after(async () => {
    c.close();
    await server.stop();
  });

  it("runs every saga of the source domain and concatenates their commands in order", async () => {
    const source = eventBook(orders, [event(ItemAdded, { sku: "k", quantity: 1 })]);
    const response = await call(c.sagas, c.sagas.handle, { source, syncMode: 0, cascadeErrorMode: 0, destinationSequences: {} });
    expect(response.commands.map((b) => typeNameFromUrl(pageCommand(b.pages[0]!)!.typeUrl))).to.deep.equal([
      ReserveStock.$type,
      CheckpointTaken.$type,
    ]);
  });

  it("serves a process manager's Prepare and Handle", async () => {
    const trigger = eventBook(makeCover({ domain: "inventory", root: uuidFor("i"), correlationId: uuidFor("corr") }), [
      event(StockReserved, { orderId: "", sku: "s", quantity: 1 }),
    ]);
    const prepared = await call(c.processManagers, c.processManagers.prepare, { trigger, processState: undefined });
    expect(prepared.destinations.map((d) => d.domain)).to.deep.equal(["orders"]);
    const handled = await call(c.processManagers, c.processManagers.handle, {
      trigger,
      processState: undefined,
      destinationSequences: { orders: 3 },
    });
    expect(unpackAny(CheckpointTaken, pageEvent(handled.processEvents!.pages[0]!))?.note).to.equal("s");
  });

  it("serves projections, speculative ones too, and NOT_FOUND for other domains", async () => {
    const book = eventBook(orders, [event(OrderCreated, { customerId: "c" }), event(ItemAdded, { sku: "k", quantity: 4 })]);
    for (const method of [c.projectors.handle, c.projectors.handleSpeculative]) {
      const projection = await call(c.projectors, method, book);
      expect(projection.projector).to.equal("order-summary");
      expect(unpackAny(OrderSummary, projection.projection)).to.include({ eventsSeen: 2, items: 4 });
    }
    const err = await callError(c.projectors, c.projectors.handle, eventBook(makeCover({ domain: "billing", root: uuidFor("b") }), []));
    expect(err.code).to.equal(Status.NOT_FOUND);
  });

  it("serves upcasting", async () => {
    const pages = eventBook(orders, [event(OrderCreatedV1, { customer: "v1" })]).pages;
    const response = await call(c.upcasters, c.upcasters.upcast, { domain: "orders", events: pages });
    expect(unpackAny(OrderCreated, pageEvent(response.events[0]!))?.customerId).to.equal("v1");
  });

  it("reports every served service as SERVING", async () => {
    for (const service of [
      "angzarr.CommandHandlerService",
      "angzarr.SagaService",
      "angzarr.ProcessManagerService",
      "angzarr.ProjectorService",
      "angzarr.UpcasterService",
    ]) {
      expect((await call(c.health, c.health.check, { service })).status, service).to.equal(1);
    }
  });
});

describe("serveComponents registration", () => {
  const refuse = async (components: Parameters<typeof serveComponents>[0], message: RegExp, address?: string) =>
    expect(String(await rejectionOf(serveComponents(components, address, { logger: silentLogger }), "a refusal"))).to.match(message);

  it("refuses projectors that claim the same domain", async () => {
    const other = new ProjectorRouter("other", ["orders"], () => 0);
    await refuse({ projectors: [orderSummary, other] }, /projectors order-summary and other both project domain orders/);
    const all = new ProjectorRouter("all", undefined, () => 0);
    await refuse({ projectors: [all, orderSummary] }, /projects every domain/);
  });

  it("refuses duplicates, an empty server and a bad address", async () => {
    await refuse({ processManagers: [flow, flow] }, /two process managers for domain "flow" on one server/);
    await refuse({ sagas: [auditSaga, auditSaga] }, /two sagas named "orders-audit" on one server/);
    await refuse({}, /nothing to serve/);
    const err = await serveComponents({ aggregates: [inventory] }, "localhost", { logger: silentLogger }).catch((e: unknown) => e);
    expect(String(err)).to.match(/host:port/);
  });
});

describe("addressFromEnv", () => {
  it("reads HOST and PORT with loopback and port 0 as defaults", () => {
    expect(addressFromEnv({})).to.equal("127.0.0.1:0");
    expect(addressFromEnv({ HOST: "0.0.0.0", PORT: "50052" })).to.equal("0.0.0.0:50052");
    expect(addressFromEnv({ HOST: "::", PORT: "1" })).to.equal("[::]:1");
    expect(() => addressFromEnv({ PORT: "http" })).to.throw(/PORT must be a port number/);
    expect(() => addressFromEnv({ PORT: "70000" })).to.throw(/PORT must be a port number/);
  });
});
