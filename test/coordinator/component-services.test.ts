/**
 * The saga, process-manager and projector coordinator services (COORDINATOR.md §10), and process
 * managers in CASCADE and ASYNC delivery (§12), over real gRPC: the SDK's clients against the
 * embedded coordinator, which calls the SDK's business servers (the orders example plus a
 * process manager written here).
 */
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { credentials, type Client } from "@grpc/grpc-js";
import { ReserveStock, StockReserved } from "../../examples/gen/examples/inventory.js";
import { AddItem, CreateOrder, ItemAdded, OrderSummary } from "../../examples/gen/examples/orders.js";
import { inventory } from "../../examples/inventory/inventory.js";
import { OrderAggregate, orderSummary, ordersToInventory } from "../../examples/orders/index.js";
import { CommandHandlerClient, QueryClient, SpeculativeClient } from "../../src/client/index.js";
import { typeNameFromUrl, unpackAny } from "../../src/core/any.js";
import { pageEvent } from "../../src/core/books.js";
import { computeRoot } from "../../src/core/identity.js";
import { startCoordinator, silentLogger, type CoordinatorHandle } from "../../src/coordinator/index.js";
import { ClientError } from "../../src/errors.js";
import { ProcessManagerCoordinatorServiceClient } from "../../src/gen/angzarr/process_manager.js";
import { ProjectorCoordinatorServiceClient } from "../../src/gen/angzarr/projector.js";
import { SagaCoordinatorServiceClient } from "../../src/gen/angzarr/saga.js";
import { CascadeErrorMode, SyncMode, type EventBook } from "../../src/gen/angzarr/types.js";
import { Any } from "../../src/gen/google/protobuf/any.js";
import {
  ProcessManagerHandlers,
  ProcessManagerRouter,
  StateRouter,
  commandBook,
  DispatchError,
  event,
  type ProcessManagerComponent,
  eventBook,
} from "../../src/handlers/index.js";
import { serveComponents, silentLogger as quietServer, type ServerHandle } from "../../src/server/index.js";

import { call, callError } from "../server/support.js";
import { Status } from "./helpers.js";
import { eventually, rejectsWith } from "../support/assertions.js";

/** A test process manager: per correlation id it counts items and reserves stock for each. */
interface Tally {
  items: number;
}

/** What the process manager's handler saw: its state and the inventory destination sequence. */
const seen: Array<{ items: number; inventory: number | undefined }> = [];

const reservations = new ProcessManagerRouter(
  "reservations",
  "reservation",
  new StateRouter<Tally>(() => ({ items: 0 })).on(ItemAdded, (state, item) => {
    state.items += item.quantity;
  }),
).domain(
  "orders",
  new ProcessManagerHandlers<Tally>().on(
    ItemAdded,
    (item, state, ctx) => {
      seen.push({ items: state.items, inventory: ctx.destinations.sequenceFor("inventory") });
      return {
        processEvents: event(ItemAdded, item),
        commands: [commandBook(stock(item.sku), event(ReserveStock, { orderId: "pm", sku: item.sku, quantity: item.quantity }))],
      };
    },
    (item) => [stock(item.sku)],
  ),
);

/**
 * The process manager as served: records the trigger of every Handle call it gets, and refuses
 * triggers whose correlation id starts with `boom`.
 */
const handled: EventBook[] = [];
const served: ProcessManagerComponent = {
  name: reservations.name,
  pmDomain: reservations.pmDomain,
  sourceDomains: reservations.sourceDomains,
  prepare: (request) => reservations.prepare(request),
  handle: (request) => {
    handled.push(request.trigger!);
    if (request.trigger?.cover?.correlationId.startsWith("boom")) throw new DispatchError(Status.FAILED_PRECONDITION, "boom");
    return reservations.handle(request);
  },
};

function stock(sku: string) {
  return { domain: "inventory", root: computeRoot("inventory", sku) };
}

const sku = () => `sku-${randomUUID()}`;

/** An orders book (not stored) whose last event adds `quantity` of `item`. */
function ordersBook(item: string, opts: { correlationId?: string; edition?: string; quantity?: number } = {}): EventBook {
  return eventBook({ domain: "orders", root: randomUUID(), correlationId: opts.correlationId ?? "", edition: opts.edition }, [
    event(ItemAdded, { sku: item, quantity: opts.quantity ?? 1 }),
  ]);
}

