/**
 * Valid requests for every RPC of the coordinator and of the SDK's business-logic servers,
 * built from the orders test domain with seeded random content. Each request names a fresh
 * aggregate root most of the time, so whatever a rejected request might have written would
 * show up in the store under a root nothing else touches.
 */
import type { ServiceDefinition } from "@grpc/grpc-js";
import { packAny } from "../../../src/core/any.js";
import { sequenceHeader } from "../../../src/core/books.js";
import { bytesToUuid } from "../../../src/core/uuid.js";
import { CommandHandlerCoordinatorServiceService, CommandHandlerServiceService } from "../../../src/gen/angzarr/command_handler.js";
import { ProcessManagerCoordinatorServiceService, ProcessManagerServiceService } from "../../../src/gen/angzarr/process_manager.js";
import { ProjectorCoordinatorServiceService, ProjectorServiceService } from "../../../src/gen/angzarr/projector.js";
import { EventQueryServiceService } from "../../../src/gen/angzarr/query.js";
import { SagaCoordinatorServiceService, SagaServiceService } from "../../../src/gen/angzarr/saga.js";
import type { Any } from "../../../src/gen/google/protobuf/any.js";
import type { CommandBook, Cover, EventBook, EventPage, PageHeader, Query } from "../../../src/gen/angzarr/types.js";
import { UpcasterServiceService } from "../../../src/gen/angzarr/upcaster.js";
import { HealthService } from "../../../src/server/health.js";
import { ReserveStock, StockReserved } from "../../../examples/gen/examples/inventory.js";
import {
  AddItem,
  Checkpoint,
  CreateOrder,
  ItemAdded,
  OrderCreated,
  OrderCreatedV1,
  OrderState,
  OrderValidated,
  ProcessOrder,
  ShipOrder,
} from "../../../examples/gen/examples/orders.js";
import type { Prng } from "../support/prng.js";

/** How an RPC is called. */
export type CallKind = "unary" | "server-stream" | "bidi";

/** One RPC under test. */
export interface Rpc {
  /** `/package.Service/Method`. */
  path: string;
  kind: CallKind;
  /** A fresh valid request, encoded. */
  build(g: RequestFactory): Buffer;
  /** Decodes request bytes as the server does (throws for undecodable bytes). */
  decode(bytes: Buffer): unknown;
}

/** Random but valid messages of the orders test domain. */
export class RequestFactory {
  /** Roots reused across requests, so some requests meet aggregates with history. */
  private readonly pool: Buffer[];

  constructor(readonly rng: Prng) {
    this.pool = Array.from({ length: 16 }, () => rng.bytes(16));
  }

  root(): Buffer {
    return this.rng.chance(0.2) ? this.rng.pick(this.pool) : this.rng.bytes(16);
  }

  cover(domain = this.rng.pick(["orders", "orders", "inventory", "fulfillment"])): Cover {
    const r = this.rng;
    return {
      domain,
      root: { value: this.root() },
      correlationId: r.chance(0.3) ? `corr-${r.int(0, 9999)}` : "",
      edition: r.chance(0.1) ? { name: "branch", divergences: [{ domain, sequence: r.int(0, 3) }] } : undefined,
    };
  }

  text(): string {
    return `t${this.rng.int(0, 1_000_000)}`;
  }

  command(): Any {
    const r = this.rng;
    switch (r.int(0, 5)) {
      case 0:
        return packAny(CreateOrder, { customerId: this.text() });
      case 1:
        return packAny(AddItem, { sku: this.text(), quantity: r.int(0, 5) });
      case 2:
        return packAny(ProcessOrder, { note: this.text() });
      case 3:
        return packAny(ShipOrder, { address: this.text(), carrier: r.chance(0.8) ? "ups" : "" });
      case 4:
        return packAny(Checkpoint, { note: this.text() });
      default:
        return packAny(ReserveStock, { orderId: this.text(), sku: this.text(), quantity: r.int(1, 3) });
    }
  }

  event(): Any {
    const r = this.rng;
    switch (r.int(0, 4)) {
      case 0:
        return packAny(OrderCreated, { customerId: this.text() });
      case 1:
        return packAny(ItemAdded, { sku: this.text(), quantity: r.int(1, 5) });
      case 2:
        return packAny(OrderValidated, { note: this.text() });
      case 3:
        return packAny(OrderCreatedV1, { customer: this.text() });
      default:
        return packAny(StockReserved, { orderId: this.text(), sku: this.text(), quantity: r.int(1, 3) });
    }
  }

