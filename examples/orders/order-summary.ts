import { coverRoot, ProjectorRouter } from "angzarr-client";
import { ItemAdded, OrderSummary } from "../gen/examples/orders.js";
import { addUint32 } from "../uint32.js";

/** The order-summary read model: events seen and items ordered, per delivered book. */
export const orderSummary = new ProjectorRouter("order-summary", ["orders"], (book) => OrderSummary.create({ root: coverRoot(book.cover) ?? "" }))
  .on(ItemAdded, (summary, item) => {
    summary.items = addUint32(summary.items, item.quantity);
  })
  .output(OrderSummary, (summary, book) => ({ ...summary, eventsSeen: book.pages.length }));
