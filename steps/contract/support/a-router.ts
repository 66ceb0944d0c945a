/**
 * The in-process routers the router.feature contract steps drive (engineer A): the SDK's
 * CommandRouter, SagaRouter, ProjectorRouter, ProcessManagerRouter and StateRouter over the
 * orders/inventory example messages, each handler recording what it was called with.
 */
import { computeRoot, headerSequence, makeCover, makeEventBook, makeEventPage } from "../../../src/core/index.js";
import { CommandRejectedError } from "../../../src/errors.js";
import { CommandRouter, type CommandContext } from "../../../src/handlers/command-router.js";
import { StateRouter } from "../../../src/handlers/state-router.js";
import { SagaHandlers, SagaRouter } from "../../../src/handlers/saga-router.js";
import { ProjectorRouter } from "../../../src/handlers/projector-router.js";
import { ProcessManagerHandlers, ProcessManagerRouter } from "../../../src/handlers/process-manager-router.js";
import { event } from "../../../src/handlers/events.js";
import { commandBook } from "../../../src/handlers/outbound.js";
import type { MessageType } from "../../../src/core/message.js";
import {
  AddItem,
  CreateOrder,
  FailWith,
  ItemAdded,
  OrderCreated,
  OrderShipped,
  OrderState,
  OrderSummary,
  ProcessOrder,
  ShipOrder,
} from "../../../examples/gen/examples/orders.js";
import { ReserveStock } from "../../../examples/gen/examples/inventory.js";
import type { BusinessResponse } from "../../../src/gen/angzarr/command_handler.js";
import type { SagaResponse } from "../../../src/gen/angzarr/saga.js";
import type { ProcessManagerHandleResponse } from "../../../src/gen/angzarr/process_manager.js";
import {
  CascadeErrorMode,
  MergeStrategy,
  SyncMode,
  type CommandBook,
  type Cover,
  type EventBook,
  type EventPage,
  type Projection,
} from "../../../src/gen/angzarr/types.js";
import type { Any } from "../../../src/gen/google/protobuf/any.js";
import { codecFor, sampleMessage, type Codec } from "../../support/messages.js";
import { StateSlot } from "../../support/state-slot.js";
import type { AngzarrWorld } from "../../support/world.js";

export const ROUTER_ROOT = "00000000-0000-4000-8000-00000000a001";

/** One handler call: which handler, with what (decoded) message and what it saw. */
export interface Call {
  handler: string;
  message?: unknown;
  sequence?: number;
  exists?: boolean;
  items?: number;
  priorPages?: number;
  nextSequence?: number;
  correlationId?: string;
  speculative?: boolean;
}

export interface RouterScenario {
  calls: Call[];
  aggregate?: CommandRouter<OrderState>;
  saga?: SagaRouter;
  projector?: ProjectorRouter<ProjectionState>;
  pm?: ProcessManagerRouter<OrderState>;
  /** Which router "the router" is. */
  kind?: "aggregate" | "saga" | "projector" | "pm" | "state";
  prior: EventPage[];
  snapshot?: EventBook["snapshot"];
  response?: BusinessResponse;
  sagaResponse?: SagaResponse;
  sagaSource?: EventBook;
  projection?: Projection;
  pmResponses: ProcessManagerHandleResponse[];
  /** Process manager books per correlation id, as the coordinator keeps them. */
  pmBooks: Map<string, EventBook>;
  /** How many events the ProcessOrder handler emits. */
  emitCount: number;
  /** Side effects the projector performs outside its projection (a stand-in external table). */
  externalWrites: string[];
  state?: OrderState;
  applied: number[];
  stateRouter?: StateRouter<OrderState>;
  /** Types registered on the registration router, by full name -> handler label. */
  registered: Map<string, string>;
}

export function newScenario(): RouterScenario {
  return { calls: [], prior: [], pmResponses: [], pmBooks: new Map(), emitCount: 0, externalWrites: [], applied: [], registered: new Map() };
}

/** The scenario's routers and what they answered; a router's failure goes to the World's lastError. */
export const ROUTER_SCENARIO = new StateSlot<RouterScenario>(newScenario);