describe("saga, process-manager and projector coordinator services", () => {
  let business: ServerHandle;
  let coordinator: CoordinatorHandle;
  let speculative: SpeculativeClient;
  let commands: CommandHandlerClient;
  let queries: QueryClient;
  let sagas: SagaCoordinatorServiceClient;
  let pms: ProcessManagerCoordinatorServiceClient;
  let projectors: ProjectorCoordinatorServiceClient;

  const types = (book: EventBook) => book.pages.map((p) => typeNameFromUrl(pageEvent(p)!.typeUrl));
  const read = (domain: string, root: string) => queries.query(domain, root).getEventBook();

  before(async () => {
    business = await serveComponents(
      { aggregates: [OrderAggregate, inventory], sagas: [ordersToInventory], projectors: [orderSummary], processManagers: [served] },
      "127.0.0.1:0",
      { logger: quietServer },
    );
    const address = business.address;
    coordinator = await startCoordinator({
      port: 0,
      storage: { type: "memory" },
      logger: silentLogger,
      routes: { orders: address, inventory: address },
      projectors: [{ name: orderSummary.name, address, domains: ["orders"] }],
      sagas: [{ name: ordersToInventory.name, address, sourceDomain: "orders" }],
      processManagers: [{ name: reservations.name, address, pmDomain: reservations.pmDomain, sourceDomains: ["orders"] }],
    });
    speculative = SpeculativeClient.connect(coordinator.address, { timeoutMs: 10_000 });
    commands = CommandHandlerClient.connect(coordinator.address, { timeoutMs: 10_000 });
    queries = QueryClient.connect(coordinator.address, { timeoutMs: 10_000 });
    sagas = new SagaCoordinatorServiceClient(coordinator.address, credentials.createInsecure());
    pms = new ProcessManagerCoordinatorServiceClient(coordinator.address, credentials.createInsecure());
    projectors = new ProjectorCoordinatorServiceClient(coordinator.address, credentials.createInsecure());
  });
  after(async () => {
    for (const client of [sagas, pms, projectors] as Client[]) client.close();
    await Promise.all([speculative.close(), commands.close(), queries.close()]);
    await coordinator.stop(2000);
    await business.stop();
  });

  describe("SagaCoordinatorService", () => {
    it("ExecuteSpeculative returns the saga's commands with the source edition, and executes nothing", async () => {
      const item = sku();
      const response = await speculative.speculateSaga({
        source: ordersBook(item, { edition: "what-if", correlationId: "spec-1" }),
        syncMode: 0,
        cascadeErrorMode: 0,
        destinationSequences: {},
      });
      expect(response.commands).to.have.length(1);
      const command = response.commands[0]!;
      expect(command.cover!.domain).to.equal("inventory");
      expect(command.cover!.edition!.name).to.equal("what-if");
      expect(command.cover!.correlationId).to.equal("spec-1");
      expect(typeNameFromUrl((command.pages[0]!.payload as { value: Any }).value.typeUrl)).to.equal(ReserveStock.$type);
      expect((await read("inventory", stock(item).root)).pages).to.deep.equal([]);
      expect((await queries.query("inventory", stock(item).root).withEdition("what-if").getEventBook()).pages).to.deep.equal([]);
    });

    it("Execute runs the saga's commands through the command pipeline: the inventory events are stored", async () => {
      const item = sku();
      const correlationId = `exec-${randomUUID()}`;
      const response = await call(sagas, sagas.execute, {
        source: ordersBook(item, { correlationId, quantity: 3 }),
        syncMode: SyncMode.SYNC_MODE_SIMPLE,
        cascadeErrorMode: 0,
        destinationSequences: {},
      });
      // As the reference: an empty answer, commands not echoed (§10.1).
      expect([response.commands, response.events]).to.deep.equal([[], []]);
      const book = await read("inventory", stock(item).root);
      expect(types(book)).to.deep.equal([StockReserved.$type]);
      expect(unpackAny(StockReserved, pageEvent(book.pages[0]!))).to.include({ sku: item, quantity: 3 });
      // The correlation id of the source was filled into the deferred command.
      const correlated = await queries.queryByCorrelation(correlationId).getEvents().collect();
      expect(correlated.map((b) => b.cover!.domain)).to.deep.equal(["inventory"]);
    });

    it("Execute only logs a command the destination refuses (§10.1)", async () => {
      const item = sku();
      // Inventory refuses a reservation of 0 units (INVALID_ARGUMENT).
      const response = await call(sagas, sagas.execute, {
        source: ordersBook(item, { quantity: 0 }),
        syncMode: 0,
        cascadeErrorMode: 0,
        destinationSequences: {},
      });
      expect(response.commands).to.deep.equal([]);
      expect((await read("inventory", stock(item).root)).pages).to.deep.equal([]);
    });

    it("validates requests with the reference's messages and answers NOT_FOUND for a domain without saga", async () => {
      const source = ordersBook(sku());
      let err = await callError(sagas, sagas.execute, { source: undefined, syncMode: 0, cascadeErrorMode: 0, destinationSequences: {} });
      expect([err.code, err.details]).to.deep.equal([Status.INVALID_ARGUMENT, "SagaHandleRequest requires source events"]);
      err = await callError(sagas, sagas.executeSpeculative, { request: undefined });
      expect([err.code, err.details]).to.deep.equal([Status.INVALID_ARGUMENT, "SpeculateSagaRequest requires request"]);
      let sdkErr = await rejectsWith(
        speculative.speculateSaga({ source: undefined, syncMode: 0, cascadeErrorMode: 0, destinationSequences: {} }),
        ClientError,
      );
      expect([sdkErr.code, (sdkErr as { details?: string }).details]).to.deep.equal([
        Status.INVALID_ARGUMENT,
        "SagaHandleRequest requires source events",
      ]);
      const inventoryBook = { ...source, cover: { ...source.cover!, domain: "inventory" } };
      sdkErr = await rejectsWith(
        speculative.speculateSaga({ source: inventoryBook, syncMode: 0, cascadeErrorMode: 0, destinationSequences: {} }),
        ClientError,
      );
      expect([sdkErr.code, (sdkErr as { details?: string }).details]).to.deep.equal([Status.NOT_FOUND, "No saga registered for domain: inventory"]);
      err = await callError(sagas, sagas.execute, { source: inventoryBook, syncMode: 0, cascadeErrorMode: 0, destinationSequences: {} });
      expect([err.code, err.details]).to.deep.equal([Status.NOT_FOUND, "No saga registered for domain: inventory"]);
    });

    it("a saga refusing its source is `Saga handler failed: …` / `Saga orchestration failed: …`, keeping INVALID_ARGUMENT", async () => {
      const broken = ordersBook(sku());
      broken.pages[0]!.payload = { $case: "event", value: { typeUrl: `type.googleapis.com/${ItemAdded.$type}`, value: Buffer.from([0xff, 0xff]) } };
      const request = { source: broken, syncMode: 0, cascadeErrorMode: 0, destinationSequences: {} };
      const sdkErr = await rejectsWith(speculative.speculateSaga(request), ClientError);
      expect(sdkErr.code).to.equal(Status.INVALID_ARGUMENT);
      expect((sdkErr as { details?: string }).details).to.match(/^Saga handler failed: /);
      const err = await callError(sagas, sagas.execute, request);
      expect(err.code).to.equal(Status.INVALID_ARGUMENT);
      expect(err.details).to.match(/^Saga orchestration failed: /);
    });
  });

  describe("ProcessManagerCoordinatorService", () => {
    it("Handle stores the process events under the correlation id and executes the commands", async () => {
      const item = sku();
      const correlationId = randomUUID();
      const before = seen.length;
      const response = await call(pms, pms.handle, { trigger: ordersBook(item, { correlationId, quantity: 2 }), syncMode: 0, cascadeErrorMode: 0 });
      expect([response.processEvents, response.commands, response.facts]).to.deep.equal([undefined, [], []]);
      let process = await read("reservation", correlationId);
      expect(types(process)).to.deep.equal([ItemAdded.$type]);
      expect(types(await read("inventory", stock(item).root))).to.deep.equal([StockReserved.$type]);

      // A second trigger of the same process sees the stored state and the destination's real next sequence.
      await call(pms, pms.handle, { trigger: ordersBook(item, { correlationId, quantity: 5 }), syncMode: 0, cascadeErrorMode: 0 });
      expect(seen.slice(before)).to.deep.equal([
        { items: 0, inventory: 0 },
        { items: 2, inventory: 1 },
      ]);
      process = await read("reservation", correlationId);
      expect(process.pages).to.have.length(2);
      expect(process.nextSequence).to.equal(2);
      expect((await read("inventory", stock(item).root)).pages).to.have.length(2);
      const domains = (await queries.queryByCorrelation(correlationId).getEvents().collect()).map((b) => b.cover!.domain);
      expect(domains.sort()).to.deep.equal(["inventory", "reservation"]);
    });

    it("HandleSpeculative returns process events and commands unexecuted, without a correlation-id check", async () => {
      const item = sku();
      const correlationId = randomUUID();
      const before = seen.length;
      const response = await speculative.speculateProcessManager({
        trigger: ordersBook(item, { correlationId }),
        processState: undefined,
        destinationSequences: { inventory: 4 },
      });
      expect(types(response.processEvents!)).to.deep.equal([ItemAdded.$type]);
      expect(response.commands.map((c) => c.cover!.domain)).to.deep.equal(["inventory"]);
      expect(seen.slice(before)).to.deep.equal([{ items: 0, inventory: 4 }]);
      expect((await read("reservation", correlationId)).pages).to.deep.equal([]);
      expect((await read("inventory", stock(item).root)).pages).to.deep.equal([]);
      // §18.3: not refused by the coordinator (sent raw: the SDK's SpeculativeClient refuses it
      // before sending); the SDK's router skips an uncorrelated trigger.
      const uncorrelated = await call(pms, pms.handleSpeculative, {
        request: { trigger: ordersBook(item), processState: undefined, destinationSequences: {} },
      });
      expect([uncorrelated.processEvents, uncorrelated.commands]).to.deep.equal([undefined, []]);
    });

    it("validates requests with the reference's messages and answers NOT_FOUND for a domain without process manager", async () => {
      const noCorrelation = ordersBook(sku());
      let err = await callError(pms, pms.handle, { trigger: undefined, syncMode: 0, cascadeErrorMode: 0 });
      expect([err.code, err.details]).to.deep.equal([Status.INVALID_ARGUMENT, "ProcessManagerCoordinatorRequest requires trigger events"]);
      err = await callError(pms, pms.handle, { trigger: noCorrelation, syncMode: 0, cascadeErrorMode: 0 });
      expect([err.code, err.details]).to.deep.equal([
        Status.INVALID_ARGUMENT,
        "ProcessManagerCoordinatorRequest requires correlation_id in trigger events",
      ]);
      err = await callError(pms, pms.handleSpeculative, { request: undefined });
      expect([err.code, err.details]).to.deep.equal([Status.INVALID_ARGUMENT, "SpeculatePmRequest requires request"]);
      const sdkErr = await rejectsWith(
        speculative.speculateProcessManager({ trigger: undefined, processState: undefined, destinationSequences: {} }),
        ClientError,
      );
      expect([sdkErr.code, (sdkErr as { details?: string }).details]).to.deep.equal([
        Status.INVALID_ARGUMENT,
        "ProcessManagerHandleRequest requires trigger",
      ]);
      const foreign = ordersBook(sku(), { correlationId: "flow-1" });
      foreign.cover = { ...foreign.cover!, domain: "inventory" };
      err = await callError(pms, pms.handle, { trigger: foreign, syncMode: 0, cascadeErrorMode: 0 });
      expect([err.code, err.details]).to.deep.equal([Status.NOT_FOUND, "No process manager registered for domain: inventory"]);
      err = await callError(pms, pms.handleSpeculative, { request: { trigger: foreign, processState: undefined, destinationSequences: {} } });
      expect([err.code, err.details]).to.deep.equal([Status.NOT_FOUND, "No process manager registered for domain: inventory"]);
    });
  });

  describe("ProjectorCoordinatorService", () => {
    const summaryOf = (projection: { projection?: Any }) => unpackAny(OrderSummary, projection.projection);

    it("HandleSpeculative returns the projection of the book", async () => {
      const book = eventBook({ domain: "orders", root: randomUUID() }, [
        event(ItemAdded, { sku: "a", quantity: 2 }),
        event(ItemAdded, { sku: "b", quantity: 3 }),
      ]);
      const projection = await speculative.speculateProjector(book);
      expect(projection.projector).to.equal("order-summary");
      expect(summaryOf(projection)).to.include({ items: 5, eventsSeen: 2 });
    });

    it("HandleSync returns the projection, Handle answers Empty", async () => {
      const book = ordersBook(sku(), { quantity: 4 });
      const projection = await call(projectors, projectors.handleSync, { events: book, syncMode: 0, routeToHandler: false });
      expect(summaryOf(projection)).to.include({ items: 4, eventsSeen: 1 });
      expect(await call(projectors, projectors.handle, book)).to.deep.equal({ $type: "google.protobuf.Empty" });
    });

    it("validates requests and answers NOT_FOUND for a domain without projector", async () => {
      let err = await callError(projectors, projectors.handleSync, { events: undefined, syncMode: 0, routeToHandler: false });
      expect([err.code, err.details]).to.deep.equal([Status.INVALID_ARGUMENT, "EventRequest must have events"]);
      err = await callError(projectors, projectors.handleSpeculative, { events: undefined });
      expect([err.code, err.details]).to.deep.equal([Status.INVALID_ARGUMENT, "SpeculateProjectorRequest must have events"]);
      err = await callError(projectors, projectors.handle, { pages: [], nextSequence: 0 });
      expect([err.code, err.details]).to.deep.equal([Status.INVALID_ARGUMENT, "EventBook must have a cover"]);
      const sdkErr = await rejectsWith(speculative.speculateProjector(eventBook({ domain: "inventory", root: randomUUID() }, [])), ClientError);
      expect([sdkErr.code, (sdkErr as { details?: string }).details]).to.deep.equal([
        Status.NOT_FOUND,
        "No projector registered for domain: inventory",
      ]);
    });
  });

  describe("process managers in delivery (§12)", () => {
    /** Creates an order and adds one item of `item`, the item with `sync` and `correlationId`; returns the order's root. */
    async function order(item: string, sync: SyncMode, correlationId?: string, errorMode = CascadeErrorMode.CASCADE_ERROR_FAIL_FAST) {
      const root = randomUUID();
      await commands.command("orders", root).withCommand(CreateOrder, { customerId: "c" }).withSequence(0).execute();
      let add = commands.command("orders", root).withCommand(AddItem, { sku: item, quantity: 1 }).withSequence(1);
      add = add.withSyncMode(sync).withCascadeErrorMode(errorMode);
      if (correlationId) add = add.withCorrelationId(correlationId);
      return { root, response: await add.execute() };
    }

    it("CASCADE runs the process manager after the saga, before answering, and executes its commands", async () => {
      const item = sku();
      const correlationId = randomUUID();
      const { root } = await order(item, SyncMode.SYNC_MODE_CASCADE, correlationId);
      expect(types(await read("reservation", correlationId))).to.deep.equal([ItemAdded.$type]);
      // One reservation from the saga (order id = the order's root), then one from the process manager.
      const reserved = await read("inventory", stock(item).root);
      expect(reserved.pages.map((p) => unpackAny(StockReserved, pageEvent(p))?.orderId)).to.deep.equal([root, "pm"]);
    });

    it("process managers only see correlated books", async () => {
      const before = handled.length;
      const item = sku();
      await order(item, SyncMode.SYNC_MODE_CASCADE);
      expect(handled.length).to.equal(before);
      // The saga still ran: one reservation.
      expect((await read("inventory", stock(item).root)).pages).to.have.length(1);
    });

    it("a failing process manager fails CASCADE, or is collected into cascade_errors with CONTINUE", async () => {
      const err = await rejectsWith(order(sku(), SyncMode.SYNC_MODE_CASCADE, `boom-${randomUUID()}`), ClientError);
      expect([err.code, (err as { details?: string }).details]).to.deep.equal([Status.INTERNAL, "Process manager reservations failed: boom"]);
      const { response } = await order(sku(), SyncMode.SYNC_MODE_CASCADE, `boom-${randomUUID()}`, CascadeErrorMode.CASCADE_ERROR_CONTINUE);
      expect(response.cascadeErrors.map((e) => [e.componentName, e.componentType, e.errorMessage, e.sourceDomain])).to.deep.equal([
        ["reservations", "process_manager", "Process manager reservations failed: boom", "orders"],
      ]);
      const rpc = await callError(pms, pms.handle, { trigger: ordersBook(sku(), { correlationId: "boom-1" }), syncMode: 0, cascadeErrorMode: 0 });
      expect([rpc.code, rpc.details]).to.deep.equal([Status.INTERNAL, "PM orchestration failed: boom"]);
    });

    it("ASYNC delivers correlated books to process managers after answering", async () => {
      const correlationId = randomUUID();
      await order(sku(), SyncMode.SYNC_MODE_ASYNC, correlationId);
      await eventually(async () => (await read("reservation", correlationId)).pages.length === 1);
    });
  });
});
