import { describe, it } from "node:test";
import { inventory } from "../../examples/inventory/inventory.js";
import { ReserveStock, StockReserved } from "../../examples/gen/examples/inventory.js";
import { Status } from "../../src/errors.js";
import { event } from "../../src/handlers/index.js";
import { testAggregate } from "../../src/testing/harness.js";

describe("examples/inventory (router style)", () => {
  it("reserves stock and accumulates reservations", async () => {
    await testAggregate(inventory)
      .given(event(StockReserved, { orderId: "o-1", sku: "sku-1", quantity: 2 }))
      .when(event(ReserveStock, { orderId: "o-2", sku: "sku-1", quantity: 3 }))
      .expectState({ reserved: 5 });
    await testAggregate(inventory)
      .when(event(ReserveStock, { orderId: "o-2", sku: "sku-1", quantity: 3 }))
      .expectEvents(event(StockReserved, { orderId: "o-2", sku: "sku-1", quantity: 3 }));
  });

  it("refuses an empty reservation", async () => {
    await testAggregate(inventory)
      .when(event(ReserveStock, { orderId: "o", sku: "sku-1", quantity: 0 }))
      .expectRejection(Status.INVALID_ARGUMENT, "quantity must be positive");
  });
});