export function packOf<T>(codec: MessageType<T>, message: T): Any {
  return { typeUrl: `type.googleapis.com/${codec.$type}`, value: Buffer.from(codec.encode(message).finish()) };
}

export function page<T>(seq: number, codec: MessageType<T>, message: T): EventPage {
  return makeEventPage(seq, packOf(codec, message));
}

/** The order state, rebuilt by a StateRouter that records which sequences it applied. */
export function orderState(rs: RouterScenario): StateRouter<OrderState> {
  const applied = (p: EventPage) => rs.applied.push(headerSequence(p.header) ?? -1);
  return new StateRouter<OrderState>(() => OrderState.fromPartial({}))
    .on(OrderCreated, (s, e, p) => {
      s.customerId = e.customerId;
      s.eventCount++;
      applied(p);
    })
    .on(ItemAdded, (s, e, p) => {
      s.itemCount += e.quantity;
      s.eventCount++;
      applied(p);
    })
    .on(OrderShipped, (s, _e, p) => {
      s.shipped = true;
      s.eventCount++;
      applied(p);
    })
    .withSnapshot(OrderState);
}

/** Registers one of the orders aggregate's handlers on a router. */
type Registration = (router: CommandRouter<OrderState>) => void;

/** The orders aggregate's handlers by command name; each records its call. */
function aggregateHandlers(rs: RouterScenario): Record<string, Registration> {
  const record = (handler: string, message: unknown, state: OrderState, ctx: CommandContext) =>
    rs.calls.push({
      handler,
      message,
      exists: ctx.exists,
      items: state.itemCount,
      priorPages: ctx.prior.pages.length,
      nextSequence: ctx.nextSequence,
    });
  return {
    CreateOrder: (router) =>
      router.on(CreateOrder, (cmd, s, ctx) => {
        record("CreateOrder", cmd, s, ctx);
        if (ctx.exists) throw CommandRejectedError.preconditionFailed("order already exists");
        return event(OrderCreated, OrderCreated.fromPartial({ customerId: cmd.customerId }));
      }),
    AddItem: (router) =>
      router.on(AddItem, (cmd, s, ctx) => {
        record("AddItem", cmd, s, ctx);
        if (!ctx.exists) throw CommandRejectedError.preconditionFailed("order does not exist");
        return event(ItemAdded, ItemAdded.fromPartial({ sku: cmd.sku, quantity: cmd.quantity }));
      }),
    ProcessOrder: (router) =>
      router.on(ProcessOrder, (cmd, s, ctx) => {
        record("ProcessOrder", cmd, s, ctx);
        return Array.from({ length: rs.emitCount }, (_, i) => event(ItemAdded, ItemAdded.fromPartial({ sku: `batch-${i}`, quantity: 1 })));
      }),
    FailWith: (router) =>
      router.on(FailWith, (cmd, s, ctx) => {
        record("FailWith", cmd, s, ctx);
        throw new Error(`payment gateway unavailable: ${cmd.message}`);
      }),
    // Guard / validate / compute: the three phases of one handler, each recorded.
    ShipOrder: (router) =>
      router.on(ShipOrder, (cmd, s, ctx) => {
        record("ShipOrder", cmd, s, ctx);
        rs.calls.push({ handler: "guard" });
        if (!ctx.exists) throw CommandRejectedError.preconditionFailed("order does not exist: cannot ship");
        rs.calls.push({ handler: "validate" });
        if (!cmd.address) throw CommandRejectedError.invalidArgument("invalid ShipOrder: address is required");
        if (!cmd.carrier) throw CommandRejectedError.invalidArgument("invalid ShipOrder: carrier is required");
        rs.calls.push({ handler: "compute" });
        return event(OrderShipped, OrderShipped.fromPartial({ address: cmd.address, carrier: cmd.carrier }));
      }),
  };
}

export function aggregateRouter(rs: RouterScenario, names?: string[]): CommandRouter<OrderState> {
  const all = aggregateHandlers(rs);
  const router = new CommandRouter("orders", orderState(rs));
  for (const name of names ?? Object.keys(all)) {
    const register = all[name];
    if (!register) throw new Error(`no example handler for ${name}`);
    register(router);
  }
  rs.aggregate = router;
  rs.kind = "aggregate";
  return router;
}

