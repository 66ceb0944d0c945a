import { CommandRejectedError, CommandRouter, event, StateRouter } from "angzarr-client";
import { InventoryState, ReserveStock, StockReserved } from "../gen/examples/inventory.js";
import { addUint32 } from "../uint32.js";

/** Inventory state, function style: one applier per event, snapshots as InventoryState. */
export const inventoryState = new StateRouter(() => InventoryState.create())
  .on(StockReserved, (state, e) => {
    state.reserved = addUint32(state.reserved, e.quantity);
  })
  .withSnapshot(InventoryState);

/** The `inventory` aggregate in router style: ReserveStock -> StockReserved. */
export const inventory = new CommandRouter("inventory", inventoryState).on(ReserveStock, (cmd) => {
  if (!cmd.sku) throw CommandRejectedError.invalidArgument("missing required field: sku");
  if (cmd.quantity <= 0) throw CommandRejectedError.invalidArgument("quantity must be positive");
  return event(StockReserved, { orderId: cmd.orderId, sku: cmd.sku, quantity: cmd.quantity });
});
