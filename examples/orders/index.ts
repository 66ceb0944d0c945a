import { consoleLogger, serveComponents, type ServerHandle, type ServerOptions } from "angzarr-client";
import type { TestDomain } from "angzarr-client/testing";
import { inventory } from "../inventory/inventory.js";
import { fulfillment } from "./fulfillment.js";
import { OrderAggregate } from "./order-aggregate.js";
import { orderSummary } from "./order-summary.js";
import { OrderUpcaster } from "./order-upcaster.js";
import { ordersToInventory } from "./orders-to-inventory.js";

export { fulfillment, OrderAggregate, orderSummary, OrderUpcaster, ordersToInventory };

/**
 * Start the orders test domain in-process: the orders and inventory aggregates, the
 * orders -> inventory saga, the fulfillment process manager, the order-summary projector and the
 * orders upcaster, on one port.
 * @param address - `host:port` to bind; port 0 picks a free one.
 */
export function startOrdersHandler(address = "127.0.0.1:0", options?: ServerOptions): Promise<ServerHandle> {
  return serveComponents(
    {
      aggregates: [OrderAggregate, inventory],
      sagas: [ordersToInventory],
      processManagers: [fulfillment],
      projectors: [orderSummary],
      upcasters: [OrderUpcaster],
    },
    address,
    options,
  );
}

/** The orders test domain as the embedded test backend runs it (quiet lifecycle logs). */
export const ordersTestDomain: TestDomain = {
  start: (address) => startOrdersHandler(address, { logger: { ...consoleLogger, info: () => undefined } }),
  domains: [OrderAggregate.domain, inventory.domain],
  projectors: [{ name: orderSummary.name, domains: [...(orderSummary.domains ?? [OrderAggregate.domain])] }],
  sagas: [{ name: ordersToInventory.name, sourceDomain: ordersToInventory.sourceDomain }],
  processManagers: [{ name: fulfillment.name, pmDomain: fulfillment.pmDomain, sourceDomains: fulfillment.sourceDomains }],
};