  header(sequence = this.rng.int(0, 3)): PageHeader {
    const r = this.rng;
    switch (r.int(0, 5)) {
      case 0:
        return { sequenceType: { $case: "angzarrDeferred", value: { source: this.cover(), sourceSeq: r.int(0, 3) } } };
      case 1:
        return { sequenceType: { $case: "externalDeferred", value: { externalId: this.text(), description: "" } } };
      default:
        return sequenceHeader(sequence);
    }
  }

  commandBook(domain?: string): CommandBook {
    const r = this.rng;
    return {
      cover: this.cover(domain),
      pages: Array.from({ length: r.chance(0.9) ? 1 : r.int(0, 3) }, (_, i) => ({
        header: r.chance(0.8) ? sequenceHeader(i) : this.header(i),
        mergeStrategy: r.int(0, 3),
        payload: { $case: "command" as const, value: this.command() },
      })),
    };
  }

  eventPages(count = this.rng.int(0, 4)): EventPage[] {
    return Array.from({ length: count }, (_, i) => ({
      header: this.rng.chance(0.8) ? sequenceHeader(i) : this.header(i),
      createdAt: this.rng.chance(0.5) ? { seconds: 1_700_000_000 + i, nanos: 0 } : undefined,
      payload: { $case: "event" as const, value: this.event() },
      noCommit: this.rng.chance(0.1),
    }));
  }

  eventBook(domain?: string): EventBook {
    const pages = this.eventPages();
    return {
      cover: this.cover(domain),
      pages,
      nextSequence: pages.length,
      snapshot: this.rng.chance(0.2)
        ? { sequence: 0, retention: 0, state: packAny(OrderState, OrderState.fromPartial({ itemCount: 1, eventCount: 1 })) }
        : undefined,
    };
  }

  /** Facts: external-deferred pages, as HandleEvent requires. */
  factBook(): EventBook {
    const book = this.eventBook("orders");
    const header: PageHeader = { sequenceType: { $case: "externalDeferred", value: { externalId: this.text(), description: "" } } };
    return { ...book, pages: book.pages.map((p) => ({ ...p, header })) };
  }

  query(): Query {
    const r = this.rng;
    const selections: Query["selection"][] = [
      undefined,
      { $case: "range", value: { lower: r.int(0, 3), upper: r.chance(0.5) ? r.int(0, 5) : undefined } },
      { $case: "sequences", value: { values: [r.int(0, 4), r.int(0, 4)] } },
      { $case: "temporal", value: { pointInTime: { $case: "asOfSequence", value: r.int(0, 4) } } },
      { $case: "temporal", value: { pointInTime: { $case: "asOfTime", value: { seconds: 1_700_000_000, nanos: 0 } } } },
    ];
    return { cover: this.cover(), selection: r.pick(selections) };
  }

  syncMode(): number {
    return this.rng.int(0, 2);
  }
}

type Method = ServiceDefinition[string];

/** An RPC whose request is `make(g)`, encoded with the method's own serializer. */
function rpc<Req>(method: Method & { requestSerialize(v: Req): Buffer }, make: (g: RequestFactory) => Req): Rpc {
  return {
    path: method.path,
    kind: method.requestStream ? "bidi" : method.responseStream ? "server-stream" : "unary",
    build: (g) => method.requestSerialize(make(g)),
    decode: (bytes) => method.requestDeserialize(bytes) as unknown,
  };
}

const health = [
  rpc(HealthService.check, (g) => ({ service: g.rng.chance(0.8) ? "" : g.text() })),
  rpc(HealthService.watch, () => ({ service: "unknown.Service" })),
];

