import { commandBook, computeRoot, event, SagaHandlers, SagaRouter } from "angzarr-client";
import { ReserveStock } from "../gen/examples/inventory.js";
import { ItemAdded } from "../gen/examples/orders.js";

/** orders -> inventory: every ItemAdded reserves stock on the SKU's inventory aggregate. */
export const ordersToInventory = new SagaRouter(
  "orders-inventory",
  "orders",
  new SagaHandlers().on(ItemAdded, (item, ctx) => ({
    commands: [
      commandBook(
        { domain: "inventory", root: computeRoot("inventory", item.sku) },
        event(ReserveStock, { orderId: ctx.sourceRoot ?? "", sku: item.sku, quantity: item.quantity }),
      ),
    ],
  })),
);
