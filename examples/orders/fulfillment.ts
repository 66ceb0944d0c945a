import { ProcessManagerHandlers, ProcessManagerRouter, StateRouter, event } from "angzarr-client";
import { StockReserved } from "../gen/examples/inventory.js";
import { ItemAdded } from "../gen/examples/orders.js";

/** What the fulfillment process has seen of one order flow. */
export interface FulfillmentState {
  /** Units ordered (ItemAdded). */
  ordered: number;
  /** Units reserved (StockReserved). */
  reserved: number;
}

const fulfillmentState = new StateRouter<FulfillmentState>(() => ({ ordered: 0, reserved: 0 }))
  .on(ItemAdded, (state, item) => {
    state.ordered += item.quantity;
  })
  .on(StockReserved, (state, reserved) => {
    state.reserved += reserved.quantity;
  });

/**
 * The fulfillment process manager (domain `fulfillment`): per correlation id, it records the
 * items ordered and the stock reserved for them as its own events. It emits no commands, so it
 * never changes the orders or inventory aggregates.
 */
export const fulfillment = new ProcessManagerRouter("fulfillment", "fulfillment", fulfillmentState)
  .domain(
    "orders",
    new ProcessManagerHandlers<FulfillmentState>().on(ItemAdded, (item) => ({ processEvents: event(ItemAdded, item) })),
  )
  .domain(
    "inventory",
    new ProcessManagerHandlers<FulfillmentState>().on(StockReserved, (reserved) => ({ processEvents: event(StockReserved, reserved) })),
  );