/** Every RPC the embedded coordinator serves. */
export const COORDINATOR_RPCS: readonly Rpc[] = [
  rpc(CommandHandlerCoordinatorServiceService.handleCommand, (g) => ({
    command: g.commandBook(),
    syncMode: g.syncMode(),
    cascadeErrorMode: g.rng.int(0, 3),
    cascadeId: g.rng.chance(0.05) ? g.text() : undefined,
  })),
  rpc(CommandHandlerCoordinatorServiceService.handleEvent, (g) => ({
    events: g.factBook(),
    syncMode: g.syncMode(),
    routeToHandler: g.rng.chance(0.3),
  })),
  rpc(CommandHandlerCoordinatorServiceService.handleSyncSpeculative, (g) => ({
    command: g.commandBook("orders"),
    pointInTime: { pointInTime: { $case: "asOfSequence" as const, value: g.rng.int(0, 3) } },
  })),
  rpc(CommandHandlerCoordinatorServiceService.handleCompensation, (g) => ({ command: g.commandBook("orders"), syncMode: 0, cascadeErrorMode: 0 })),
  rpc(EventQueryServiceService.getEventBook, (g) => g.query()),
  rpc(EventQueryServiceService.getEvents, (g) => g.query()),
  rpc(EventQueryServiceService.getAggregateRoots, () => ({})),
  rpc(EventQueryServiceService.synchronize, (g) => g.query()),
  rpc(SagaCoordinatorServiceService.execute, (g) => sagaRequest(g)),
  rpc(SagaCoordinatorServiceService.executeSpeculative, (g) => ({ request: sagaRequest(g) })),
  rpc(ProcessManagerCoordinatorServiceService.handle, (g) => ({ trigger: g.eventBook("orders"), syncMode: g.syncMode(), cascadeErrorMode: 0 })),
  rpc(ProcessManagerCoordinatorServiceService.handleSpeculative, (g) => ({ request: pmRequest(g) })),
  rpc(ProjectorCoordinatorServiceService.handle, (g) => g.eventBook("orders")),
  rpc(ProjectorCoordinatorServiceService.handleSpeculative, (g) => ({ events: g.eventBook("orders") })),
  rpc(ProjectorCoordinatorServiceService.handleSync, (g) => ({ events: g.eventBook("orders"), syncMode: g.syncMode(), routeToHandler: false })),
  ...health,
];

/** Every RPC of the SDK's business-logic servers (the orders handler serves all five services). */
export const BUSINESS_RPCS: readonly Rpc[] = [
  rpc(CommandHandlerServiceService.handle, (g) => ({ events: g.eventBook("orders"), command: g.commandBook("orders") })),
  rpc(CommandHandlerServiceService.handleFact, (g) => ({ facts: g.factBook(), priorEvents: g.eventBook("orders") })),
  rpc(CommandHandlerServiceService.replay, (g) => ({ baseSnapshot: g.eventBook().snapshot, events: g.eventPages() })),
  rpc(SagaServiceService.handle, (g) => sagaRequest(g)),
  rpc(ProcessManagerServiceService.prepare, (g) => ({ trigger: g.eventBook("orders"), processState: g.eventBook("fulfillment") })),
  rpc(ProcessManagerServiceService.handle, (g) => pmRequest(g)),
  rpc(ProjectorServiceService.handle, (g) => g.eventBook("orders")),
  rpc(ProjectorServiceService.handleSpeculative, (g) => g.eventBook("orders")),
  rpc(UpcasterServiceService.upcast, (g) => ({ domain: g.rng.chance(0.8) ? "orders" : "inventory", events: g.eventPages() })),
  ...health,
];

function sagaRequest(g: RequestFactory) {
  return {
    source: g.eventBook("orders"),
    syncMode: g.syncMode(),
    cascadeErrorMode: g.rng.int(0, 3),
    destinationSequences: { inventory: g.rng.int(0, 3) },
  };
}

function pmRequest(g: RequestFactory) {
  return { trigger: g.eventBook("orders"), processState: g.eventBook("fulfillment"), destinationSequences: {} };
}

/**
 * Every `(domain, root)` named by a cover anywhere in a decoded request, as `domain/uuid`
 * (roots that are not 16 bytes cannot be stored and are skipped).
 */
export function coveredKeys(request: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(request)) {
    for (const item of request) coveredKeys(item, into);
  } else if (request && typeof request === "object" && !Buffer.isBuffer(request) && !(request instanceof Uint8Array)) {
    const cover = request as Partial<Cover>;
    if (typeof cover.domain === "string" && cover.root?.value?.length === 16) into.add(`${cover.domain}/${bytesToUuid(cover.root.value)}`);
    for (const value of Object.values(request)) coveredKeys(value, into);
  }
  return into;
}