/** An existing order: OrderCreated and two ItemAdded. */
export function existingOrder(): EventPage[] {
  return [
    page(0, OrderCreated, OrderCreated.fromPartial({ customerId: "cust-1" })),
    page(1, ItemAdded, ItemAdded.fromPartial({ sku: "a", quantity: 1 })),
    page(2, ItemAdded, ItemAdded.fromPartial({ sku: "b", quantity: 1 })),
  ];
}

export function orderCover(correlationId = ""): Cover {
  return makeCover({ domain: "orders", root: ROUTER_ROOT, correlationId });
}

/** Sends one command to the aggregate router with the scenario's prior events. */
export async function handleCommand(world: AngzarrWorld, any: Any): Promise<void> {
  const rs = world.state(ROUTER_SCENARIO);
  const router = rs.aggregate;
  if (!router) throw new Error("no aggregate router was set up");
  const cover = orderCover();
  rs.response = undefined;
  world.lastError = undefined;
  try {
    rs.response = await router.handle({
      events: makeEventBook(cover, rs.prior, rs.snapshot),
      command: {
        cover,
        pages: [
          {
            header: { sequenceType: { $case: "sequence", value: rs.prior.length } },
            mergeStrategy: MergeStrategy.MERGE_COMMUTATIVE,
            payload: { $case: "command", value: any },
          },
        ],
      },
    });
  } catch (err) {
    world.lastError = err;
  }
}

/** A command of the named type: its example codec with sample data, or an unknown type. */
export function commandAny(name: string, data?: Record<string, unknown>): Any {
  let codec: Codec;
  try {
    codec = codecFor(name, "orders");
  } catch {
    return { typeUrl: `type.googleapis.com/examples.orders.${name}`, value: Buffer.alloc(0) };
  }
  return packOf(codec, data ? codec.fromPartial(data) : sampleMessage(codec, `data-${name}`));
}

// ---- saga -------------------------------------------------------------------------------------

/** A saga recording each call; ItemAdded reserves stock in inventory (sequenced when the destination is known). */
export function sagaRouter(rs: RouterScenario, names: string[] = ["OrderCreated", "ItemAdded"]): SagaRouter {
  let handlers = new SagaHandlers();
  for (const name of names) {
    const codec = codecFor(name, "orders");
    handlers = handlers.on(codec, (e, ctx) => {
      const local = { reserved: 0 }; // per-invocation state: a saga keeps nothing between events
      rs.calls.push({
        handler: name,
        message: e,
        sequence: ctx.event.sequence,
        correlationId: ctx.source.cover?.correlationId,
        items: local.reserved,
      });
      if (name !== "ItemAdded") return undefined;
      const item = { sku: String(e.sku), quantity: Number(e.quantity) };
      local.reserved += item.quantity;
      let command: CommandBook = commandBook(
        { domain: "inventory", root: computeRoot("inventory", item.sku) },
        event(ReserveStock, ReserveStock.fromPartial({ orderId: ctx.sourceRoot ?? "", sku: item.sku, quantity: local.reserved })),
      );
      if (ctx.destinations.has("inventory")) {
        rs.calls.push({ handler: "destination", sequence: ctx.destinations.sequenceFor("inventory") });
        command = ctx.destinations.stampCommand(command);
      }
      return { commands: [command] };
    });
  }
  rs.saga = new SagaRouter("order-fulfillment", "orders", handlers);
  rs.kind = "saga";
  return rs.saga;
}

export async function handleSaga(
  world: AngzarrWorld,
  pages: EventPage[],
  correlationId: string,
  destinations: Record<string, number> = {},
): Promise<void> {
  const rs = world.state(ROUTER_SCENARIO);
  rs.sagaSource = makeEventBook(orderCover(correlationId), pages);
  rs.sagaResponse = undefined;
  world.lastError = undefined;
  try {
    rs.sagaResponse = await rs.saga!.handle({
      source: rs.sagaSource,
      syncMode: SyncMode.SYNC_MODE_ASYNC,
      cascadeErrorMode: CascadeErrorMode.CASCADE_ERROR_FAIL_FAST,
      destinationSequences: destinations,
    });
  } catch (err) {
    world.lastError = err;
  }
}

