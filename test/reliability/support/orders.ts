/**
 * The orders test domain for the reliability suites: its handler in this process, the
 * coordinator routing (as configuration or as the CLI's environment), and commands whose
 * events carry a unique tag, so every acknowledged command can be found again in the store.
 */
import { randomUUID } from "node:crypto";
import { typeNameFromUrl } from "../../../src/core/any.js";
import type { CoordinatorConfig } from "../../../src/coordinator/index.js";
import type { EventBook } from "../../../src/gen/angzarr/types.js";
import { silentLogger, type ServerHandle, type ServerOptions } from "../../../src/server/index.js";
import { ordersTestDomain, startOrdersHandler } from "../../../examples/orders/index.js";
import {
  AddItem,
  CreateOrder,
  ItemAdded,
  OrderConfirmed,
  OrderCreated,
  OrderValidated,
  PaymentCaptured,
  ProcessOrder,
} from "../../../examples/gen/examples/orders.js";

export { AddItem, CreateOrder, ProcessOrder };

/** Starts the orders handler (all five business services) on a free port, without lifecycle logs. */
export function startHandler(options: ServerOptions = {}): Promise<ServerHandle> {
  return startOrdersHandler("127.0.0.1:0", { logger: silentLogger, ...options });
}

/** Coordinator routing of the orders test domain to the handler at `address`. */
export function ordersRouting(address: string): Pick<CoordinatorConfig, "routes" | "projectors" | "sagas" | "processManagers"> {
  const d = ordersTestDomain;
  return {
    routes: Object.fromEntries(d.domains.map((domain) => [domain, address])),
    projectors: (d.projectors ?? []).map((p) => ({ name: p.name, address, domains: [...p.domains] })),
    sagas: (d.sagas ?? []).map((s) => ({ name: s.name, address, sourceDomain: s.sourceDomain })),
    processManagers: (d.processManagers ?? []).map((p) => ({ name: p.name, address, pmDomain: p.pmDomain, sourceDomains: [...p.sourceDomains] })),
  };
}

/** The CLI environment routing the orders domain (commands only) to the handler at `address`. */
export function ordersRouteEnv(address: string): Record<string, string> {
  return { ANGZARR_ROUTES: `orders=${address}` };
}

/** A unique tag to put into a command; its events carry it. */
export function newTag(): string {
  return randomUUID().slice(0, 13);
}

/** Events of each command kind: CreateOrder and AddItem store one, ProcessOrder three. */
export const EVENTS_PER_COMMAND = { create: 1, add: 1, process: 3 } as const;
/** A command kind of the orders aggregate. */
export type CommandKind = keyof typeof EVENTS_PER_COMMAND;

/** The tag of a stored orders event (customer id, SKU or note), and its type name. */
export function eventTag(page: EventBook["pages"][number]): { type: string; tag: string } {
  if (page.payload?.$case !== "event") return { type: "(external)", tag: "" };
  const any = page.payload.value;
  const type = typeNameFromUrl(any.typeUrl);
  const bytes = any.value;
  switch (type) {
    case OrderCreated.$type:
      return { type, tag: OrderCreated.decode(bytes).customerId };
    case ItemAdded.$type:
      return { type, tag: ItemAdded.decode(bytes).sku };
    case OrderValidated.$type:
      return { type, tag: OrderValidated.decode(bytes).note };
    case PaymentCaptured.$type:
      return { type, tag: PaymentCaptured.decode(bytes).note };
    case OrderConfirmed.$type:
      return { type, tag: OrderConfirmed.decode(bytes).note };
    default:
      return { type, tag: "" };
  }
}

/** Sequences of a book's pages, in order. */
export function sequencesOf(book: EventBook): number[] {
  return book.pages.map((p) => (p.header?.sequenceType?.$case === "sequence" ? p.header.sequenceType.value : -1));
}

/** True when `sequences` is exactly 0, 1, 2, … */
export function contiguousFromZero(sequences: readonly number[]): boolean {
  return sequences.every((s, i) => s === i);
}
