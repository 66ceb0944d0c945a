import { Upcaster, upcasts } from "angzarr-client";
import { OrderCreated, OrderCreatedV1, OrderCreatedV2 } from "../gen/examples/orders.js";

/** Migrates old OrderCreated versions: V1 -> V2 -> OrderCreated. */
export class OrderUpcaster extends Upcaster {
  static domain = "orders";

  @upcasts(OrderCreatedV1, OrderCreatedV2)
  v1(old: OrderCreatedV1): OrderCreatedV2 {
    return { customerId: old.customer, channel: "legacy" };
  }

  @upcasts(OrderCreatedV2, OrderCreated)
  v2(old: OrderCreatedV2): OrderCreated {
    return { customerId: old.customerId };
  }
}