// ---- projector --------------------------------------------------------------------------------

export interface ProjectionState {
  seen: number[];
  items: number;
  speculative: boolean;
}

export function projectorRouter(rs: RouterScenario, names: string[] = ["OrderCreated", "ItemAdded"]): ProjectorRouter<ProjectionState> {
  let router = new ProjectorRouter<ProjectionState>("order-summary", ["orders"], (_book, speculative) => ({ seen: [], items: 0, speculative }));
  for (const name of names) {
    const codec = codecFor(name, "orders");
    router = router.on(codec, (state, e, ctx) => {
      rs.calls.push({ handler: name, message: e, sequence: ctx.sequence, speculative: ctx.speculative });
      state.seen.push(ctx.sequence);
      if (name === "ItemAdded") state.items += Number(e.quantity);
      // The projector's external write (a read-model row), skipped on speculative runs.
      if (!ctx.speculative) rs.externalWrites.push(`${name}@${ctx.sequence}`);
    });
  }
  rs.projector = router.output(OrderSummary, (s, book) =>
    OrderSummary.fromPartial({ root: ROUTER_ROOT, eventsSeen: s.seen.length, items: s.items + 0 * book.pages.length }),
  );
  rs.kind = "projector";
  return rs.projector;
}

export async function project(world: AngzarrWorld, pages: EventPage[], speculative = false): Promise<void> {
  const rs = world.state(ROUTER_SCENARIO);
  world.lastError = undefined;
  try {
    rs.projection = await rs.projector!.handle(makeEventBook(orderCover(), pages), speculative);
  } catch (err) {
    world.lastError = err;
  }
}

// ---- process manager --------------------------------------------------------------------------

/** Domain of an example message: the package after "examples.". */
export function domainOf(name: string): string {
  return codecFor(name).$type.split(".")[1]!;
}

export function pmRouter(rs: RouterScenario, names: string[] = ["OrderCreated", "ItemAdded"]): ProcessManagerRouter<OrderState> {
  const byDomain = new Map<string, ProcessManagerHandlers<OrderState>>();
  for (const name of names) {
    const domain = domainOf(name);
    const handlers = byDomain.get(domain) ?? new ProcessManagerHandlers<OrderState>();
    const codec = codecFor(name);
    byDomain.set(
      domain,
      handlers.on(codec, (e, state, ctx) => {
        rs.calls.push({ handler: name, message: e, items: state.itemCount, correlationId: ctx.correlationId });
        if (name !== "ItemAdded") return {};
        const item = { sku: String(e.sku), quantity: Number(e.quantity) };
        return {
          // The PM records what it saw (its own state) and asks inventory to reserve.
          processEvents: event(ItemAdded, ItemAdded.fromPartial({ sku: item.sku, quantity: item.quantity })),
          commands: [
            commandBook(
              { domain: "inventory", root: computeRoot("inventory", item.sku) },
              event(ReserveStock, ReserveStock.fromPartial({ sku: item.sku, quantity: item.quantity })),
            ),
          ],
        };
      }),
    );
  }
  let pm = new ProcessManagerRouter<OrderState>("order-workflow", "order-workflow", orderState(rs));
  for (const [domain, handlers] of byDomain) pm = pm.domain(domain, handlers);
  rs.pm = pm;
  rs.kind = "pm";
  return pm;
}

/** Delivers a trigger to the PM with its book for the correlation id (kept like the coordinator keeps it). */
export async function handlePm(rs: RouterScenario, domain: string, pages: EventPage[], correlationId: string): Promise<ProcessManagerHandleResponse> {
  const trigger = makeEventBook(makeCover({ domain, root: ROUTER_ROOT, correlationId }), pages);
  const processState = rs.pmBooks.get(correlationId);
  const response = await rs.pm!.handle({ trigger, processState, destinationSequences: {} });
  rs.pmResponses.push(response);
  const produced = response.processEvents;
  if (produced && produced.pages.length > 0) {
    const book = processState ?? { ...produced, pages: [] };
    rs.pmBooks.set(correlationId, { ...book, cover: produced.cover, pages: [...book.pages, ...produced.pages] });
  }
  return response;
}
